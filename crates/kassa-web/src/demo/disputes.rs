//! The demo's disputes: the playground store has disputes in every stage — inquiries,
//! responses required (some due within days), under review (some answered with a PDF and
//! a photo), further questions from the provider, and closed won, lost, refunded and
//! withdrawn — made through the same dispute use cases the portal, the API and the back
//! office use, so their ledger postings, fees, timeline events and notices are real.
//!
//! Each planned dispute belongs to one of the store's older captured orders and is brought
//! to its planned end step by step; a step done before is not done again (the dispute's
//! messages say how far it got), so seeding twice, or after an interrupted run, makes the
//! same demo. Once all its steps are done, a dispute is moved back in time to its planned
//! age, which is what makes some deadlines near.

use super::{DEMO_OPERATOR, PLAYGROUND_STORE};
use crate::{now_ms, WebError};
use kassa_app::disputes::{self, DisputeFilter, OpenDispute, Upload};
use kassa_app::files::FileStore;
use kassa_app::{Actor, AppError};
use kassa_core::access::Role;
use kassa_core::dispute::{Reason, DAY_MS};
use kassa_core::ops_access::OperatorRole;
use kassa_db::Db;

/// A delivery receipt (a one-page PDF) and a photo of the parcel (a PNG): real files, so
/// they open when downloaded.
pub const DEMO_PDF: &[u8] = include_bytes!("files/proof-of-delivery.pdf");
pub const DEMO_PNG: &[u8] = include_bytes!("files/parcel-photo.png");

/// What the demo's lost disputes cost the store (250.00 SEK), set on the first run unless
/// finance has set a fee already.
pub const DEMO_DISPUTE_FEE: i64 = 25_000;

/// How old an order must be to get a demo dispute: older than any dispute's planned age.
const ORDER_MIN_AGE: i64 = 30 * DAY_MS;
const HOUR: i64 = 3600 * 1000;

#[derive(Clone, Copy)]
enum File {
    Pdf,
    Png,
}

impl File {
    fn upload(self) -> Upload {
        match self {
            File::Pdf => Upload {
                filename: "proof-of-delivery.pdf".into(),
                bytes: DEMO_PDF.to_vec(),
            },
            File::Png => Upload {
                filename: "parcel-photo.png".into(),
                bytes: DEMO_PNG.to_vec(),
            },
        }
    }
}

