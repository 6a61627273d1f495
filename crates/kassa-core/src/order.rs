//! The Order Management state machine: AUTHORIZED → PART_CAPTURED → CAPTURED → CLOSED, or
//! CANCELLED, or EXPIRED. Every operation takes the order as it is and returns the order as
//! it will be, or the reason (with Kustom's error code) why not. Storage applies the result
//! under a row lock, so these checks hold under any concurrency.

use crate::money::{MAX_AMOUNT, MAX_REFUND_AMOUNT};
use std::fmt;
use std::str::FromStr;

/// Longest an authorization can be extended to, counted from the order's creation.
pub const MAX_AUTHORIZATION_MS: i64 = 180 * 24 * 3600 * 1000;

/// The highest order amount the payment method approves for an order first authorized at
/// `original_amount`, when its store allows increases of up to `limit_percent` % (the store
/// setting `max_authorization_increase_percent`; 0 approves no increase). Counted from the
/// original amount, so many small increases cannot add up to more.
pub fn increase_ceiling(original_amount: i64, limit_percent: i64) -> i64 {
    let original = original_amount.max(0) as i128;
    let ceiling = original + original * limit_percent.max(0) as i128 / 100;
    ceiling.min(MAX_AMOUNT as i128) as i64
}

/// Whether the payment method declines changing an order of `order_amount` to
/// `new_amount`: an increase beyond `ceiling` (see [`increase_ceiling`]).
pub fn declines_increase(order_amount: i64, new_amount: i64, ceiling: i64) -> bool {
    new_amount > order_amount && new_amount > ceiling
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Authorized,
    PartCaptured,
    Captured,
    Cancelled,
    Expired,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Authorized,
        Status::PartCaptured,
        Status::Captured,
        Status::Cancelled,
        Status::Expired,
        Status::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Authorized => "AUTHORIZED",
            Status::PartCaptured => "PART_CAPTURED",
            Status::Captured => "CAPTURED",
            Status::Cancelled => "CANCELLED",
            Status::Expired => "EXPIRED",
            Status::Closed => "CLOSED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| format!("unknown order status {s:?}"))
    }
}

/// Reads a stored status code (the database boundary).
impl TryFrom<String> for Status {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Why an operation is refused; each maps to a Kustom error code and HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    CaptureNotAllowed(String),
    #[error("{0}")]
    RefundNotAllowed(String),
    #[error("{0}")]
    CancelNotAllowed(String),
    #[error("{0}")]
    NotAllowed(String),
    #[error("{0}")]
    BadValue(String),
    /// A higher amount the payment method did not approve (Kustom's `NOT_ALLOWED`).
    #[error("{0}")]
    IncreaseDeclined(String),
    /// A checkout that can no longer change: complete, aborted or expired.
    #[error("{0}")]
    ReadOnly(String),
    /// An edit of the lines that cannot be taken as it is.
    #[error("{0}")]
    Lines(crate::line_edit::LinesProblem),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::CaptureNotAllowed(_) => "CAPTURE_NOT_ALLOWED",
            Refusal::RefundNotAllowed(_) => "REFUND_NOT_ALLOWED",
            Refusal::CancelNotAllowed(_) => "CANCEL_NOT_ALLOWED",
            Refusal::NotAllowed(_) | Refusal::IncreaseDeclined(_) | Refusal::Lines(_) => "NOT_ALLOWED",
            Refusal::ReadOnly(_) => "READ_ONLY_ORDER",
            Refusal::BadValue(_) => "BAD_VALUE",
        }
    }
}

