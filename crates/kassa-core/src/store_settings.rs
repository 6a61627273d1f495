//! A store's settings that money depends on — when it is paid out and what the provider
//! charges per payment method — and a merchant's standing.

use std::fmt;
use std::str::FromStr;

/// A day of the week, Monday first (ISO 8601: Monday is 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 1 (Monday) to 7 (Sunday).
    pub fn number(self) -> u8 {
        Weekday::ALL
            .iter()
            .position(|d| *d == self)
            .expect("every day is in ALL") as u8
            + 1
    }

    pub fn from_number(n: i64) -> Option<Weekday> {
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| Weekday::ALL.get(i).copied())
    }
}

/// When a store's balance is paid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayoutSchedule {
    Daily,
    Weekly(Weekday),
    /// On this day of the month, 1 to 28 (so every month has it).
    Monthly(u8),
}

/// A payout schedule that cannot be: an unknown kind, or a day outside its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a payout schedule: daily, weekly on a day 1–7 (Monday first) or monthly on a day 1–28")]
pub struct BadPayoutSchedule;

impl PayoutSchedule {
    /// The stored form: `stores.payout_schedule` (`daily`, `weekly`, `monthly`) and
    /// `stores.payout_day` (none, 1–7 with Monday 1, or 1–28).
    pub fn stored(self) -> (&'static str, Option<i64>) {
        match self {
            PayoutSchedule::Daily => ("daily", None),
            PayoutSchedule::Weekly(day) => ("weekly", Some(i64::from(day.number()))),
            PayoutSchedule::Monthly(day) => ("monthly", Some(i64::from(day))),
        }
    }

    /// Reads the stored (or submitted) pair back; `daily` ignores any day.
    pub fn from_stored(schedule: &str, day: Option<i64>) -> Result<PayoutSchedule, BadPayoutSchedule> {
        match (schedule, day) {
            ("daily", _) => Ok(PayoutSchedule::Daily),
            ("weekly", Some(d)) => Weekday::from_number(d)
                .map(PayoutSchedule::Weekly)
                .ok_or(BadPayoutSchedule),
            ("monthly", Some(d)) if (1..=28).contains(&d) => Ok(PayoutSchedule::Monthly(d as u8)),
            _ => Err(BadPayoutSchedule),
        }
    }
}

/// How a shopper pays on the hosted checkout; each has its own fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentMethod {
    Card,
    PayInX,
    Invoice,
}

impl PaymentMethod {
    /// Every method the hosted checkout offers, in its order.
    pub const ALL: [PaymentMethod; 3] = [PaymentMethod::Card, PaymentMethod::PayInX, PaymentMethod::Invoice];

    /// The code the checkout, the orders and the fee plans store.
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::Card => "CARD",
            PaymentMethod::PayInX => "PAY_IN_X",
            PaymentMethod::Invoice => "INVOICE",
        }
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown payment method {0:?}; expected CARD, PAY_IN_X or INVOICE")]
pub struct UnknownPaymentMethod(pub String);

impl FromStr for PaymentMethod {
    type Err = UnknownPaymentMethod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PaymentMethod::ALL
            .into_iter()
            .find(|m| m.code() == s)
            .ok_or_else(|| UnknownPaymentMethod(s.to_owned()))
    }
}

impl TryFrom<String> for PaymentMethod {
    type Error = UnknownPaymentMethod;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// At most 100 %.
pub const MAX_FEE_BPS: i64 = 10_000;

/// The highest dispute fee a store can be charged, in minor units (10 000.00 in the
/// store's currency): anything above is a typing mistake.
pub const MAX_DISPUTE_FEE_MINOR: i64 = 1_000_000;

/// Why a fee cannot be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadFee {
    #[error("the percentage is 0 to 10000 basis points (0–100 %)")]
    Bps,
    #[error("the fixed fee is zero or more")]
    Fixed,
}

/// The fee of one payment method: a share of the amount in basis points (1/100 of a
/// percent) plus a fixed amount in minor units of the order's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MethodFee {
    bps: i64,
    fixed_minor: i64,
}

