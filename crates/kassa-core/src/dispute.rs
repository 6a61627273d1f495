//! Disputes: a shopper's claim against a captured order, the merchant's answer before a
//! deadline, and the provider's decision — as a state machine, with the ledger postings each
//! step makes.
//!
//! Stages: *inquiry* (information only) → *response required* (a deadline: 7 days for
//! unauthorized purchases and high-risk orders, 21 otherwise) → *under review* (the merchant
//! answered) → *closed* (won, lost, refunded or withdrawn). The provider may ask again at any
//! open stage; each request brings its own deadline. A deadline that passes unanswered loses.
//!
//! Money: opening holds the disputed amount (a REVERSAL); winning or withdrawal releases it
//! (a REVERSAL of the negative amount); losing keeps it and charges the dispute fee; a refund
//! releases the hold and the refund's own RETURN takes the money once.

use crate::settlement::{DetailedType, Posting, TxType};
use std::fmt;
use std::str::FromStr;

pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// Why the shopper disputes the purchase (Klarna's reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    GoodsNotReceived,
    Return,
    IncorrectInvoice,
    AlreadyPaid,
    FaultyGoods,
    UnauthorizedPurchase,
    HighRiskOrder,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 8] = [
        Reason::GoodsNotReceived,
        Reason::Return,
        Reason::IncorrectInvoice,
        Reason::AlreadyPaid,
        Reason::FaultyGoods,
        Reason::UnauthorizedPurchase,
        Reason::HighRiskOrder,
        Reason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::GoodsNotReceived => "goods_not_received",
            Reason::Return => "return",
            Reason::IncorrectInvoice => "incorrect_invoice",
            Reason::AlreadyPaid => "already_paid",
            Reason::FaultyGoods => "faulty_goods",
            Reason::UnauthorizedPurchase => "unauthorized_purchase",
            Reason::HighRiskOrder => "high_risk_order",
            Reason::Other => "other",
        }
    }

    /// Days the merchant has to answer a request.
    pub fn response_days(self) -> i64 {
        match self {
            Reason::UnauthorizedPurchase | Reason::HighRiskOrder => 7,
            _ => 21,
        }
    }
}

/// Where a dispute is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Inquiry,
    ResponseRequired,
    UnderReview,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Inquiry,
        Stage::ResponseRequired,
        Stage::UnderReview,
        Stage::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Inquiry => "inquiry",
            Stage::ResponseRequired => "response_required",
            Stage::UnderReview => "under_review",
            Stage::Closed => "closed",
        }
    }
}

/// How a closed dispute ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Won,
    Lost,
    Refunded,
    Withdrawn,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Outcome::Won, Outcome::Lost, Outcome::Refunded, Outcome::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::Refunded => "refunded",
            Outcome::Withdrawn => "withdrawn",
        }
    }
}

macro_rules! parse_codes {
    ($($t:ty),*) => {$(
        impl FromStr for $t {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::ALL.into_iter().find(|v| v.code() == s).ok_or_else(|| UnknownCode(s.to_owned()))
            }
        }
        impl TryFrom<String> for $t {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    )*};
}
parse_codes!(Reason, Stage, Outcome);

/// A code that names no reason, stage or outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

/// Why a dispute step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisputeRefusal {
    #[error("the disputed amount must be 1 to {0} (what is captured and not refunded)")]
    Amount(i64),
    #[error("the dispute is closed")]
    Closed,
    #[error("no response is asked for now")]
    NoResponseDue,
    #[error("the deadline has passed")]
    DeadlinePassed,
    #[error("only a dispute under review or awaiting a response can be decided")]
    NotDecidable,
}

/// The facts of a dispute the rules decide on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dispute {
    pub reason: Reason,
    pub stage: Stage,
    pub outcome: Option<Outcome>,
    pub amount: i64,
    /// When the open request must be answered (Unix ms); only while a response is required.
    pub deadline: Option<i64>,
}

impl Dispute {
    /// Opens a dispute of `amount` on an order with `disputable` captured and not refunded.
    /// An inquiry asks for nothing yet; otherwise the first request's deadline runs.
    pub fn open(
        reason: Reason,
        amount: i64,
        disputable: i64,
        inquiry: bool,
        now: i64,
    ) -> Result<Dispute, DisputeRefusal> {
        if amount < 1 || amount > disputable {
            return Err(DisputeRefusal::Amount(disputable.max(0)));
        }
        let d = Dispute {
            reason,
            stage: Stage::Inquiry,
            outcome: None,
            amount,
            deadline: None,
        };
        Ok(if inquiry { d } else { d.requested(now) })
    }