/// One step after the opening; each writes exactly one message to the dispute.
#[derive(Clone, Copy)]
enum Step {
    /// The merchant answers, with files.
    Respond(&'static str, &'static [File]),
    /// The provider asks a further question, naming what it wants.
    Ask(&'static str, &'static [&'static str]),
    /// The provider decides: won (true) or lost.
    Decide(bool, &'static str),
    /// The merchant accepts the loss.
    AcceptLoss,
    /// The merchant refunds the disputed amount.
    Refund,
    /// The provider withdraws the claim.
    Withdraw(&'static str),
}

struct Plan {
    reason: Reason,
    inquiry: bool,
    /// Dispute half of what is disputable rather than all of it.
    half: bool,
    claim: &'static str,
    steps: &'static [Step],
    /// How long ago it all happened (0: just now).
    age: i64,
}

const DELIVERED: &str = "The parcel was delivered on the date in the carrier's record; the delivery receipt and a photo of the parcel at the door are attached.";

/// The demo's disputes, one per order. Every stage and outcome is here.
const PLANS: &[Plan] = &[
    // Inquiries: information only, nothing due.
    Plan {
        reason: Reason::GoodsNotReceived,
        inquiry: true,
        half: false,
        claim: "I ordered two weeks ago and the tracking page has not changed since.",
        steps: &[],
        age: DAY_MS + 3 * HOUR,
    },
    Plan {
        reason: Reason::IncorrectInvoice,
        inquiry: true,
        half: false,
        claim: "The invoice shows a shipping fee I did not choose at checkout.",
        steps: &[],
        age: 3 * DAY_MS,
    },
    // Responses required: two due within days, two with time left.
    Plan {
        reason: Reason::UnauthorizedPurchase,
        inquiry: false,
        half: false,
        claim: "I did not make this purchase and do not recognise the delivery address.",
        steps: &[],
        age: 5 * DAY_MS,
    },
    Plan {
        reason: Reason::HighRiskOrder,
        inquiry: false,
        half: false,
        claim: "The order was flagged by fraud monitoring after capture.",
        steps: &[],
        age: 6 * DAY_MS + 4 * HOUR,
    },
    Plan {
        reason: Reason::FaultyGoods,
        inquiry: false,
        half: true,
        claim: "One of the items arrived with a broken zip and the shop has not answered my email.",
        steps: &[],
        age: 2 * DAY_MS,
    },
    Plan {
        reason: Reason::Return,
        inquiry: false,
        half: false,
        claim: "I returned the goods within the return period but have not had my money back.",
        steps: &[],
        age: 15 * DAY_MS,
    },
    // Under review: the merchant has answered.
    Plan {
        reason: Reason::GoodsNotReceived,
        inquiry: false,
        half: false,
        claim: "The parcel never arrived.",
        steps: &[Step::Respond(DELIVERED, &[File::Pdf, File::Png])],
        age: 4 * DAY_MS,
    },
    Plan {
        reason: Reason::AlreadyPaid,
        inquiry: false,
        half: false,
        claim: "I paid this order by card at checkout and then got an invoice for it as well.",
        steps: &[Step::Respond(
            "The order was paid once, by invoice; the card payment the shopper mentions was declined. Our payment record is attached.",
            &[File::Pdf],
        )],
        age: 2 * DAY_MS,
    },
    Plan {
        reason: Reason::Other,
        inquiry: true,
        half: false,
        claim: "The shopper asks which warranty applies to the order.",
        steps: &[Step::Respond(
            "All items carry our two-year warranty; the shopper has been sent the warranty terms.",
            &[],
        )],
        age: 3 * DAY_MS,
    },
    // The provider asked again: a new request with its own deadline …
    Plan {
        reason: Reason::FaultyGoods,
        inquiry: false,
        half: false,
        claim: "The rain jacket leaks at the seams after one use.",
        steps: &[
            Step::Respond("We offered a replacement; a photo of the returned jacket is attached.", &[File::Png]),
            Step::Ask(
                "Please send the return tracking number and the invoice of the replacement.",
                &["tracking_number", "invoice"],
            ),
        ],
        age: 8 * DAY_MS,
    },
    // … and one where the merchant has answered the further question too.
    Plan {
        reason: Reason::Return,
        inquiry: false,
        half: false,
        claim: "I sent the sneakers back but the refund is missing.",
        steps: &[
            Step::Respond("The return has not reached our warehouse.", &[]),
            Step::Ask("Please send the proof of delivery of the return.", &["proof_of_delivery"]),
            Step::Respond(
                "The carrier's receipt shows the return was never handed in; it is attached.",
                &[File::Pdf],
            ),
        ],
        age: 10 * DAY_MS,
    },
    // Closed: won, lost (decided and accepted), refunded and withdrawn.
    Plan {
        reason: Reason::GoodsNotReceived,
        inquiry: false,
        half: false,
        claim: "Nothing was delivered.",
        steps: &[
            Step::Respond(DELIVERED, &[File::Pdf]),
            Step::Decide(true, "The delivery receipt proves the delivery."),
        ],
        age: 20 * DAY_MS,
    },
    Plan {
        reason: Reason::UnauthorizedPurchase,
        inquiry: false,
        half: false,
        claim: "My card was used without my permission.",
        steps: &[
            Step::Respond("The order was placed from the shopper's usual device.", &[]),
            Step::Decide(false, "The card holder's bank confirmed the fraud report."),
        ],
        age: 25 * DAY_MS,
    },
    Plan {
        reason: Reason::FaultyGoods,
        inquiry: false,
        half: true,
        claim: "The water bottle leaks.",
        steps: &[Step::AcceptLoss],
        age: 12 * DAY_MS,
    },
    Plan {
        reason: Reason::Return,
        inquiry: false,
        half: true,
        claim: "I returned half of the order and want that part back.",
        steps: &[Step::Refund],
        // The refund happens now: the order's refund is dated today, and so is the dispute.
        age: 0,
    },
    Plan {
        reason: Reason::IncorrectInvoice,
        inquiry: false,
        half: false,
        claim: "The invoice amount is wrong.",
        steps: &[Step::Withdraw("The shopper found the second invoice was a reminder and took the claim back.")],
        age: 16 * DAY_MS,
    },
];

/// The actors of the demo's disputes: the provider (the demo's operator) and the store's
/// disputes user.
struct Cast {
    provider: Actor,
    merchant: Actor,
    platform: Actor,
}

async fn cast(db: &Db) -> Result<Option<Cast>, WebError> {
    let Some(operator) = db.operator_by_email(DEMO_OPERATOR).await? else {
        return Ok(None);
    };
    let Some(store) = db.store(PLAYGROUND_STORE).await? else {
        return Ok(None);
    };
    let email = super::demo_users()
        .into_iter()
        .find(|(_, r)| *r == Role::Disputes)
        .map(|(e, _)| e)
        .unwrap_or_default();
    let Some(user) = db.user_by_email(&email).await? else {
        return Ok(None);
    };
    Ok(Some(Cast {
        provider: Actor::operator(operator.id, operator.email, OperatorRole::OpsAdmin, "127.0.0.1"),
        merchant: Actor::portal_user(
            user.id.to_string(),
            user.email,
            store.merchant_id.to_string(),
            PLAYGROUND_STORE,
            Role::Disputes,
            "127.0.0.1",
        ),
        platform: Actor::api_key(format!("{PLAYGROUND_STORE}_demo"), PLAYGROUND_STORE),
    }))
}

fn fail(e: AppError) -> WebError {
    WebError::Internal(e.to_string())
}

/// Seeds the demo's disputes into the playground store, storing their files in `files`.
/// Needs the demo's operator and orders (seeded first). Returns how many disputes it
/// opened (0 when they were all there).
pub async fn seed_disputes(db: &Db, files: &dyn FileStore) -> Result<usize, WebError> {
    let Some(cast) = cast(db).await? else {
        tracing::warn!("the demo's operator or disputes user is missing: no demo disputes");
        return Ok(0);
    };
    let now = now_ms();
    let orders = db
        .demo_dispute_orders(PLAYGROUND_STORE, now - ORDER_MIN_AGE, PLANS.len() as i64)
        .await?;
    if orders.len() < PLANS.len() {
        tracing::warn!(
            orders = orders.len(),
            "too few captured demo orders for every demo dispute"
        );
    }
    let first_run = disputes::disputes(db, &cast.platform, &DisputeFilter::default(), 0, 1)
        .await
        .map_err(fail)?
        .1
        == 0;
    if first_run {
        db.set_demo_dispute_fee(PLAYGROUND_STORE, DEMO_DISPUTE_FEE).await?;
    }
    let mut opened = 0;
    for (plan, order_id) in PLANS.iter().zip(&orders) {
        opened += usize::from(seed_one(db, files, &cast, plan, order_id).await?);
    }
    Ok(opened)
}

/// Brings one planned dispute to its end; returns whether it opened it.
async fn seed_one(db: &Db, files: &dyn FileStore, cast: &Cast, plan: &Plan, order_id: &str) -> Result<bool, WebError> {
    let filter = DisputeFilter {
        order_id: Some(order_id.to_owned()),
        ..DisputeFilter::default()
    };
    let found = disputes::disputes(db, &cast.platform, &filter, 0, 1)
        .await
        .map_err(fail)?
        .0;
    let (id, opened) = match found.first() {
        Some(d) => (d.dispute.id.clone(), false),
        None => {
            let amount = if plan.half {
                let order = db.order(PLAYGROUND_STORE, order_id).await?.ok_or(WebError::NotFound)?;
                Some(((order.captured_amount - order.refunded_amount) / 2).max(1))
            } else {
                None
            };
            let cmd = OpenDispute {
                order_id: order_id.to_owned(),
                reason: plan.reason,
                amount,
                claim: plan.claim.to_owned(),
                inquiry: plan.inquiry,
            };
            (
                disputes::open_dispute(db, &cast.provider, &cmd).await.map_err(fail)?.id,
                true,
            )
        }
    };
    let view = disputes::dispute(db, &cast.platform, &id).await.map_err(fail)?;
    // The opening wrote the claim, and a request unless it is an inquiry; every later step
    // wrote one message.
    let opening = if plan.inquiry { 1 } else { 2 };
    let done = view.messages.len().saturating_sub(opening);
    for step in plan.steps.iter().skip(done) {
        match *step {
            Step::Respond(text, with) => {
                let uploads = with.iter().map(|f| f.upload()).collect();
                disputes::respond(db, files, &cast.merchant, &id, text, uploads)
                    .await
                    .map_err(fail)?;
            }
            Step::Ask(question, fields) => {
                let fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
                disputes::ask(db, &cast.provider, &id, question, &fields)
                    .await
                    .map_err(fail)?;
            }
            Step::Decide(won, note) => {
                disputes::decide(db, &cast.provider, &id, won, note)
                    .await
                    .map_err(fail)?;
            }
            Step::AcceptLoss => {
                disputes::accept_loss(db, &cast.merchant, &id).await.map_err(fail)?;
            }
            Step::Refund => {
                disputes::refund_dispute(db, &cast.merchant, &id).await.map_err(fail)?;
            }
            Step::Withdraw(note) => {
                disputes::withdraw(db, &cast.provider, &id, note).await.map_err(fail)?;
            }
        }
    }
    // All of it happened moments ago; moved back once to its age. A dispute found older
    // than half a day has been moved already.
    let d = db.dispute(None, &id).await?.ok_or(WebError::NotFound)?;
    if plan.age > 0 && now_ms() - d.opened_at < 12 * HOUR {
        db.shift_dispute_history(&id, plan.age).await?;
    }
    Ok(opened)
}