/// The money and life-cycle facts of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub status: Status,
    pub order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    /// Set when the rest of the authorization was released (or ran out after a capture).
    pub released: bool,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Order {
    /// A freshly authorized order.
    pub fn authorized(order_amount: i64, created_at: i64, reservation_ms: i64) -> Order {
        Order {
            status: Status::Authorized,
            order_amount,
            captured_amount: 0,
            refunded_amount: 0,
            released: false,
            created_at,
            expires_at: created_at + reservation_ms,
        }
    }

    /// What may still be captured.
    pub fn remaining_authorized(&self) -> i64 {
        match self.status {
            Status::Authorized | Status::PartCaptured if !self.released => self.order_amount - self.captured_amount,
            _ => 0,
        }
    }

    fn expired(&self, now: i64) -> bool {
        now >= self.expires_at
    }

    /// The status the amounts imply once something is captured, released or refunded.
    fn settle(mut self) -> Order {
        if self.captured_amount > 0 {
            let fully_captured = self.released || self.captured_amount == self.order_amount;
            self.status = if !fully_captured {
                Status::PartCaptured
            } else if self.refunded_amount == self.captured_amount {
                Status::Closed
            } else {
                Status::Captured
            };
        }
        self
    }

    pub fn capture(&self, amount: i64, now: i64) -> Result<Order, Refusal> {
        if !(1..=MAX_AMOUNT).contains(&amount) {
            return Err(Refusal::BadValue(format!(
                "captured_amount must be between 1 and {MAX_AMOUNT}"
            )));
        }
        match self.status {
            Status::Authorized | Status::PartCaptured => {}
            other => {
                return Err(Refusal::CaptureNotAllowed(format!(
                    "Capture not allowed: the order is {other}."
                )))
            }
        }
        if self.released {
            return Err(Refusal::CaptureNotAllowed(
                "Capture not allowed: the remaining authorization was released.".into(),
            ));
        }
        if self.expired(now) {
            return Err(Refusal::CaptureNotAllowed(
                "Capture not allowed: the authorization has expired.".into(),
            ));
        }
        if amount > self.remaining_authorized() {
            return Err(Refusal::CaptureNotAllowed(format!(
                "Capture not allowed: {amount} is more than the remaining authorized amount {}.",
                self.remaining_authorized()
            )));
        }
        Ok(Order {
            captured_amount: self.captured_amount + amount,
            ..*self
        }
        .settle())
    }

    pub fn refund(&self, amount: i64) -> Result<Order, Refusal> {
        if !(1..=MAX_REFUND_AMOUNT).contains(&amount) {
            return Err(Refusal::BadValue(format!(
                "refunded_amount must be between 1 and {MAX_REFUND_AMOUNT}"
            )));
        }
        let refundable = self.captured_amount - self.refunded_amount;
        if amount > refundable {
            return Err(Refusal::RefundNotAllowed(format!(
                "Over refund is not allowed: {amount} is more than the refundable amount {refundable}. Refund not possible."
            )));
        }
        Ok(Order {
            refunded_amount: self.refunded_amount + amount,
            ..*self
        }
        .settle())
    }

    pub fn cancel(&self) -> Result<Order, Refusal> {
        if self.captured_amount > 0 {
            return Err(Refusal::CancelNotAllowed(
                "Order has previous captures. Cancel not possible.".into(),
            ));
        }
        match self.status {
            Status::Authorized => Ok(Order {
                status: Status::Cancelled,
                ..*self
            }),
            other => Err(Refusal::CancelNotAllowed(format!(
                "The order is {other}. Cancel not possible."
            ))),
        }
    }

    /// Gives up the part of the authorization that was not captured.
    pub fn release_remaining(&self) -> Result<Order, Refusal> {
        match self.status {
            Status::PartCaptured if !self.released => Ok(Order {
                released: true,
                ..*self
            }
            .settle()),
            Status::Authorized => Err(Refusal::NotAllowed(
                "The order has no captures; cancel it instead.".into(),
            )),
            other => Err(Refusal::NotAllowed(format!(
                "The order is {other}; there is no remaining authorization."
            ))),
        }
    }

    /// Extends the authorization by `reservation_ms`, at most to 180 days after creation.
    pub fn extend_authorization(&self, now: i64, reservation_ms: i64) -> Result<Order, Refusal> {
        match self.status {
            Status::Authorized | Status::PartCaptured if !self.released && !self.expired(now) => {}
            Status::Authorized | Status::PartCaptured if !self.released => {
                return Err(Refusal::NotAllowed("The authorization has expired.".into()))
            }
            other => {
                return Err(Refusal::NotAllowed(format!(
                    "The order is {other}; it has no authorization to extend."
                )))
            }
        }
        let limit = self.created_at + MAX_AUTHORIZATION_MS;
        let extended = (self.expires_at + reservation_ms).min(limit);
        if extended <= self.expires_at {
            return Err(Refusal::NotAllowed(
                "The authorization cannot be extended beyond 180 days.".into(),
            ));
        }
        Ok(Order {
            expires_at: extended,
            ..*self
        })
    }

    /// Changes the order amount (and so the authorization). It can never go below what was
    /// captured. A higher amount is a new authorization the payment method must approve, as
    /// in Kustom: Kassa approves it up to `ceiling` (see [`increase_ceiling`]) and declines
    /// it beyond.
    pub fn update_authorization(&self, new_amount: i64, now: i64, ceiling: i64) -> Result<Order, Refusal> {
        if !(0..=MAX_AMOUNT).contains(&new_amount) {
            return Err(Refusal::BadValue(format!(
                "order_amount must be between 0 and {MAX_AMOUNT}"
            )));
        }
        match self.status {
            Status::Authorized | Status::PartCaptured if !self.released && !self.expired(now) => {}
            other => {
                return Err(Refusal::NotAllowed(format!(
                    "The order is {other}; its amount can no longer change."
                )))
            }
        }
        if declines_increase(self.order_amount, new_amount, ceiling) {
            return Err(Refusal::IncreaseDeclined(format!(
                "Update authorization not allowed: the payment method declined the increase to {new_amount}; \
                 at most {} can be authorized for this order.",
                ceiling.max(self.order_amount)
            )));
        }
        if new_amount < self.captured_amount.max(1) {
            return Err(Refusal::NotAllowed(format!(
                "The new order amount {new_amount} is less than what is captured ({}).",
                self.captured_amount
            )));
        }
        Ok(Order {
            order_amount: new_amount,
            ..*self
        }
        .settle())
    }

    /// Whether `new_amount` raises the authorization, which needs the payment method's
    /// approval (and, in the portal, the merchant's confirmation).
    pub fn is_increase(&self, new_amount: i64) -> bool {
        new_amount > self.order_amount
    }

    /// Merchant references, customer details and shipping info change the record, not the
    /// money; they are refused only on orders that are over.
    pub fn may_edit_details(&self) -> Result<(), Refusal> {
        match self.status {
            Status::Cancelled => Err(Refusal::NotAllowed("Can not update a cancelled order.".into())),
            Status::Expired => Err(Refusal::NotAllowed("Can not update an expired order.".into())),
            _ => Ok(()),
        }
    }

    /// The order after its authorization ran out at `now`, if it did. An order with
    /// captures keeps them: it becomes CAPTURED with nothing left to capture.
    pub fn expire(&self, now: i64) -> Option<Order> {
        if !self.expired(now) {
            return None;
        }
        match self.status {
            Status::Authorized => Some(Order {
                status: Status::Expired,
                ..*self
            }),
            Status::PartCaptured if !self.released => Some(
                Order {
                    released: true,
                    ..*self
                }
                .settle(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    fn order() -> Order {
        Order::authorized(10_000, 0, 28 * DAY)
    }

    #[test]
    fn capture_in_parts_then_refund_to_closed() {
        let o = order().capture(4_000, 1).unwrap();
        assert_eq!((o.status, o.remaining_authorized()), (Status::PartCaptured, 6_000));
        let o = o.capture(6_000, 2).unwrap();
        assert_eq!(o.status, Status::Captured);
        assert_eq!(o.capture(1, 3).unwrap_err().code(), "CAPTURE_NOT_ALLOWED");
        let o = o.refund(3_000).unwrap();
        assert_eq!(o.status, Status::Captured);
        assert_eq!(o.refund(7_001).unwrap_err().code(), "REFUND_NOT_ALLOWED");
        let o = o.refund(7_000).unwrap();
        assert_eq!(o.status, Status::Closed);
    }

    #[test]
    fn over_capture_and_bad_amounts_are_refused() {
        assert_eq!(order().capture(10_001, 1).unwrap_err().code(), "CAPTURE_NOT_ALLOWED");
        assert_eq!(order().capture(0, 1).unwrap_err().code(), "BAD_VALUE");
        assert_eq!(order().capture(-5, 1).unwrap_err().code(), "BAD_VALUE");
        assert_eq!(order().refund(1).unwrap_err().code(), "REFUND_NOT_ALLOWED");
    }

    #[test]
    fn cancel_only_without_captures() {
        assert_eq!(order().cancel().unwrap().status, Status::Cancelled);
        let part = order().capture(1, 1).unwrap();
        assert_eq!(part.cancel().unwrap_err().code(), "CANCEL_NOT_ALLOWED");
        let cancelled = order().cancel().unwrap();
        assert_eq!(cancelled.capture(1, 1).unwrap_err().code(), "CAPTURE_NOT_ALLOWED");
        assert_eq!(cancelled.cancel().unwrap_err().code(), "CANCEL_NOT_ALLOWED");
    }

    #[test]
    fn release_closes_the_authorization() {
        let o = order().capture(2_500, 1).unwrap().release_remaining().unwrap();
        assert_eq!((o.status, o.remaining_authorized()), (Status::Captured, 0));
        assert_eq!(o.capture(1, 2).unwrap_err().code(), "CAPTURE_NOT_ALLOWED");
        assert_eq!(order().release_remaining().unwrap_err().code(), "NOT_ALLOWED");
    }

    #[test]
    fn nothing_but_refunds_after_expiry() {
        let o = order();
        let later = o.expires_at;
        assert_eq!(o.capture(1, later).unwrap_err().code(), "CAPTURE_NOT_ALLOWED");
        let expired = o.expire(later).unwrap();
        assert_eq!(expired.status, Status::Expired);
        assert_eq!(expired.cancel().unwrap_err().code(), "CANCEL_NOT_ALLOWED");
        assert_eq!(
            expired.extend_authorization(later, DAY).unwrap_err().code(),
            "NOT_ALLOWED"
        );
        let part = order().capture(1_000, 1).unwrap().expire(later).unwrap();
        assert_eq!((part.status, part.remaining_authorized()), (Status::Captured, 0));
        assert!(part.refund(1_000).is_ok(), "refunds still work");
        assert_eq!(o.expire(later - 1), None);
    }

    #[test]
    fn extension_is_capped_at_180_days() {
        let mut o = order();
        let mut extensions = 0;
        while let Ok(next) = o.extend_authorization(1, 28 * DAY) {
            o = next;
            extensions += 1;
        }
        assert_eq!(o.expires_at, MAX_AUTHORIZATION_MS);
        assert_eq!(extensions, 6, "28 days + 6 × 28 = 196 > 180 days, capped");
    }

    #[test]
    fn authorization_cannot_drop_below_captures() {
        let o = order().capture(4_000, 1).unwrap();
        assert_eq!(
            o.update_authorization(3_999, 2, 10_000).unwrap_err().code(),
            "NOT_ALLOWED"
        );
        let o = o.update_authorization(4_000, 2, 10_000).unwrap();
        assert_eq!(
            o.status,
            Status::Captured,
            "lowering to the captured amount completes it"
        );
        let o = order().update_authorization(20_000, 2, 20_000).unwrap();
        assert_eq!(o.remaining_authorized(), 20_000);
    }

    #[test]
    fn an_increase_is_approved_only_up_to_the_ceiling() {
        let ceiling = increase_ceiling(10_000, 20);
        assert_eq!(ceiling, 12_000);
        assert_eq!(
            order().update_authorization(12_000, 2, ceiling).unwrap().order_amount,
            12_000
        );
        let declined = order().update_authorization(12_001, 2, ceiling).unwrap_err();
        assert_eq!(declined.code(), "NOT_ALLOWED");
        assert!(declined.to_string().contains("declined"), "{declined}");
        // The 999,999 of the issue, on an order of 1,243 with the default limit.
        assert!(Order::authorized(124_300, 0, DAY)
            .update_authorization(99_999_900, 1, increase_ceiling(124_300, 20))
            .is_err());
        // No increase at 0 %, but lowering is never an increase.
        assert!(order()
            .update_authorization(10_001, 2, increase_ceiling(10_000, 0))
            .is_err());
        assert!(order()
            .update_authorization(9_000, 2, increase_ceiling(10_000, 0))
            .is_ok());
        // Once lowered, raising it back up to the ceiling is approved; small steps cannot
        // climb past it.
        let lowered = order().update_authorization(5_000, 2, ceiling).unwrap();
        let mut o = lowered;
        while let Ok(next) = o.update_authorization(o.order_amount + 700, 3, ceiling) {
            o = next;
        }
        assert!(o.order_amount <= ceiling && o.order_amount > ceiling - 700, "{o:?}");
        assert_eq!(
            increase_ceiling(MAX_AMOUNT, 50),
            MAX_AMOUNT,
            "never above the largest amount"
        );
    }

    /// A small deterministic generator, so the invariant check needs no extra crate.
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

    /// No sequence of operations breaks the money invariants.
    #[test]
    fn random_operation_sequences_keep_the_invariants() {
        let mut rng = Lcg(42);
        for _ in 0..2_000 {
            let mut o = Order::authorized(1 + rng.next(50_000) as i64, 0, 28 * DAY);
            let mut now = 0;
            for _ in 0..40 {
                now += rng.next(3 * DAY as u64) as i64;
                let amount = rng.next(30_000) as i64 - 100;
                let next = match rng.next(8) {
                    0 | 1 => o.capture(amount, now),
                    2 | 3 => o.refund(amount),
                    4 => o.cancel(),
                    5 => o.release_remaining(),
                    6 => o.extend_authorization(now, 28 * DAY),
                    _ => o.update_authorization(amount, now, increase_ceiling(o.order_amount, 20)),
                };
                if let Ok(n) = next {
                    o = n;
                }
                if let Some(n) = o.expire(now) {
                    o = n;
                }
                assert!(
                    0 <= o.refunded_amount && o.refunded_amount <= o.captured_amount,
                    "{o:?}"
                );
                assert!(o.captured_amount <= o.order_amount, "{o:?}");
                assert!(o.remaining_authorized() >= 0, "{o:?}");
                assert!(o.status != Status::Cancelled || o.captured_amount == 0, "{o:?}");
                assert!(
                    o.expires_at <= o.created_at + MAX_AUTHORIZATION_MS.max(28 * DAY),
                    "{o:?}"
                );
            }
        }
    }
}
