//! How reports write amounts and times: decimals in the currency and RFC 3339 UTC for
//! machines (CSV, JSON), the reader's own date order for people (PDF). Integer arithmetic
//! only; the CSV paths write into a buffer without allocating.

use crate::shell::i18n::Lang;

/// Minor units as a decimal in the currency, `-1234.50` (every currency Kassa takes has
/// two decimals).
pub fn decimal(minor: i64) -> String {
    let mut out = Vec::with_capacity(16);
    write_decimal(&mut out, minor);
    String::from_utf8(out).unwrap_or_default()
}

pub(crate) fn write_decimal(out: &mut Vec<u8>, minor: i64) {
    if minor < 0 {
        out.push(b'-');
    }
    let abs = minor.unsigned_abs();
    write_u64(out, abs / 100);
    out.push(b'.');
    let cents = (abs % 100) as u8;
    out.push(b'0' + cents / 10);
    out.push(b'0' + cents % 10);
}

pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

pub(crate) fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm): reports
/// write a million dates, and this is far cheaper than a calendar library's formatter.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn two(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `ms` (Unix milliseconds) as RFC 3339 in UTC to the second: `2026-11-30T08:15:00Z`, as
/// the Settlements API writes dates.
pub fn rfc3339(ms: i64) -> String {
    let mut out = Vec::with_capacity(20);
    write_rfc3339(&mut out, ms);
    String::from_utf8(out).unwrap_or_default()
}

pub(crate) fn write_rfc3339(out: &mut Vec<u8>, ms: i64) {
    write_utc(out, ms, false);
}

/// [`write_rfc3339`] to the millisecond, `2026-11-30T08:15:00.250Z`, as the order API and
/// the orders CSV write times (`kassa_app::orders::iso_time`).
pub(crate) fn write_rfc3339_ms(out: &mut Vec<u8>, ms: i64) {
    write_utc(out, ms, true);
}

fn write_utc(out: &mut Vec<u8>, ms: i64, millis: bool) {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let year = year.clamp(0, 9999) as u32;
    two(out, year / 100);
    two(out, year % 100);
    out.push(b'-');
    two(out, month);
    out.push(b'-');
    two(out, day);
    out.push(b'T');
    two(out, (rest / 3600) as u32);
    out.push(b':');
    two(out, (rest / 60 % 60) as u32);
    out.push(b':');
    two(out, (rest % 60) as u32);
    if millis {
        let frac = ms.rem_euclid(1000) as u32;
        out.push(b'.');
        out.push(b'0' + (frac / 100) as u8);
        two(out, frac % 100);
    }
    out.push(b'Z');
}

/// The day `ms` falls on where payouts are made (Stockholm), as readers of `lang` write
/// dates: `30/11/2026` (en), `2026-11-30` (sv), `30.11.2026` (de, nb, da), `30.11.2026`
/// (fi), `30-11-2026` (nl).
pub fn local_date(lang: Lang, ms: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let d = ts.to_zoned(kassa_core::settlement::settlement_zone()).date();
    let (y, m, day) = (d.year(), d.month(), d.day());
    match lang {
        Lang::En => format!("{day:02}/{m:02}/{y}"),
        Lang::Sv => format!("{y}-{m:02}-{day:02}"),
        Lang::De | Lang::Nb | Lang::Da | Lang::Fi => format!("{day:02}.{m:02}.{y}"),
        Lang::Nl => format!("{day:02}-{m:02}-{y}"),
    }
}

/// A day and time where payouts are made, in the reader's date order (`30.11.2026 23:59`).
pub fn local_date_time(lang: Lang, ms: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let t = ts.to_zoned(kassa_core::settlement::settlement_zone());
    format!("{} {:02}:{:02}", local_date(lang, ms), t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact() {
        assert_eq!(decimal(123_450), "1234.50");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(i64::MIN), "-92233720368547758.08");
    }

    #[test]
    fn rfc3339_matches_the_calendar() {
        for ms in [0, 951_782_400_000, 1_764_490_500_123, 4_102_444_799_999, -86_400_000] {
            let expected = jiff::Timestamp::from_millisecond(ms)
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(rfc3339(ms), expected, "{ms}");
        }
        // Days from year 1 to 9999, across leap years and century rules.
        for day in (-719_162..2_932_896).step_by(97) {
            let ms = day * 86_400_000 + 3_723_000;
            let expected = jiff::Timestamp::from_millisecond(ms)
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(rfc3339(ms), expected);
        }
    }

    #[test]
    fn milliseconds_match_the_order_api() {
        // Every millisecond digit, and days from 1970 to 9999 at odd times of day.
        let mut state: u64 = 7;
        for day in (0..2_932_896).step_by(89) {
            state = state
                .wrapping_mul(6_364_136_223_846_793)
                .wrapping_add(1_442_695_040_888_963);
            let at = day * 86_400_000 + (state >> 33) as i64 % 86_400_000;
            let mut out = Vec::new();
            write_rfc3339_ms(&mut out, at);
            assert_eq!(String::from_utf8(out).unwrap(), kassa_app::orders::iso_time(at), "{at}");
        }
        for at in [0, 1, 10, 999, 1_000, 1_764_490_500_120, 253_402_000_000_999] {
            let mut out = Vec::new();
            write_rfc3339_ms(&mut out, at);
            assert_eq!(String::from_utf8(out).unwrap(), kassa_app::orders::iso_time(at), "{at}");
        }
    }

    #[test]
    fn dates_follow_the_language() {
        // 2026-11-30 08:00 UTC is 09:00 in Stockholm.
        let ms = 1_796_025_600_000;
        assert_eq!(local_date(Lang::En, ms), "30/11/2026");
        assert_eq!(local_date(Lang::Sv, ms), "2026-11-30");
        assert_eq!(local_date(Lang::De, ms), "30.11.2026");
        assert_eq!(local_date(Lang::Nl, ms), "30-11-2026");
        assert_eq!(local_date_time(Lang::Sv, ms), "2026-11-30 09:00");
    }
}