    fn requested(self, now: i64) -> Dispute {
        Dispute {
            stage: Stage::ResponseRequired,
            deadline: Some(now + self.reason.response_days() * DAY_MS),
            ..self
        }
    }

    fn open_or_refuse(self) -> Result<Dispute, DisputeRefusal> {
        if self.stage == Stage::Closed {
            Err(DisputeRefusal::Closed)
        } else {
            Ok(self)
        }
    }

    /// The provider asks (again): a response is required by a new deadline.
    pub fn request(self, now: i64) -> Result<Dispute, DisputeRefusal> {
        Ok(self.open_or_refuse()?.requested(now))
    }

    /// The merchant answers: during an inquiry (information given) or before a request's
    /// deadline; the provider then reviews it.
    pub fn respond(self, now: i64) -> Result<Dispute, DisputeRefusal> {
        let d = self.open_or_refuse()?;
        match d.stage {
            Stage::ResponseRequired if d.deadline.is_some_and(|t| now > t) => Err(DisputeRefusal::DeadlinePassed),
            Stage::Inquiry | Stage::ResponseRequired => Ok(Dispute {
                stage: Stage::UnderReview,
                deadline: None,
                ..d
            }),
            _ => Err(DisputeRefusal::NoResponseDue),
        }
    }

    fn closed(self, outcome: Outcome) -> Result<Dispute, DisputeRefusal> {
        let d = self.open_or_refuse()?;
        Ok(Dispute {
            stage: Stage::Closed,
            outcome: Some(outcome),
            deadline: None,
            ..d
        })
    }

    /// The merchant gives up: lost.
    pub fn accept_loss(self) -> Result<Dispute, DisputeRefusal> {
        self.closed(Outcome::Lost)
    }

    /// The merchant refunds the shopper (the refund itself is the order's).
    pub fn refunded(self) -> Result<Dispute, DisputeRefusal> {
        self.closed(Outcome::Refunded)
    }

    /// The shopper or the provider withdraws the claim.
    pub fn withdraw(self) -> Result<Dispute, DisputeRefusal> {
        self.closed(Outcome::Withdrawn)
    }

    /// The provider decides for (`won`) or against the merchant.
    pub fn decide(self, won: bool) -> Result<Dispute, DisputeRefusal> {
        let d = self.open_or_refuse()?;
        if d.stage == Stage::Inquiry {
            return Err(DisputeRefusal::NotDecidable);
        }
        d.closed(if won { Outcome::Won } else { Outcome::Lost })
    }

    /// A request unanswered past its deadline loses the dispute; None when nothing is due.
    pub fn expire(self, now: i64) -> Option<Dispute> {
        match (self.stage, self.deadline) {
            (Stage::ResponseRequired, Some(t)) if now > t => self.closed(Outcome::Lost).ok(),
            _ => None,
        }
    }

    /// What moving from `self` to `next` posts to the ledger (opening: from `None`).
    pub fn postings(before: Option<&Dispute>, next: &Dispute, dispute_fee: i64) -> Vec<Posting> {
        let hold = |amount| Posting {
            kind: TxType::Reversal,
            detail: DetailedType::Reversal,
            amount,
        };
        let release = |amount: i64| Posting {
            kind: TxType::Reversal,
            detail: DetailedType::CorrectionDispute,
            amount: -amount,
        };
        match (before.map(|b| b.stage), next.stage, next.outcome) {
            (None, _, _) => vec![hold(next.amount)],
            (Some(Stage::Closed), _, _) => Vec::new(),
            (Some(_), Stage::Closed, Some(Outcome::Won | Outcome::Withdrawn | Outcome::Refunded)) => {
                vec![release(next.amount)]
            }
            (Some(_), Stage::Closed, Some(Outcome::Lost)) if dispute_fee > 0 => vec![Posting {
                kind: TxType::Fee,
                detail: DetailedType::DisputeFee,
                amount: dispute_fee,
            }],
            _ => Vec::new(),
        }
    }
}

/// At most this many bytes per attachment (7 MB).
pub const MAX_ATTACHMENT_BYTES: usize = 7 * 1024 * 1024;
/// At most this many attachments per response.
pub const MAX_ATTACHMENTS: usize = 10;

