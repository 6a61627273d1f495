//! Settlement math: the ledger's transaction types (Klarna's Settlements API names), what
//! a capture and a refund post, a payout's totals with debt carried forward, and when a
//! payout schedule closes (23:59 Europe/Stockholm, as Kustom settles).
//!
//! Every ledger amount is stored as Klarna reports it: positive in the direction its type
//! names (a FEE of 250 costs the merchant 250). [`TxType::sign`] turns it into its effect on
//! the merchant's balance. Only CORRECTION (and a reversal that is released) carries its own
//! sign.

use crate::store_settings::{MethodFee, PayoutSchedule};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::fmt;
use std::str::FromStr;

/// The `type` of a Settlements API `Transaction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TxType {
    Sale,
    Fee,
    Return,
    FeeRefund,
    Reversal,
    ReversalMerchantProtection,
    Holdback,
    Release,
    Correction,
    Charge,
    Credit,
    Commission,
    Tax,
}

impl TxType {
    pub const ALL: [TxType; 13] = [
        TxType::Sale,
        TxType::Fee,
        TxType::Return,
        TxType::FeeRefund,
        TxType::Reversal,
        TxType::ReversalMerchantProtection,
        TxType::Holdback,
        TxType::Release,
        TxType::Correction,
        TxType::Charge,
        TxType::Credit,
        TxType::Commission,
        TxType::Tax,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TxType::Sale => "SALE",
            TxType::Fee => "FEE",
            TxType::Return => "RETURN",
            TxType::FeeRefund => "FEE_REFUND",
            TxType::Reversal => "REVERSAL",
            TxType::ReversalMerchantProtection => "REVERSAL_MERCHANT_PROTECTION",
            TxType::Holdback => "HOLDBACK",
            TxType::Release => "RELEASE",
            TxType::Correction => "CORRECTION",
            TxType::Charge => "CHARGE",
            TxType::Credit => "CREDIT",
            TxType::Commission => "COMMISSION",
            TxType::Tax => "TAX",
        }
    }

    /// +1 when the type pays the merchant, −1 when it costs the merchant (Klarna's
    /// settlement formula); a CORRECTION's amount is signed itself.
    pub fn sign(self) -> i64 {
        match self {
            TxType::Sale
            | TxType::FeeRefund
            | TxType::Release
            | TxType::Correction
            | TxType::Credit
            | TxType::Commission => 1,
            TxType::Fee
            | TxType::Return
            | TxType::Reversal
            | TxType::ReversalMerchantProtection
            | TxType::Holdback
            | TxType::Charge
            | TxType::Tax => -1,
        }
    }

    /// The change to the merchant's balance of an entry of `amount`.
    pub fn net(self, amount: i64) -> i64 {
        self.sign() * amount
    }
}

impl fmt::Display for TxType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string that names no transaction type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown transaction type {0:?}")]
pub struct UnknownTxType(pub String);

impl FromStr for TxType {
    type Err = UnknownTxType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TxType::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| UnknownTxType(s.to_owned()))
    }
}

impl TryFrom<String> for TxType {
    type Error = UnknownTxType;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The `detailed_type` values Kassa posts (a subset of Klarna's list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DetailedType {
    Purchase,
    PurchaseFeePercentage,
    PurchaseFeeFixed,
    PurchaseReturn,
    PurchaseFeePercentageRefund,
    Reversal,
    CorrectionDispute,
    DisputeFee,
    RollingReserve,
    Correction,
}

impl DetailedType {
    pub const ALL: [DetailedType; 10] = [
        DetailedType::Purchase,
        DetailedType::PurchaseFeePercentage,
        DetailedType::PurchaseFeeFixed,
        DetailedType::PurchaseReturn,
        DetailedType::PurchaseFeePercentageRefund,
        DetailedType::Reversal,
        DetailedType::CorrectionDispute,
        DetailedType::DisputeFee,
        DetailedType::RollingReserve,
        DetailedType::Correction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DetailedType::Purchase => "PURCHASE",
            DetailedType::PurchaseFeePercentage => "PURCHASE_FEE_PERCENTAGE",
            DetailedType::PurchaseFeeFixed => "PURCHASE_FEE_FIXED",
            DetailedType::PurchaseReturn => "PURCHASE_RETURN",
            DetailedType::PurchaseFeePercentageRefund => "PURCHASE_FEE_PERCENTAGE_REFUND",
            DetailedType::Reversal => "REVERSAL",
            DetailedType::CorrectionDispute => "CORRECTION_DISPUTE",
            DetailedType::DisputeFee => "DISPUTE_FEE",
            DetailedType::RollingReserve => "ROLLING_RESERVE",
            DetailedType::Correction => "CORRECTION",
        }
    }
}

