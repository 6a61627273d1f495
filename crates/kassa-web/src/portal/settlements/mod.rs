//! The Settlements section: the store's open balance and when it is paid out, the payouts
//! (keyset pages, filters), each payout with its totals and transactions and its CSV and
//! PDF report, the store's CSV settings, and custom reports made in the background.
//!
//! The rules (who reads what, what a valid report request is) are kassa-app's
//! `settlements` use cases; the handlers here read the request, call one, and render.

mod section;
pub(crate) use section::section;

mod balance;
// mod configure;
// mod custom;
// mod downloads;
mod payouts;

use crate::shell::i18n::Lang;
use kassa_core::settlement::TxType;
use kassa_core::store_settings::PayoutSchedule;
use kassa_db::PayoutRow;

/// The words of a ledger type (`settlements-type-sale`, …).
pub(crate) fn type_label(lang: Lang, kind: TxType) -> String {
    lang.t(&type_key(kind))
}

fn type_key(kind: TxType) -> String {
    format!("settlements-type-{}", kind.code().to_lowercase().replace('_', "-"))
}

/// A day as people read it, in their timezone.
pub(crate) fn day(ms: i64, timezone: &str) -> String {
    kassa_app::dates::format_date(ms, timezone)
}

/// A payout schedule in words, with the cut-off.
fn schedule_words(lang: Lang, schedule: PayoutSchedule) -> String {
    match schedule {
        PayoutSchedule::Daily => lang.t("settlements-schedule-daily"),
        PayoutSchedule::Weekly(day) => lang.t_args(
            "settlements-schedule-weekly",
            &[("day", lang.t(&format!("ops-weekday-{}", day.number())))],
        ),
        PayoutSchedule::Monthly(day) => lang.t_args("settlements-schedule-monthly", &[("day", day.to_string())]),
    }
}

/// An IBAN as a payout page shows it: the country and the last four characters, the rest
/// hidden (`SE•• •••• … 1234`), so a screen over someone's shoulder gives nothing away.
pub(crate) fn mask_iban(iban: &str) -> String {
    let compact: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() <= 6 {
        return "•".repeat(compact.len());
    }
    let masked: String = compact
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 2 || i >= compact.len() - 4 { *c } else { '•' })
        .collect();
    masked
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A payout as a row of the lists shows it; fees and returns with the sign of their
/// effect on the payout.
pub(crate) struct PayoutLine {
    pub date: String,
    pub reference: String,
    pub amount: String,
    pub sales: String,
    pub fees: String,
    pub returns: String,
    pub entries: i64,
    pub currency: String,
}

pub(crate) fn payout_line(lang: Lang, p: &PayoutRow, timezone: &str) -> PayoutLine {
    let money = |v: i64| lang.format_money(v, &p.currency);
    PayoutLine {
        date: day(p.payout_date, timezone),
        reference: p.payment_reference.clone(),
        amount: money(p.settlement_amount),
        sales: money(p.sale_amount),
        fees: money(p.fee_refund_amount - p.fee_amount),
        returns: money(-p.return_amount),
        entries: p.entry_count,
        currency: p.currency.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_words() {
        let english = crate::shell::i18n::english_ids();
        for kind in TxType::ALL {
            assert!(english.contains(&type_key(kind)), "{}", type_key(kind));
        }
        for n in 1..=7 {
            assert!(english.contains(&format!("ops-weekday-{n}")));
        }
    }

    #[test]
    fn ibans_show_only_country_and_last_four() {
        assert_eq!(
            mask_iban("SE45 5000 0000 0583 9825 7466"),
            "SE•• •••• •••• •••• •••• 7466"
        );
        assert_eq!(mask_iban("DE89370400440532013000"), "DE•• •••• •••• •••• ••30 00");
        assert_eq!(mask_iban(""), "");
        assert_eq!(mask_iban("SE12"), "••••");
    }
}
