//! Query parameters of the Settlements API, read strictly: a value that is present but
//! malformed is a 400 `BAD_VALUE` naming the parameter, never silently ignored.

use super::error::ApiError;

/// Largest `size` of a page (the spec's maximum).
pub const MAX_SIZE: i64 = 500;
/// Default `size`.
pub const DEFAULT_SIZE: i64 = 20;
/// Largest `offset` taken (far beyond any store's payouts; keeps the arithmetic exact).
const MAX_OFFSET: i64 = 1_000_000_000_000;

/// The decoded query string.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Result<Params, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| ApiError::bad_value("Bad value: the query string is not valid (percent-encoded UTF-8)"))?;
        if pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(ApiError::bad_value(
                "Bad value: the query must not contain the NUL character",
            ));
        }
        Ok(Params(pairs))
    }

    /// The value of `name`; a parameter given twice with different values is refused.
    pub fn get(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let first = values.next();
        if values.any(|v| Some(v) != first) {
            return Err(ApiError::bad_value(format!("Bad value: {name} (given more than once)")));
        }
        Ok(first)
    }

    /// A text parameter: 1 to 255 characters when present.
    pub fn text(&self, name: &str, required: bool) -> Result<Option<String>, ApiError> {
        match self.get(name)? {
            None if required => Err(ApiError::bad_value(format!("Bad value: {name} (required)"))),
            None => Ok(None),
            Some(v) if v.is_empty() || v.chars().count() > 255 => {
                Err(ApiError::bad_value(format!("Bad value: {name} (1 to 255 characters)")))
            }
            Some(v) => Ok(Some(v.to_owned())),
        }
    }

    /// A whole number in `[min, max]`, `default` when absent.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
        match self.get(name)? {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| ApiError::bad_value(format!("Bad value: {name} (a whole number from {min} to {max})"))),
        }
    }

    pub fn size(&self) -> Result<i64, ApiError> {
        self.int("size", DEFAULT_SIZE, 1, MAX_SIZE)
    }

    pub fn offset(&self) -> Result<i64, ApiError> {
        self.int("offset", 0, 0, MAX_OFFSET)
    }

    /// An ISO 8601 date-time (`2020-01-23T00:00:00Z`, any offset) or a bare date, which
    /// means 00:00:00 UTC of that day; in Unix milliseconds.
    pub fn date(&self, name: &str, required: bool) -> Result<Option<i64>, ApiError> {
        match self.get(name)? {
            None if required => Err(ApiError::bad_value(format!(
                "Bad value: {name} (required: an ISO 8601 date-time such as 2020-01-23T00:00:00Z)"
            ))),
            None => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                ApiError::bad_value(format!(
                    "Bad value: {name} (an ISO 8601 date-time such as 2020-01-23T00:00:00Z, or a date such as 2020-01-23)"
                ))
            }),
        }
    }

    /// `start_date` and `end_date` as a range `[from, to)`: the end date is included, to
    /// the millisecond.
    pub fn range(&self, required: bool) -> Result<(Option<i64>, Option<i64>), ApiError> {
        let from = self.date("start_date", required)?;
        let end = self.date("end_date", required)?;
        if let (Some(f), Some(e)) = (from, end) {
            if f > e {
                return Err(ApiError::bad_value("Bad value: end_date (before start_date)"));
            }
        }
        Ok((from, end.map(|e| e + 1)))
    }

    /// `currency_code`: three letters, ISO 4217.
    pub fn currency(&self) -> Result<Option<String>, ApiError> {
        match self.get("currency_code")? {
            None => Ok(None),
            Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => Ok(Some(c.to_ascii_uppercase())),
            Some(_) => Err(ApiError::bad_value(
                "Bad value: currency_code (an ISO 4217 currency code such as SEK or EUR)",
            )),
        }
    }
}

/// Unix milliseconds of an ISO 8601 date-time or date. A `+` of an offset that arrived as a
/// space (an unencoded `+` in a query) is read as `+`.
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let parse = |t: &str| -> Option<i64> {
        if let Ok(ts) = t.parse::<jiff::Timestamp>() {
            return Some(ts.as_millisecond());
        }
        if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
            return dt
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp().as_millisecond());
        }
        // Only a date proper: jiff would also read a date-time's date part.
        if t.len() == 10 {
            if let Ok(d) = t.parse::<jiff::civil::Date>() {
                return d
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()
                    .map(|z| z.timestamp().as_millisecond());
            }
        }
        None
    };
    parse(text).or_else(|| text.contains(' ').then(|| parse(&text.replace(' ', "+"))).flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_the_spec_says() {
        let day = 1_579_737_600_000; // 2020-01-23T00:00:00Z
        assert_eq!(parse_date("2020-01-23"), Some(day));
        assert_eq!(parse_date("2020-01-23T00:00:00Z"), Some(day));
        assert_eq!(parse_date("2020-01-23T01:00:00+01:00"), Some(day));
        assert_eq!(parse_date("2020-01-23T01:00:00 01:00"), Some(day));
        assert_eq!(parse_date("2020-01-23T00:00:00"), Some(day));
        assert_eq!(parse_date("2020-01-23T23:59:59.999Z"), Some(day + 86_399_999));
        for bad in ["", "yesterday", "2020-13-01", "2020-01-23Tnoon", "23/01/2020"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn parameters_are_checked() {
        let p = Params::parse(Some(
            "size=501&offset=-1&currency_code=sek&start_date=2020-01-02&end_date=2020-01-01",
        ))
        .unwrap();
        assert_eq!(p.size().unwrap_err().code, "BAD_VALUE");
        assert!(p.offset().is_err());
        assert_eq!(p.currency().unwrap(), Some("SEK".into()));
        assert!(p.range(false).is_err());
        let p = Params::parse(Some("size=5&size=6")).unwrap();
        assert!(p.size().is_err());
        let p = Params::parse(None).unwrap();
        assert_eq!((p.size().unwrap(), p.offset().unwrap()), (20, 0));
        assert!(p.range(true).is_err());
        assert_eq!(p.range(false).unwrap(), (None, None));
    }
}