impl fmt::Display for DetailedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for DetailedType {
    type Err = UnknownTxType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DetailedType::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| UnknownTxType(s.to_owned()))
    }
}

impl TryFrom<String> for DetailedType {
    type Error = UnknownTxType;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// One ledger posting a money event makes: type, detailed type and amount (as reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub kind: TxType,
    pub detail: DetailedType,
    pub amount: i64,
}

impl Posting {
    fn new(kind: TxType, detail: DetailedType, amount: i64) -> Posting {
        Posting { kind, detail, amount }
    }
}

/// `amount × bps / 10 000`, rounded half up, in integers.
fn share(amount: i64, bps: i64) -> i64 {
    let v = (i128::from(amount) * i128::from(bps) + 5_000) / 10_000;
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// What a capture of `amount` posts: the SALE, the percentage fee on it, on the first
/// capture of an order only the fixed fee per payment, and with a rolling reserve of
/// `reserve_bps` the HOLDBACK (released by a later payout). Zero amounts post nothing.
pub fn capture_postings(amount: i64, fee: MethodFee, first_capture: bool, reserve_bps: i64) -> Vec<Posting> {
    let mut out = vec![Posting::new(TxType::Sale, DetailedType::Purchase, amount)];
    let percentage = share(amount, fee.bps());
    if percentage > 0 {
        out.push(Posting::new(
            TxType::Fee,
            DetailedType::PurchaseFeePercentage,
            percentage,
        ));
    }
    if first_capture && fee.fixed_minor() > 0 {
        out.push(Posting::new(
            TxType::Fee,
            DetailedType::PurchaseFeeFixed,
            fee.fixed_minor(),
        ));
    }
    let held = share(amount, reserve_bps);
    if held > 0 {
        out.push(Posting::new(TxType::Holdback, DetailedType::RollingReserve, held));
    }
    out
}

/// What a refund of `amount` posts: the RETURN and, when the store's plan refunds fees,
/// the percentage fee on the refunded amount, never more than `fee_left` (the percentage
/// fees charged on the order and not yet refunded). Fixed fees are not refunded.
pub fn refund_postings(amount: i64, fee: MethodFee, refunds_fees: bool, fee_left: i64) -> Vec<Posting> {
    let mut out = vec![Posting::new(TxType::Return, DetailedType::PurchaseReturn, amount)];
    let back = share(amount, fee.bps()).min(fee_left.max(0));
    if refunds_fees && back > 0 {
        out.push(Posting::new(
            TxType::FeeRefund,
            DetailedType::PurchaseFeePercentageRefund,
            back,
        ));
    }
    out
}

/// A payout's totals, named as the Settlements API's `Totals` (minor units).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub sale_amount: i64,
    pub fee_amount: i64,
    pub return_amount: i64,
    pub fee_refund_amount: i64,
    pub reversal_amount: i64,
    pub holdback_amount: i64,
    pub release_amount: i64,
    pub correction_amount: i64,
    pub charge_amount: i64,
    pub credit_amount: i64,
    pub commission_amount: i64,
    pub tax_amount: i64,
    /// Debt paid back from this payout.
    pub repay_amount: i64,
    /// Debt added by this payout (its entries cost more than they paid).
    pub deposit_amount: i64,
    pub opening_debt_balance_amount: i64,
    pub closing_debt_balance_amount: i64,
    /// What the bank transfer pays: never negative.
    pub settlement_amount: i64,
}