impl MethodFee {
    pub const ZERO: MethodFee = MethodFee { bps: 0, fixed_minor: 0 };

    pub fn new(bps: i64, fixed_minor: i64) -> Result<MethodFee, BadFee> {
        if !(0..=MAX_FEE_BPS).contains(&bps) {
            return Err(BadFee::Bps);
        }
        if fixed_minor < 0 {
            return Err(BadFee::Fixed);
        }
        Ok(MethodFee { bps, fixed_minor })
    }

    pub fn bps(self) -> i64 {
        self.bps
    }

    pub fn fixed_minor(self) -> i64 {
        self.fixed_minor
    }

    /// The fee of `amount` minor units: `amount × bps / 10 000`, rounded half up to a whole
    /// minor unit, plus the fixed part. Integer arithmetic only (in i128, so no amount
    /// overflows). A negative amount (a refund) gets the mirror image: the share is rounded
    /// half away from zero and the fixed part is charged negatively too, so a full refund
    /// undoes the fee exactly.
    pub fn fee(self, amount: i64) -> i64 {
        let share = |a: i128| (a * i128::from(self.bps) + 5_000) / 10_000;
        let positive = share(i128::from(amount.unsigned_abs())) + i128::from(self.fixed_minor);
        let fee = if amount < 0 { -positive } else { positive };
        i64::try_from(fee).unwrap_or(if amount < 0 { i64::MIN } else { i64::MAX })
    }
}

/// What the provider charges a store, per payment method. Methods without a fee set cost
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeePlan {
    fees: Vec<(PaymentMethod, MethodFee)>,
}

impl FeePlan {
    /// A plan with these fees; a method named twice keeps its last fee.
    pub fn new(fees: impl IntoIterator<Item = (PaymentMethod, MethodFee)>) -> FeePlan {
        let mut plan = FeePlan::default();
        for (method, fee) in fees {
            plan.set(method, fee);
        }
        plan
    }

    pub fn set(&mut self, method: PaymentMethod, fee: MethodFee) {
        self.fees.retain(|(m, _)| *m != method);
        self.fees.push((method, fee));
        self.fees.sort_by_key(|(m, _)| *m);
    }

    /// The fee of `method` (zero when the plan has none).
    pub fn of(&self, method: PaymentMethod) -> MethodFee {
        self.fees
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, f)| *f)
            .unwrap_or(MethodFee::ZERO)
    }

    /// The fee of a payment of `amount` minor units by `method`; see [`MethodFee::fee`].
    pub fn fee(&self, method: PaymentMethod, amount: i64) -> i64 {
        self.of(method).fee(amount)
    }

    /// Every method with its fee, in [`PaymentMethod::ALL`] order (zero where none is set).
    pub fn entries(&self) -> Vec<(PaymentMethod, MethodFee)> {
        PaymentMethod::ALL.into_iter().map(|m| (m, self.of(m))).collect()
    }
}

/// Whether a merchant may trade. A suspended merchant keeps everything; it reads but
/// does not change, and takes no payments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MerchantStatus {
    #[default]
    Active,
    Suspended,
}

impl MerchantStatus {
    pub fn code(self) -> &'static str {
        match self {
            MerchantStatus::Active => "active",
            MerchantStatus::Suspended => "suspended",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown merchant status {0:?}; expected active or suspended")]
pub struct UnknownMerchantStatus(pub String);

impl FromStr for MerchantStatus {
    type Err = UnknownMerchantStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(MerchantStatus::Active),
            "suspended" => Ok(MerchantStatus::Suspended),
            other => Err(UnknownMerchantStatus(other.to_owned())),
        }
    }
}

/// Reads a stored status (the database boundary).
impl TryFrom<String> for MerchantStatus {
    type Error = UnknownMerchantStatus;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Whether a store takes real payments or is for trying things out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    Live,
    Playground,
}

impl Environment {
    pub fn code(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Playground => "playground",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment {0:?}; expected live or playground")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Environment::Live),
            "playground" => Ok(Environment::Playground),
            other => Err(UnknownEnvironment(other.to_owned())),
        }
    }
}

