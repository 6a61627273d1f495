//! Days as people enter them (YYYY-MM-DD, in their timezone) and the instants Kassa stores.

fn zone(timezone: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// The day `ms` falls on in `timezone`, as YYYY-MM-DD.
pub fn format_date(ms: i64, timezone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    ts.to_zoned(zone(timezone)).strftime("%Y-%m-%d").to_string()
}

/// The start of `date` (YYYY-MM-DD) in `timezone`, in milliseconds.
pub fn day_start(date: &str, timezone: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    Some(date.to_zoned(zone(timezone)).ok()?.timestamp().as_millisecond())
}

/// The end of `date`: an external user invited "until 2027-03-31" keeps access through
/// that whole day in the inviter's timezone.
pub fn day_end(date: &str, timezone: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let next = date.tomorrow().ok()?;
    Some(next.to_zoned(zone(timezone)).ok()?.timestamp().as_millisecond())
}

/// The day an expiry at `ms` (exclusive end) falls on, as entered.
pub fn expiry_date(ms: i64, timezone: &str) -> String {
    format_date(ms - 1, timezone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates_cover_the_whole_day() {
        let end = day_end("2027-03-31", "Europe/Stockholm").unwrap();
        assert_eq!(expiry_date(end, "Europe/Stockholm"), "2027-03-31");
        assert_eq!(
            end - day_start("2027-03-31", "Europe/Stockholm").unwrap(),
            24 * 3600 * 1000
        );
        assert!(day_end("31/03/2027", "UTC").is_none());
    }
}