impl Totals {
    /// Sums entries `(type, amount)` and settles them against the debt carried in:
    /// the entries' net first repays the debt; what is left is paid out; a negative net
    /// adds to the debt and pays nothing. So, always,
    /// `settlement = net − repay + deposit` and `closing = opening − repay + deposit`.
    pub fn settle(entries: impl IntoIterator<Item = (TxType, i64)>, opening_debt: i64) -> Totals {
        let mut t = Totals {
            opening_debt_balance_amount: opening_debt,
            ..Totals::default()
        };
        let mut net = 0i64;
        for (kind, amount) in entries {
            net += kind.net(amount);
            let slot = match kind {
                TxType::Sale => &mut t.sale_amount,
                TxType::Fee => &mut t.fee_amount,
                TxType::Return => &mut t.return_amount,
                TxType::FeeRefund => &mut t.fee_refund_amount,
                TxType::Reversal | TxType::ReversalMerchantProtection => &mut t.reversal_amount,
                TxType::Holdback => &mut t.holdback_amount,
                TxType::Release => &mut t.release_amount,
                TxType::Correction => &mut t.correction_amount,
                TxType::Charge => &mut t.charge_amount,
                TxType::Credit => &mut t.credit_amount,
                TxType::Commission => &mut t.commission_amount,
                TxType::Tax => &mut t.tax_amount,
            };
            *slot += amount;
        }
        t.repay_amount = net.clamp(0, opening_debt.max(0));
        t.deposit_amount = (-net).max(0);
        t.settlement_amount = net - t.repay_amount + t.deposit_amount;
        t.closing_debt_balance_amount = opening_debt - t.repay_amount + t.deposit_amount;
        t
    }

    /// The entries' effect on the balance before debt.
    pub fn net(&self) -> i64 {
        self.settlement_amount + self.repay_amount - self.deposit_amount
    }
}

/// The time zone payouts are cut off in.
pub fn settlement_zone() -> TimeZone {
    TimeZone::get("Europe/Stockholm").expect("the bundled time zone database has Europe/Stockholm")
}

/// The cut-off of a day: 23:59 in Stockholm (a time every day has, DST or not).
pub fn cutoff_of(date: Date) -> Timestamp {
    date.to_datetime(Time::constant(23, 59, 0, 0))
        .to_zoned(settlement_zone())
        .expect("23:59 exists on every day")
        .timestamp()
}

/// Whether a payout closes at the end of `date`.
pub fn closes_on(schedule: PayoutSchedule, date: Date) -> bool {
    match schedule {
        PayoutSchedule::Daily => true,
        PayoutSchedule::Weekly(day) => i64::from(day.number()) == i64::from(date.weekday().to_monday_one_offset()),
        PayoutSchedule::Monthly(day) => date.day() == day as i8,
    }
}

/// The latest cut-off at or before `now` on which `schedule` closes.
pub fn latest_cutoff(schedule: PayoutSchedule, now: Timestamp) -> Timestamp {
    let mut date = now.to_zoned(settlement_zone()).date();
    loop {
        if closes_on(schedule, date) && cutoff_of(date) <= now {
            return cutoff_of(date);
        }
        date = date.checked_sub(1.day()).expect("dates stay in range");
    }
}

/// The first cut-off after `now` on which `schedule` closes.
pub fn next_cutoff(schedule: PayoutSchedule, now: Timestamp) -> Timestamp {
    let mut date = now.to_zoned(settlement_zone()).date();
    loop {
        if closes_on(schedule, date) && cutoff_of(date) > now {
            return cutoff_of(date);
        }
        date = date.checked_add(1.day()).expect("dates stay in range");
    }
}