/// The content type of an attachment, read from its first bytes (never from its name):
/// PDF, JPEG or PNG; anything else is refused.
pub fn sniff_attachment(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Why a set of attachments is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadAttachment {
    #[error("at most {MAX_ATTACHMENTS} files per response")]
    TooMany,
    #[error("{0}: larger than 7 MB")]
    TooLarge(String),
    #[error("{0}: not a PDF, JPEG or PNG file")]
    WrongType(String),
    #[error("{0}: the file is empty")]
    Empty(String),
}

/// Checks a response's files `(name, bytes)`; returns each one's content type.
/// A file name safe to show and to send back in a Content-Disposition header: the last
/// path segment, without control characters or quotes, at most 120 characters, trimmed;
/// "attachment" when nothing is left.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    match cleaned.trim() {
        "" => "attachment".into(),
        name => name.to_owned(),
    }
}

pub fn check_attachments<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<&'static str>, BadAttachment> {
    let files: Vec<_> = files.into_iter().collect();
    if files.len() > MAX_ATTACHMENTS {
        return Err(BadAttachment::TooMany);
    }
    files
        .into_iter()
        .map(|(name, bytes)| {
            if bytes.is_empty() {
                Err(BadAttachment::Empty(name.to_owned()))
            } else if bytes.len() > MAX_ATTACHMENT_BYTES {
                Err(BadAttachment::TooLarge(name.to_owned()))
            } else {
                sniff_attachment(bytes).ok_or_else(|| BadAttachment::WrongType(name.to_owned()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_keep_their_last_segment_without_quotes() {
        assert_eq!(super::clean_filename("C:\\Users\\a\\kvitto.pdf"), "kvitto.pdf");
        assert_eq!(super::clean_filename("../../etc/\"x\".png"), "x.png");
        assert_eq!(super::clean_filename("  "), "attachment");
        assert_eq!(super::clean_filename(" kvitto.pdf "), "kvitto.pdf");
    }

    use super::*;

    const T0: i64 = 1_800_000_000_000;

    #[test]
    fn codes_round_trip() {
        for r in Reason::ALL {
            assert_eq!(r.code().parse::<Reason>(), Ok(r));
        }
        for s in Stage::ALL {
            assert_eq!(s.code().parse::<Stage>(), Ok(s));
        }
        for o in Outcome::ALL {
            assert_eq!(o.code().parse::<Outcome>(), Ok(o));
        }
        assert!("chargeback".parse::<Reason>().is_err());
    }

    #[test]
    fn deadlines_are_7_days_for_unauthorized_and_high_risk_and_21_otherwise() {
        let d = Dispute::open(Reason::UnauthorizedPurchase, 100, 100, false, T0).unwrap();
        assert_eq!(d.deadline, Some(T0 + 7 * DAY_MS));
        let d = Dispute::open(Reason::HighRiskOrder, 100, 100, false, T0).unwrap();
        assert_eq!(d.deadline, Some(T0 + 7 * DAY_MS));
        let d = Dispute::open(Reason::FaultyGoods, 100, 100, false, T0).unwrap();
        assert_eq!((d.stage, d.deadline), (Stage::ResponseRequired, Some(T0 + 21 * DAY_MS)));
        let d = Dispute::open(Reason::Other, 100, 100, true, T0).unwrap();
        assert_eq!((d.stage, d.deadline), (Stage::Inquiry, None));
    }

    #[test]
    fn the_amount_is_at_most_what_is_captured_and_not_refunded() {
        assert_eq!(
            Dispute::open(Reason::Return, 101, 100, false, T0),
            Err(DisputeRefusal::Amount(100))
        );
        assert!(Dispute::open(Reason::Return, 0, 100, false, T0).is_err());
    }

    #[test]
    fn an_answer_after_the_deadline_is_refused_and_the_job_closes_it_as_lost() {
        let d = Dispute::open(Reason::Return, 100, 100, false, T0).unwrap();
        let late = T0 + 21 * DAY_MS + 1;
        assert_eq!(d.respond(late), Err(DisputeRefusal::DeadlinePassed));
        assert_eq!(d.expire(late - 1), None);
        let lost = d.expire(late).unwrap();
        assert_eq!((lost.stage, lost.outcome), (Stage::Closed, Some(Outcome::Lost)));
        assert_eq!(lost.expire(late + DAY_MS), None);
    }

    #[test]
    fn each_request_has_its_own_deadline() {
        let d = Dispute::open(Reason::Return, 100, 100, true, T0).unwrap();
        let d = d.respond(T0 + DAY_MS).unwrap();
        assert_eq!(d.stage, Stage::UnderReview);
        let d = d.request(T0 + 2 * DAY_MS).unwrap();
        assert_eq!(d.deadline, Some(T0 + 23 * DAY_MS));
        assert_eq!(d.decide(true).unwrap().outcome, Some(Outcome::Won));
    }

    #[test]
    fn money_moves_once_per_outcome() {
        let open = Dispute::open(Reason::FaultyGoods, 500, 1_000, false, T0).unwrap();
        let net = |ps: &[Posting]| ps.iter().map(|p| p.kind.net(p.amount)).sum::<i64>();
        let held = Dispute::postings(None, &open, 200);
        assert_eq!(net(&held), -500);
        let won = open.respond(T0).unwrap().decide(true).unwrap();
        assert_eq!(net(&Dispute::postings(Some(&open), &won, 200)), 500);
        let lost = open.accept_loss().unwrap();
        assert_eq!(net(&Dispute::postings(Some(&open), &lost, 200)), -200);
        let refunded = open.refunded().unwrap();
        assert_eq!(net(&Dispute::postings(Some(&open), &refunded, 200)), 500);
        assert!(Dispute::postings(Some(&won), &won, 200).is_empty());
    }

    #[test]
    fn attachments_are_typed_by_content_and_limited_in_size_and_number() {
        let pdf = b"%PDF-1.7 rest".as_slice();
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0].to_vec();
        assert_eq!(
            check_attachments([("a.pdf", pdf), ("b", png.as_slice())]),
            Ok(vec!["application/pdf", "image/png"])
        );
        let renamed = b"MZ\x90\x00 an executable".as_slice();
        assert_eq!(
            check_attachments([("invoice.pdf", renamed)]),
            Err(BadAttachment::WrongType("invoice.pdf".into()))
        );
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        assert_eq!(
            check_attachments([("big.pdf", big.as_slice())]),
            Err(BadAttachment::TooLarge("big.pdf".into()))
        );
        big.truncate(MAX_ATTACHMENT_BYTES);
        assert!(check_attachments([("max.pdf", big.as_slice())]).is_ok());
        let eleven: Vec<(&str, &[u8])> = (0..11).map(|_| ("a.pdf", pdf)).collect();
        assert_eq!(check_attachments(eleven), Err(BadAttachment::TooMany));
    }

    /// A small deterministic generator, so the property test needs no extra crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// No sequence of steps breaks the rules: closed is final and has an outcome; a deadline
    /// exists exactly while a response is required; the money held is the amount while
    /// open, nothing after a win, withdrawal or refund, and the amount plus the fee after a
    /// loss.
    #[test]
    fn random_step_sequences_keep_the_dispute_rules() {
        let mut rng = Lcg(13);
        for _ in 0..3_000 {
            let reason = Reason::ALL[rng.next(8) as usize];
            let fee = rng.next(3) as i64 * 100;
            let mut now = T0;
            let Ok(mut d) = Dispute::open(reason, 1 + rng.next(999) as i64, 1_000, rng.next(2) == 0, now) else {
                continue;
            };
            let mut net = Dispute::postings(None, &d, fee)
                .iter()
                .map(|p| p.kind.net(p.amount))
                .sum::<i64>();
            for _ in 0..12 {
                now += rng.next(10 * DAY_MS as u64) as i64;
                let next = match rng.next(7) {
                    0 => d.request(now),
                    1 | 2 => d.respond(now),
                    3 => d.accept_loss(),
                    4 => d.decide(rng.next(2) == 0),
                    5 => d.refunded(),
                    _ => d.withdraw(),
                };
                let next = match next {
                    Ok(n) => Some(n),
                    Err(_) => d.expire(now),
                };
                if let Some(n) = next {
                    if d.stage == Stage::Closed {
                        panic!("a closed dispute changed: {d:?} -> {n:?}");
                    }
                    net += Dispute::postings(Some(&d), &n, fee)
                        .iter()
                        .map(|p| p.kind.net(p.amount))
                        .sum::<i64>();
                    d = n;
                }
                assert_eq!(d.deadline.is_some(), d.stage == Stage::ResponseRequired, "{d:?}");
                assert_eq!(d.outcome.is_some(), d.stage == Stage::Closed, "{d:?}");
                let expected = match d.outcome {
                    None => -d.amount,
                    Some(Outcome::Lost) => -d.amount - fee,
                    Some(_) => 0,
                };
                assert_eq!(net, expected, "{d:?}");
            }
        }
    }
}
