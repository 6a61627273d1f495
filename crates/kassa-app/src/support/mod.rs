//! The support assistant's use of the user's own data (issue 16): when a question names an
//! order — its id, short reference or a merchant reference — the order with its store,
//! status, amounts and what the actor can do with it next. It is looked for in every store
//! the user may see orders in now (their usable memberships whose role allows viewing
//! orders), the current store first; in each the lookup goes through that store like every
//! order query ([`crate::orders::om_order`], [`crate::orders::search_orders`]), as the user
//! with their role there. An order of any other store or merchant does not exist here: the
//! answer is the same as for an unknown reference.

use crate::orders::{core_state, om_order, search_orders};
use crate::{Actor, ActorKind, AppError, AppResult};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::order::Status;
use kassa_db::{Db, OrderFilter, OrderRow};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// At most this many words of a question are looked up as order references.
const MAX_MENTIONS: usize = 4;

/// What can be done with an order next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Capture,
    Refund,
    Cancel,
    Extend,
    Release,
}

impl NextStep {
    pub fn code(self) -> &'static str {
        match self {
            NextStep::Capture => "capture",
            NextStep::Refund => "refund",
            NextStep::Cancel => "cancel",
            NextStep::Extend => "extend",
            NextStep::Release => "release",
        }
    }
}

/// An order named in a question, as the assistant tells it.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub order_id: String,
    pub short_reference: String,
    pub merchant_reference: Option<String>,
    pub status: Status,
    pub currency: String,
    pub order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    /// What may still be captured.
    pub remaining: i64,
    /// When the authorization ends, while money can still be captured.
    pub expires_at: Option<i64>,
    /// What the actor may do with it now, in the order page's order.
    pub next: Vec<NextStep>,
    /// The actor's role may not change orders (the steps the order allows are then not
    /// theirs to take).
    pub read_only: bool,
    /// The store the order is in, and its name.
    pub store_id: String,
    pub store_name: String,
    /// The store is the actor's current one (else the portal must switch to it to open the
    /// order).
    pub current_store: bool,
}

/// What a question says about orders.
#[derive(Debug, Clone)]
pub enum OrderMention {
    /// The question names no order.
    None,
    /// It names something that looks like an order reference, and no store the actor may see
    /// orders in has such an order.
    NotFound(String),
    Found(Box<OrderFacts>),
}

fn is_uuid(word: &str) -> bool {
    word.len() == 36
        && word.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Seven capitals and digits, at least one capital: how Kassa writes short references.
fn is_short_reference(word: &str) -> bool {
    word.len() == 7
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_uppercase())
}

/// The words of `question` that may be order references: an order id (UUID), a short
/// reference (seven capitals and digits, like `K4MADNY`), or a word with a digit in it
/// (`#1001`, `ORDER-1001`), without the punctuation around it.
pub fn mentions(question: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in question.split_whitespace() {
        let word = word
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '_')
            .trim_matches(['-', '_']);
        if word.is_empty() || word.len() > 64 {
            continue;
        }
        let short = is_short_reference(word);
        let has_digit = word.chars().any(|c| c.is_ascii_digit());
        // A bare small number ("3 days", "2 orders") is not a reference.
        let small_number = word.chars().all(|c| c.is_ascii_digit()) && word.len() < 3;
        if (is_uuid(word) || short || has_digit) && !small_number && !out.iter().any(|w| w == word) {
            out.push(word.to_owned());
        }
        if out.len() == MAX_MENTIONS {
            break;
        }
    }
    out
}