/// Milliseconds since the epoch of a timestamp (how Kassa stores times).
pub fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The timestamp of stored milliseconds.
pub fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store_settings::Weekday;
    use jiff::civil::date;

    fn fee(bps: i64, fixed: i64) -> MethodFee {
        MethodFee::new(bps, fixed).unwrap()
    }

    #[test]
    fn types_round_trip_and_sign_as_klarnas_formula() {
        for t in TxType::ALL {
            assert_eq!(t.code().parse::<TxType>(), Ok(t));
        }
        for d in DetailedType::ALL {
            assert_eq!(d.code().parse::<DetailedType>(), Ok(d));
        }
        assert_eq!(TxType::Sale.net(1000), 1000);
        assert_eq!(TxType::Fee.net(30), -30);
        assert_eq!(TxType::Correction.net(-5), -5);
        assert!("BOGUS".parse::<TxType>().is_err());
    }

    #[test]
    fn a_capture_posts_sale_and_fees_the_fixed_fee_once_per_order() {
        let plan = fee(290, 300);
        assert_eq!(
            capture_postings(10_000, plan, true, 0),
            vec![
                Posting::new(TxType::Sale, DetailedType::Purchase, 10_000),
                Posting::new(TxType::Fee, DetailedType::PurchaseFeePercentage, 290),
                Posting::new(TxType::Fee, DetailedType::PurchaseFeeFixed, 300),
            ]
        );
        assert_eq!(capture_postings(5_000, plan, false, 0).len(), 2);
        assert_eq!(
            capture_postings(5_000, plan, false, 1_000)[2],
            Posting::new(TxType::Holdback, DetailedType::RollingReserve, 500)
        );
        assert_eq!(capture_postings(5_000, MethodFee::ZERO, true, 0).len(), 1);
        // 0.5 minor units round up.
        assert_eq!(capture_postings(50, fee(100, 0), true, 0)[1].amount, 1);
    }

    #[test]
    fn a_refund_gives_fees_back_only_when_the_plan_says_and_never_more_than_charged() {
        let plan = fee(290, 300);
        assert_eq!(refund_postings(10_000, plan, false, 290).len(), 1);
        let back = refund_postings(10_000, plan, true, 290);
        assert_eq!(
            back[1],
            Posting::new(TxType::FeeRefund, DetailedType::PurchaseFeePercentageRefund, 290)
        );
        assert_eq!(refund_postings(10_000, plan, true, 100)[1].amount, 100);
        assert_eq!(refund_postings(10_000, plan, true, 0).len(), 1);
    }

    #[test]
    fn settling_repays_debt_first_and_carries_a_negative_balance_forward() {
        let t = Totals::settle([(TxType::Sale, 10_000), (TxType::Fee, 300)], 0);
        assert_eq!((t.settlement_amount, t.closing_debt_balance_amount), (9_700, 0));
        let t = Totals::settle([(TxType::Return, 5_000), (TxType::Fee, 300)], 1_000);
        assert_eq!(t.settlement_amount, 0);
        assert_eq!(t.deposit_amount, 5_300);
        assert_eq!(t.closing_debt_balance_amount, 6_300);
        let t = Totals::settle([(TxType::Sale, 4_000)], 6_300);
        assert_eq!(
            (t.settlement_amount, t.repay_amount, t.closing_debt_balance_amount),
            (0, 4_000, 2_300)
        );
        let t = Totals::settle([(TxType::Sale, 4_000)], 2_300);
        assert_eq!(
            (t.settlement_amount, t.repay_amount, t.closing_debt_balance_amount),
            (1_700, 2_300, 0)
        );
        assert_eq!(t.net(), 4_000);
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

    /// Random captures, refunds, corrections and payouts over several orders: the ledger
    /// and the payouts always agree. Every entry is in exactly one payout or open; what was
    /// paid out equals the closed entries' net less the debt left; no payout is negative;
    /// debt is never negative and chains from payout to payout; sales less returns equal
    /// what the orders captured less what they refunded; fees refunded never exceed fees
    /// charged.
    #[test]
    fn random_money_events_and_payouts_keep_ledger_and_payouts_in_agreement() {
        let mut rng = Lcg(7);
        for _ in 0..500 {
            let plan = fee(rng.next(400) as i64, rng.next(500) as i64);
            let refunds_fees = rng.next(2) == 0;
            let reserve = rng.next(3) as i64 * 500;
            // Per order: amount, captured, refunded, captures so far, percentage fee left.
            let mut orders: Vec<(i64, i64, i64, i64, i64)> =
                (0..4).map(|_| (1 + rng.next(100_000) as i64, 0, 0, 0, 0)).collect();
            let mut open: Vec<(TxType, i64)> = Vec::new();
            let (mut all_net, mut paid_out, mut debt) = (0i64, 0i64, 0i64);
            let (mut sales, mut returns) = (0i64, 0i64);
            for _ in 0..60 {
                let o = &mut orders[rng.next(4) as usize];
                let postings = match rng.next(6) {
                    0 | 1 => {
                        let amount = 1 + rng.next((o.0 - o.1).max(1) as u64) as i64;
                        if o.1 + amount > o.0 {
                            continue;
                        }
                        o.1 += amount;
                        o.3 += 1;
                        let p = capture_postings(amount, plan, o.3 == 1, reserve);
                        o.4 += p
                            .iter()
                            .filter(|p| p.detail == DetailedType::PurchaseFeePercentage)
                            .map(|p| p.amount)
                            .sum::<i64>();
                        p
                    }
                    2 => {
                        let amount = 1 + rng.next((o.1 - o.2).max(1) as u64) as i64;
                        if o.2 + amount > o.1 {
                            continue;
                        }
                        o.2 += amount;
                        let p = refund_postings(amount, plan, refunds_fees, o.4);
                        let back: i64 = p.iter().filter(|p| p.kind == TxType::FeeRefund).map(|p| p.amount).sum();
                        assert!(back <= o.4);
                        o.4 -= back;
                        p
                    }
                    3 => vec![Posting::new(
                        TxType::Correction,
                        DetailedType::Correction,
                        rng.next(20_000) as i64 - 10_000,
                    )],
                    _ => {
                        let t = Totals::settle(open.drain(..), debt);
                        assert!(t.settlement_amount >= 0 && t.closing_debt_balance_amount >= 0, "{t:?}");
                        assert!(t.settlement_amount == 0 || t.closing_debt_balance_amount == 0, "{t:?}");
                        assert_eq!(t.opening_debt_balance_amount, debt);
                        debt = t.closing_debt_balance_amount;
                        paid_out += t.settlement_amount;
                        Vec::new()
                    }
                };
                for p in postings {
                    all_net += p.kind.net(p.amount);
                    match p.kind {
                        TxType::Sale => sales += p.amount,
                        TxType::Return => returns += p.amount,
                        _ => {}
                    }
                    open.push((p.kind, p.amount));
                }
            }
            let open_net: i64 = open.iter().map(|(k, a)| k.net(*a)).sum();
            assert_eq!(all_net, open_net + paid_out - debt);
            let captured: i64 = orders.iter().map(|o| o.1).sum();
            let refunded: i64 = orders.iter().map(|o| o.2).sum();
            assert_eq!(sales - returns, captured - refunded);
        }
    }

    fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        date(y, m, d)
            .at(h, min, 0, 0)
            .to_zoned(settlement_zone())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn cutoffs_are_2359_stockholm_across_dst_changes() {
        // Winter: UTC+1; summer: UTC+2. 2026-03-29 and 2026-10-25 are the change days.
        assert_eq!(cutoff_of(date(2026, 1, 15)).to_string(), "2026-01-15T22:59:00Z");
        assert_eq!(cutoff_of(date(2026, 7, 15)).to_string(), "2026-07-15T21:59:00Z");
        assert_eq!(cutoff_of(date(2026, 3, 29)).to_string(), "2026-03-29T21:59:00Z");
        assert_eq!(cutoff_of(date(2026, 10, 25)).to_string(), "2026-10-25T22:59:00Z");
        assert_eq!(cutoff_of(date(2028, 2, 29)).to_string(), "2028-02-29T22:59:00Z");
    }

    #[test]
    fn daily_weekly_and_monthly_schedules_close_on_their_days() {
        let now = at(2026, 3, 1, 12, 0); // a Sunday
        assert_eq!(latest_cutoff(PayoutSchedule::Daily, now), cutoff_of(date(2026, 2, 28)));
        assert_eq!(next_cutoff(PayoutSchedule::Daily, now), cutoff_of(date(2026, 3, 1)));
        let friday = PayoutSchedule::Weekly(Weekday::Friday);
        assert_eq!(latest_cutoff(friday, now), cutoff_of(date(2026, 2, 27)));
        assert_eq!(next_cutoff(friday, now), cutoff_of(date(2026, 3, 6)));
        let monthly = PayoutSchedule::Monthly(28);
        assert_eq!(latest_cutoff(monthly, now), cutoff_of(date(2026, 2, 28)));
        assert_eq!(next_cutoff(monthly, now), cutoff_of(date(2026, 3, 28)));
        // At the cut-off itself the day has closed; a minute before it has not.
        let cut = cutoff_of(date(2026, 3, 1));
        assert_eq!(latest_cutoff(PayoutSchedule::Daily, cut), cut);
        let before = cut.checked_sub(1.minute()).unwrap();
        assert_eq!(next_cutoff(PayoutSchedule::Daily, before), cut);
        // Leap day closes daily schedules.
        let leap = at(2028, 3, 1, 0, 30);
        assert_eq!(latest_cutoff(PayoutSchedule::Daily, leap), cutoff_of(date(2028, 2, 29)));
    }
}
