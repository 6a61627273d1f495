//! The order's action forms: what each offers for the order as it is now, the values they
//! show (what the user typed before an error, or the defaults), and the page of its own each
//! form has for browsers without JavaScript and for coming back after an error.

use super::super::*;
use super::LineView;
use kassa_core::order::Order;
use kassa_db::{CaptureRow, OrderRow, RefundRow};
use std::collections::HashMap;

/// Every action an order page can offer, in the order its buttons show.
pub const ACTIONS: &[&str] = &[
    "capture",
    "refund",
    "amount",
    "lines",
    "extend",
    "release",
    "cancel",
    "customer",
    "shipping",
    "references",
];

pub fn action_title_key(action: &str) -> &'static str {
    match action {
        "capture" => "order-capture",
        "refund" => "order-refund",
        "amount" => "order-change-amount",
        "lines" => "order-edit-lines",
        "extend" => "order-extend",
        "release" => "order-release",
        "cancel" => "order-cancel",
        "customer" => "order-edit-customer",
        "shipping" => "order-add-shipping",
        _ => "order-edit-references",
    }
}

/// An order as its page and forms need it, read once.
pub struct OrderContext {
    pub row: OrderRow,
    pub body: serde_json::Map<String, Value>,
    pub state: Order,
    /// Authorized or part captured, not released and not expired: money can still move.
    pub open: bool,
    pub wire_lines: Vec<OrderLine>,
    pub captures: Vec<CaptureRow>,
    pub refunds: Vec<RefundRow>,
}

impl OrderContext {
    pub async fn load(state: &AppState, member: &Member, order_id: &str) -> Result<OrderContext, WebError> {
        let orders::OrderRecord { row, captures, refunds } =
            orders::order_record(&state.db, &actor_of(member), order_id)
                .await
                .map_err(WebError::from)?;
        let body: serde_json::Map<String, Value> = serde_json::from_str(&row.body).unwrap_or_default();
        let wire_lines = orders::lines_in(&body);
        let order = orders::core_state(&row).map_err(WebError::from)?;
        let open = matches!(order.status, Status::Authorized | Status::PartCaptured)
            && !order.released
            && now_ms() < order.expires_at;
        Ok(OrderContext {
            row,
            body,
            state: order,
            open,
            wire_lines,
            captures,
            refunds,
        })
    }

    /// How many of `line` the stored captures or refunds (their bodies) hold.
    fn counted<'a>(bodies: impl Iterator<Item = &'a str>, line: &OrderLine) -> i64 {
        bodies
            .flat_map(orders::stored_lines)
            .filter(|l| match (&l.reference, &line.reference) {
                (Some(a), Some(b)) if !a.is_empty() || !b.is_empty() => a == b,
                _ => l.name == line.name,
            })
            .map(|l| l.quantity)
            .sum()
    }
}

/// What the user typed into a form before it was refused, to show it again.
pub type Typed = HashMap<String, String>;

/// Everything the action forms show. The order page holds all of them (each in a closed
/// `<dialog>`); an action's own page shows one.
pub struct ActionForms {
    pub id: String,
    pub short_reference: String,
    pub form_key: String,
    pub lines: Vec<LineView>,
    pub remaining: String,
    pub remaining_minor: i64,
    pub refundable: String,
    pub refundable_minor: i64,
    pub order_amount: String,
    pub can_capture: bool,
    pub can_refund: bool,
    pub can_cancel: bool,
    pub can_extend: bool,
    pub can_release: bool,
    pub can_edit: bool,
    pub can_change_amount: bool,
    pub can_edit_lines: bool,
    pub lines_version: String,
    pub shipping_methods: &'static [&'static str],
    /// How app.js writes an amount in this language: `SEK {n}` or `{n} SEK`, and the
    /// grouping and decimal marks.
    pub money_pattern: String,
    pub money_group: String,
    pub money_decimal: String,
    /// Button and confirmation texts with `{amount}` for app.js to fill in.
    pub capture_label: String,
    pub refund_label: String,
    pub refund_question: String,
    typed: Typed,
    defaults: Typed,
}