/// The order a word names in the actor's store: by id, or by an exact short or merchant
/// reference (any case).
async fn order_named(db: &Db, actor: &Actor, word: &str) -> AppResult<Option<OrderRow>> {
    if is_uuid(word) {
        return match om_order(db, actor, &word.to_ascii_lowercase()).await {
            Ok(row) => Ok(Some(row)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let filter = OrderFilter {
        query: Some(word.to_owned()),
        ..OrderFilter::default()
    };
    let rows = search_orders(db, actor, &filter, None, 20).await?;
    let exact = rows.into_iter().find(|r| {
        r.short_reference.eq_ignore_ascii_case(word)
            || r.merchant_reference1
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(word))
            || r.merchant_reference2
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(word))
    });
    match exact {
        Some(r) => match om_order(db, actor, &r.order_id).await {
            Ok(row) => Ok(Some(row)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

/// The facts of an order for `actor` at `now`.
pub fn facts(row: &OrderRow, actor: &Actor, now: i64) -> AppResult<OrderFacts> {
    let state = core_state(row)?;
    let open =
        matches!(state.status, Status::Authorized | Status::PartCaptured) && !state.released && now < state.expires_at;
    let manage = actor
        .role
        .is_some_and(|role| allows(role, Onboarding::Direct, Permission::ManageOrders));
    let mut possible = Vec::new();
    if open {
        possible.push(NextStep::Capture);
    }
    if row.captured_amount - row.refunded_amount > 0 {
        possible.push(NextStep::Refund);
    }
    if state.extend_authorization(now, DAY_MS).is_ok() {
        possible.push(NextStep::Extend);
    }
    if state.release_remaining().is_ok() {
        possible.push(NextStep::Release);
    }
    if state.cancel().is_ok() {
        possible.push(NextStep::Cancel);
    }
    Ok(OrderFacts {
        order_id: row.order_id.clone(),
        short_reference: row.short_reference.clone(),
        merchant_reference: row.merchant_reference1.clone().filter(|m| !m.is_empty()),
        status: state.status,
        currency: row.purchase_currency.clone(),
        order_amount: row.order_amount,
        captured_amount: row.captured_amount,
        refunded_amount: row.refunded_amount,
        remaining: state.remaining_authorized(),
        expires_at: row.expires_at.filter(|_| open),
        read_only: !manage,
        next: if manage { possible } else { Vec::new() },
        store_id: row.store_id.clone(),
        store_name: row.store_id.clone(),
        current_store: true,
    })
}

/// A store to look in: the actor acting there (with their role there), and its name.
struct Place {
    actor: Actor,
    store_name: String,
    current: bool,
}

/// The stores the actor may see orders in now, the current one first. A portal user's
/// usable memberships, each with the role it gives; any other actor only its own store.
/// `Forbidden` when there is none.
async fn places(db: &Db, actor: &Actor, now: i64) -> AppResult<Vec<Place>> {
    let views = |role| allows(role, Onboarding::Direct, Permission::ViewOrders);
    let current = actor.store_id.clone().ok_or(AppError::Forbidden)?;
    let user = match (actor.kind, actor.user_id.as_deref().and_then(|u| u.parse::<i64>().ok())) {
        (ActorKind::PortalUser, Some(user)) => user,
        _ => {
            return Ok(vec![Place {
                actor: actor.clone(),
                store_name: current.clone(),
                current: true,
            }])
        }
    };
    let mut out: Vec<Place> = Vec::new();
    for m in db.usable_memberships(user, now).await? {
        if !views(m.role) {
            continue;
        }
        let is_current = m.store_id == current;
        let place = Place {
            actor: Actor {
                merchant_id: Some(m.merchant_id.to_string()),
                store_id: Some(m.store_id.clone()),
                role: Some(m.role),
                ..actor.clone()
            },
            store_name: m.store_name,
            current: is_current,
        };
        if is_current {
            out.insert(0, place);
        } else {
            out.push(place);
        }
    }
    if out.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(out)
}

/// The order `question` names in a store the actor may see orders in, if it names one.
/// `Forbidden` when the actor may see orders in no store.
pub async fn order_in_question(db: &Db, actor: &Actor, question: &str, now: i64) -> AppResult<OrderMention> {
    let words = mentions(question);
    if words.is_empty() {
        return Ok(OrderMention::None);
    }
    let places = places(db, actor, now).await?;
    for word in &words {
        for place in &places {
            if let Some(row) = order_named(db, &place.actor, word).await? {
                let facts = OrderFacts {
                    store_name: place.store_name.clone(),
                    current_store: place.current,
                    ..facts(&row, &place.actor, now)?
                };
                return Ok(OrderMention::Found(Box::new(facts)));
            }
        }
    }
    // Only a word that looks like an order id or short reference is reported as not found:
    // "401" or "ORDER-1001" may be an error code or anything else.
    Ok(match words.into_iter().find(|w| is_uuid(w) || is_short_reference(w)) {
        Some(word) => OrderMention::NotFound(word),
        None => OrderMention::None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_picked_out_of_questions() {
        assert_eq!(
            mentions("What is the status of order K4MADNY?"),
            vec!["K4MADNY".to_owned()]
        );
        assert_eq!(
            mentions("can I refund 0b6f0c8e-5d7a-4a51-9a39-7e1e2f6d8c11, please"),
            vec!["0b6f0c8e-5d7a-4a51-9a39-7e1e2f6d8c11".to_owned()]
        );
        assert_eq!(mentions("Where is #ORDER-1001?"), vec!["ORDER-1001".to_owned()]);
        assert!(mentions("How do I capture an order within 3 days?").is_empty());
        assert!(mentions("What does API mean").is_empty());
    }
}