impl TryFrom<String> for Environment {
    type Error = UnknownEnvironment;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payout_schedules_round_trip_through_their_stored_form() {
        let all = [
            PayoutSchedule::Daily,
            PayoutSchedule::Weekly(Weekday::Monday),
            PayoutSchedule::Weekly(Weekday::Sunday),
            PayoutSchedule::Monthly(1),
            PayoutSchedule::Monthly(28),
        ];
        for s in all {
            let (code, day) = s.stored();
            assert_eq!(PayoutSchedule::from_stored(code, day), Ok(s));
        }
        assert_eq!(PayoutSchedule::Weekly(Weekday::Friday).stored(), ("weekly", Some(5)));
        assert_eq!(PayoutSchedule::from_stored("daily", Some(3)), Ok(PayoutSchedule::Daily));
        for (code, day) in [
            ("weekly", None),
            ("weekly", Some(0)),
            ("weekly", Some(8)),
            ("monthly", Some(29)),
            ("monthly", Some(0)),
            ("monthly", None),
            ("yearly", Some(1)),
        ] {
            assert_eq!(
                PayoutSchedule::from_stored(code, day),
                Err(BadPayoutSchedule),
                "{code} {day:?}"
            );
        }
    }

    #[test]
    fn fees_round_half_up_in_integers() {
        let card = MethodFee::new(180, 150).unwrap(); // 1.8 % + 1.50
        assert_eq!(card.fee(10_000), 180 + 150);
        // 1.8 % of 25 = 0.45 → 0; of 250 = 4.5 → 5 (half up); of 249 = 4.482 → 4.
        assert_eq!(card.fee(25), 150);
        assert_eq!(card.fee(250), 5 + 150);
        assert_eq!(card.fee(249), 4 + 150);
        assert_eq!(card.fee(0), 150);
        // A refund mirrors the fee.
        assert_eq!(card.fee(-250), -(5 + 150));
        assert_eq!(MethodFee::new(10_000, 0).unwrap().fee(i64::MAX), i64::MAX);
        assert_eq!(MethodFee::new(1, 0).unwrap().fee(5_000), 1); // 0.5 → 1
        assert_eq!(MethodFee::new(1, 0).unwrap().fee(4_999), 0);
        assert_eq!(MethodFee::new(10_001, 0), Err(BadFee::Bps));
        assert_eq!(MethodFee::new(-1, 0), Err(BadFee::Bps));
        assert_eq!(MethodFee::new(0, -1), Err(BadFee::Fixed));
    }

    #[test]
    fn a_plan_charges_per_method_and_nothing_for_unset_ones() {
        let plan = FeePlan::new([
            (PaymentMethod::Card, MethodFee::new(150, 0).unwrap()),
            (PaymentMethod::Invoice, MethodFee::new(290, 300).unwrap()),
            (PaymentMethod::Card, MethodFee::new(200, 0).unwrap()),
        ]);
        assert_eq!(plan.fee(PaymentMethod::Card, 10_000), 200);
        assert_eq!(plan.fee(PaymentMethod::Invoice, 10_000), 590);
        assert_eq!(plan.fee(PaymentMethod::PayInX, 10_000), 0);
        assert_eq!(plan.entries().len(), 3);
        for m in PaymentMethod::ALL {
            assert_eq!(m.code().parse::<PaymentMethod>(), Ok(m));
        }
        assert!("SWISH".parse::<PaymentMethod>().is_err());
    }

    #[test]
    fn statuses_and_environments_round_trip() {
        for s in [MerchantStatus::Active, MerchantStatus::Suspended] {
            assert_eq!(s.code().parse::<MerchantStatus>(), Ok(s));
        }
        for e in [Environment::Live, Environment::Playground] {
            assert_eq!(e.code().parse::<Environment>(), Ok(e));
        }
        assert!("closed".parse::<MerchantStatus>().is_err());
        assert_eq!(Weekday::from_number(7), Some(Weekday::Sunday));
        assert_eq!(Weekday::from_number(-1), None);
    }
}