impl ActionForms {
    pub fn new(ctx: &OrderContext, member: &Member, lang: Lang, typed: Option<Typed>) -> ActionForms {
        let row = &ctx.row;
        let typed = typed.unwrap_or_default();
        let manage = member.allows(Permission::ManageOrders);
        let currency = row.purchase_currency.clone();
        let now = now_ms();
        let lines: Vec<LineView> = ctx
            .wire_lines
            .iter()
            .enumerate()
            .map(|(index, l)| {
                let captured = OrderContext::counted(ctx.captures.iter().map(|c| c.body.as_str()), l);
                let refunded = OrderContext::counted(ctx.refunds.iter().map(|r| r.body.as_str()), l);
                let base = line_view(index, l, lang, &currency);
                let pick =
                    |name: String, default: &str| typed.get(&name).cloned().unwrap_or_else(|| default.to_owned());
                LineView {
                    capturable: if ctx.open { (l.quantity - captured).max(0) } else { 0 },
                    refundable: (captured - refunded).max(0),
                    unit_price_minor: l.unit_price,
                    discount_minor: l.total_discount_amount.unwrap_or(0),
                    capture_qty: pick(format!("qty_{index}"), "0"),
                    refund_qty: pick(format!("qty_{index}"), "0"),
                    edit_quantity: pick(format!("quantity_{index}"), &l.quantity.to_string()),
                    edit_price: pick(format!("unit_price_{index}"), &base.price_input),
                    edit_remove: typed.get(&format!("remove_{index}")).is_some_and(|v| !v.is_empty()),
                    ..base
                }
            })
            .collect();
        let state = &ctx.state;
        let refundable_minor = row.captured_amount - row.refunded_amount;
        let mut defaults = Typed::new();
        for &key in CUSTOMER_FIELDS {
            defaults.insert(key.into(), billing_field(&ctx.body, key));
        }
        defaults.insert(
            "merchant_reference1".into(),
            row.merchant_reference1.clone().unwrap_or_default(),
        );
        defaults.insert(
            "merchant_reference2".into(),
            row.merchant_reference2.clone().unwrap_or_default(),
        );
        defaults.insert(
            "new_tax_rate".into(),
            ctx.wire_lines
                .first()
                .and_then(|l| l.tax_rate)
                .map(|r| percent_input(r, lang))
                .unwrap_or_default(),
        );
        let (money_pattern, money_group, money_decimal) = money_format(lang, &currency);
        let amount_slot = || vec![("amount", "{amount}".to_owned())];
        ActionForms {
            id: row.order_id.clone(),
            short_reference: row.short_reference.clone(),
            form_key: crate::password::random_token(),
            remaining: lang.format_money(state.remaining_authorized(), &currency),
            remaining_minor: state.remaining_authorized(),
            refundable: lang.format_money(refundable_minor, &currency),
            refundable_minor,
            order_amount: lang.format_money(row.order_amount, &currency),
            can_capture: manage && ctx.open,
            can_refund: manage && refundable_minor > 0,
            can_cancel: manage && state.cancel().is_ok(),
            can_extend: manage && state.extend_authorization(now, 24 * 3600 * 1000).is_ok(),
            can_release: manage && state.release_remaining().is_ok(),
            can_edit: manage && state.may_edit_details().is_ok(),
            can_change_amount: manage && ctx.open,
            // Lines change only while nothing is captured (the portal's "edit lines while
            // uncaptured"); the amount alone may change later too.
            can_edit_lines: manage && ctx.open && state.status == Status::Authorized,
            lines_version: orders::lines_version(&ctx.body),
            shipping_methods: kassa_app::orders::SHIPPING_METHODS,
            money_pattern,
            money_group,
            money_decimal,
            capture_label: lang.t_args("order-capture-amount", &amount_slot()),
            refund_label: lang.t_args("order-refund-amount", &amount_slot()),
            refund_question: lang.t_args("order-confirm-refund-amount", &amount_slot()),
            lines,
            typed,
            defaults,
        }
    }

    /// The actions this order offers the signed-in user now.
    pub fn available(&self) -> Vec<&'static str> {
        ACTIONS.iter().copied().filter(|a| self.offers(a)).collect()
    }

    pub fn offers(&self, action: &str) -> bool {
        match action {
            "capture" => self.can_capture,
            "refund" => self.can_refund,
            "amount" => self.can_change_amount,
            "lines" => self.can_edit_lines,
            "extend" => self.can_extend,
            "release" => self.can_release,
            "cancel" => self.can_cancel,
            "customer" | "shipping" | "references" => self.can_edit,
            _ => false,
        }
    }

    /// The value of field `name`: as typed before an error, else its default, else empty.
    pub fn value(&self, name: &str) -> String {
        self.typed
            .get(name)
            .or_else(|| self.defaults.get(name))
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the radio button `mode` is the chosen one. "Everything" is chosen until the
    /// user chooses otherwise.
    pub fn mode_is(&self, mode: &str) -> bool {
        match self.typed.get("mode") {
            Some(chosen) => chosen == mode,
            None => mode == "full",
        }
    }

    /// "Chosen lines" is offered only when some line can be chosen.
    pub fn has_capturable_lines(&self) -> bool {
        self.lines.iter().any(|l| l.capturable > 0)
    }

    pub fn has_refundable_lines(&self) -> bool {
        self.lines.iter().any(|l| l.refundable > 0)
    }
}

/// The pattern (`SEK {n}` or `{n} SEK`), grouping mark and decimal mark of amounts in
/// `lang`, read off the server's own formatting so app.js writes amounts the same way.
fn money_format(lang: Lang, currency: &str) -> (String, String, String) {
    let sample = lang.format_money(100_000, currency);
    let digits_start = sample.find('1').unwrap_or(0);
    let digits_end = sample.rfind("00").map(|i| i + 2).unwrap_or(sample.len());
    let digits = &sample[digits_start..digits_end];
    let mut chars = digits.chars();
    chars.next();
    let group = chars.next().map(String::from).unwrap_or_default();
    let decimal = digits
        .chars()
        .rev()
        .nth(2)
        .map(String::from)
        .unwrap_or_else(|| ".".into());
    let pattern = format!("{}{{n}}{}", &sample[..digits_start], &sample[digits_end..]);
    (pattern, group, decimal)
}

#[derive(Template)]
#[template(path = "order_action.html")]
struct ActionPageTemplate {
    page: Page,
    /// A String, not a &str: the template compares it with literals.
    action: String,
    heading: String,
    /// Why the form was sent back, in plain words.
    error: Option<String>,
    /// False when the order no longer allows this action (it changed since, or never did).
    offered: bool,
    forms: ActionForms,
}

#[derive(Deserialize, Default)]
pub(crate) struct RetryQuery {
    retry: Option<String>,
}

/// `GET /portal/orders/{id}/{action}`: the action's form on a page of its own, where a
/// refused form comes back with what the user typed and why it was refused.
pub(crate) async fn action_page(
    State(state): State<AppState>,
    member: Member,
    Path(order_id): Path<String>,
    action: &'static str,
    Query(q): Query<RetryQuery>,
) -> Result<Response, WebError> {
    let action = ACTIONS
        .iter()
        .copied()
        .find(|a| *a == action)
        .ok_or(WebError::NotFound)?;
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let ctx = OrderContext::load(&state, &member, &order_id).await?;
    let retry = match q.retry.as_deref() {
        Some(token) => super::super::flash::take(&state, &member, &order_id, action, token).await?,
        None => None,
    };
    let (error, typed) = match retry {
        Some(r) => (Some(r.error), Some(r.fields.into_iter().collect())),
        None => (None, None),
    };
    let here = format!("/portal/orders/{order_id}/{action}");
    let mut page = Page::member(&member, Some(Section::Orders), action_title_key(action), &here);
    page.title = super::order_title(lang, action_title_key(action), &ctx.row.short_reference);
    let forms = ActionForms::new(&ctx, &member, lang, typed);
    Ok(render(&ActionPageTemplate {
        heading: page.title.clone(),
        offered: forms.offers(action),
        action: action.to_owned(),
        error,
        forms,
        page,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_js_writes_amounts_as_the_server_does() {
        for lang in Lang::ALL {
            let (pattern, group, decimal) = money_format(lang, "SEK");
            // What app.js's formatMinor makes of 1,234,567.89.
            let written = pattern.replace("{n}", &format!("1{group}234{group}567{decimal}89"));
            assert_eq!(written, lang.format_money(123_456_789, "SEK"), "{lang:?}");
        }
    }
}
