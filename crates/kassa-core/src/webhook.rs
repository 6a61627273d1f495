//! Signed webhooks: the events a merchant can subscribe to, the `Kassa-Signature` header,
//! the retry schedule, when a failing endpoint is disabled, and which URLs an endpoint may
//! have. Pure rules; sending, storing and resolving names are the other crates' work.
//!
//! # The signature a receiver checks
//!
//! Every delivery carries `Kassa-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is the
//! lowercase hex HMAC-SHA256, keyed with the endpoint's secret, of `"<t>.<raw body>"`. While
//! a rotated secret is still in its grace period both sign: `t=…,v1=<new>,v1=<old>`. A
//! receiver parses the header, computes the HMAC of `t`, a dot and the body exactly as
//! received, compares it in constant time with each `v1`, and refuses a `t` more than five
//! minutes from its own clock (a replayed delivery).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

const MINUTE_MS: i64 = 60 * 1000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How long a delivery is retried, counted from its first attempt; and how long an endpoint
/// may fail without a success in between before it is disabled.
pub const RETRY_WINDOW_MS: i64 = 3 * DAY_MS;
/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_GRACE_MS: i64 = DAY_MS;
/// The receiver's answer kept with each delivery (and shown in the portal).
pub const RESPONSE_KEPT_BYTES: usize = 4096;
/// How old a signature's `t` may be before a receiver should refuse it.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;
/// The longest URL an endpoint may have.
pub const MAX_URL_LEN: usize = 2048;
/// The longest description.
pub const MAX_DESCRIPTION_LEN: usize = 255;
/// Endpoints per store.
pub const MAX_ENDPOINTS: i64 = 16;

macro_rules! event_types {
    ($($variant:ident = $code:literal,)*) => {
        /// What a webhook says happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType {
            $($variant,)*
        }

        impl EventType {
            /// Every event type, in the order the portal lists them (the test event last).
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            pub fn code(self) -> &'static str {
                match self {
                    $(EventType::$variant => $code,)*
                }
            }
        }
    };
}

/// The type of the test event the portal sends on request (to one endpoint, subscribed or not).
pub const TEST_EVENT: &str = "webhook.test";

// `Test` is in `ALL` too; [`subscribable`] leaves it out.
event_types! {
    OrderAuthorized = "order.authorized",
    OrderCaptured = "order.captured",
    OrderRefunded = "order.refunded",
    OrderCancelled = "order.cancelled",
    OrderExpired = "order.expired",
    OrderUpdated = "order.updated",
    DisputeOpened = "dispute.opened",
    DisputeUpdated = "dispute.updated",
    DisputeClosed = "dispute.closed",
    PayoutPaid = "payout.paid",
    Test = "webhook.test",
}

impl EventType {
    /// Every type a delivery can have (the subscribable ones and the test event).
    pub fn parse_any(code: &str) -> Option<EventType> {
        if code == TEST_EVENT {
            return Some(EventType::Test);
        }
        code.parse().ok()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for EventType {
    type Err = String;
    /// A subscribable event type (not the test event).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .iter()
            .copied()
            .filter(|e| *e != EventType::Test)
            .find(|e| e.code() == s)
            .ok_or_else(|| format!("unknown event type {s:?}"))
    }
}

/// The subscribable types (without the test event).
pub fn subscribable() -> impl Iterator<Item = EventType> {
    EventType::ALL.iter().copied().filter(|e| *e != EventType::Test)
}

/// Reads a comma-separated list of event types; an unknown one is named in the error.
/// Duplicates are dropped; the result keeps [`EventType::ALL`]'s order.
pub fn parse_events(list: &str) -> Result<Vec<EventType>, String> {
    let mut chosen = Vec::new();
    for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        chosen.push(code.parse::<EventType>()?);
    }
    Ok(subscribable().filter(|e| chosen.contains(e)).collect())
}

/// How a list of event types is stored: `,a,b,` so that one type is found with
/// `LIKE '%,<type>,%'`.
pub fn stored_events(events: &[EventType]) -> String {
    let codes: Vec<&str> = events.iter().map(|e| e.code()).collect();
    format!(",{},", codes.join(","))
}

/// Reads the stored list back (unknown codes, e.g. of a newer version, are skipped).
pub fn events_from_stored(stored: &str) -> Vec<EventType> {
    let chosen: Vec<&str> = stored.split(',').filter(|c| !c.is_empty()).collect();
    subscribable().filter(|e| chosen.contains(&e.code())).collect()
}

/// The webhook an order's timeline event raises, if any: the life-cycle steps have their own
/// types, any other change of an order after purchase is `order.updated`. Disputes raise
/// their own events (with the dispute as the object), not through the order.
pub fn order_event(kind: crate::timeline::EventKind) -> Option<EventType> {
    use crate::timeline::EventKind as K;
    Some(match kind {
        K::Authorized => EventType::OrderAuthorized,
        K::Captured => EventType::OrderCaptured,
        K::Refunded => EventType::OrderRefunded,
        K::Cancelled => EventType::OrderCancelled,
        K::Expired => EventType::OrderExpired,
        K::Released
        | K::AuthorizationExtended
        | K::AuthorizationUpdated
        | K::CustomerDetailsUpdated
        | K::MerchantReferencesUpdated
        | K::ShippingInfoAdded
        | K::CaptureShippingInfoAdded
        | K::DueDateExtended
        | K::SendOutTriggered => EventType::OrderUpdated,
        K::CheckoutCreated
        | K::CheckoutUpdated
        | K::CheckoutAborted
        | K::Acknowledged
        | K::DisputeOpened
        | K::DisputeClosed => return None,
    })
}

/// Lowercase hex HMAC-SHA256 of `"<t>.<body>"` keyed with `secret`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(64);
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The `Kassa-Signature` header of `body` sent at `t` (Unix seconds), signed with each of
/// `secrets` (the current one first, then the previous one during its grace period).
pub fn signature_header(t: i64, body: &[u8], secrets: &[&str]) -> String {
    let mut header = format!("t={t}");
    for s in secrets {
        header.push_str(",v1=");
        header.push_str(&sign(s, t, body));
    }
    header
}

/// The secrets that sign at `now`: the current one, and the previous one until its grace
/// period ends.
pub fn signing_secrets<'a>(
    secret: &'a str,
    previous: Option<&'a str>,
    previous_until: Option<i64>,
    now: i64,
) -> Vec<&'a str> {
    let mut out = vec![secret];
    if let (Some(p), Some(until)) = (previous, previous_until) {
        if now < until {
            out.push(p);
        }
    }
    out
}

/// The wait before retry number `n` (1 for the first retry): a minute, doubling each time,
/// at most 8 hours.
pub fn backoff(n: i64) -> i64 {
    let n = n.clamp(1, 20);
    (MINUTE_MS << (n - 1)).min(8 * HOUR_MS)
}

/// When a delivery that failed its `attempts`-th attempt at `now` is tried again: after
/// [`backoff`], but never later than 3 days after its first attempt, which is its last
/// try. `None` once that last try has failed.
pub fn retry_at(first_attempt_at: i64, attempts: i64, now: i64) -> Option<i64> {
    let last = first_attempt_at + RETRY_WINDOW_MS;
    if now >= last {
        return None;
    }
    Some((now + backoff(attempts)).min(last))
}

/// Whether an endpoint that has failed without a success since `failing_since` is to be
/// disabled at `now`.
pub fn should_disable(failing_since: i64, now: i64) -> bool {
    now - failing_since >= RETRY_WINDOW_MS
}

/// Why a URL cannot be an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("enter an absolute http or https URL")]
    Malformed,
    #[error("the URL must start with https://")]
    HttpsRequired,
    #[error("the URL is longer than 2048 characters")]
    TooLong,
    #[error("the URL must not contain a user name or password")]
    Credentials,
    #[error("the address is private, loopback, link-local or otherwise not public")]
    PrivateAddress,
    #[error("the host name could not be resolved")]
    Unresolvable,
}

/// The parts of an endpoint URL that matter for where it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    pub https: bool,
    /// The host as written (brackets removed from an IPv6 literal), lowercased.
    pub host: String,
    pub port: u16,
    /// The host when it is an IP literal.
    pub ip: Option<IpAddr>,
}

/// Checks an endpoint URL's form: `http` or `https` (https only, unless private addresses
/// are allowed — the operator's development setting), a host, no credentials, no
/// whitespace, at most 2048 characters; and, for an IP literal, that it is public (unless
/// allowed). Names are resolved and checked by the caller, again at every connection.
pub fn check_url(url: &str, allow_private: bool) -> Result<EndpointUrl, UrlProblem> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlProblem::TooLong);
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlProblem::Malformed);
    }
    let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "https://") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ignore_case(url, "http://") {
        (false, rest)
    } else {
        return Err(UrlProblem::Malformed);
    };
    if !https && !allow_private {
        return Err(UrlProblem::HttpsRequired);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(UrlProblem::Credentials);
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or(UrlProblem::Malformed)?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlProblem::Malformed)?),
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or(UrlProblem::Malformed)?,
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))
    {
        return Err(UrlProblem::Malformed);
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_none() && host.contains(':') {
        return Err(UrlProblem::Malformed);
    }
    if let Some(ip) = ip {
        if !allow_private && !is_public(ip) {
            return Err(UrlProblem::PrivateAddress);
        }
    }
    Ok(EndpointUrl { https, host, port, ip })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// Whether Kassa may connect to `ip` for a webhook: not loopback, private (10/8,
/// 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10, which holds the
/// cloud metadata address 169.254.169.254), shared CGNAT space (100.64/10), unspecified,
/// multicast, broadcast, documentation or reserved ranges, nor an IPv6 address that wraps
/// one of those (IPv4-mapped, NAT64, 6to4) — the AWS IPv6 metadata address fd00:ec2::254
/// is in fc00::/7.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240) // reserved 240/4
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway reaches.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (holds fd00:ec2::254)
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible ::/96
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::EventKind;

    #[test]
    fn event_codes_read_back_and_test_is_not_subscribable() {
        for e in subscribable() {
            assert_eq!(e.code().parse::<EventType>(), Ok(e));
        }
        assert_eq!(subscribable().count(), 10);
        assert!(TEST_EVENT.parse::<EventType>().is_err());
        assert_eq!(EventType::parse_any(TEST_EVENT), Some(EventType::Test));
        let events = parse_events("order.refunded, order.captured,order.captured").unwrap();
        assert_eq!(events, [EventType::OrderCaptured, EventType::OrderRefunded]);
        assert_eq!(stored_events(&events), ",order.captured,order.refunded,");
        assert_eq!(events_from_stored(",order.captured,order.refunded,"), events);
        assert!(parse_events("order.captured,order.teleported")
            .unwrap_err()
            .contains("order.teleported"));
    }

    #[test]
    fn every_timeline_kind_is_decided() {
        assert_eq!(order_event(EventKind::Captured), Some(EventType::OrderCaptured));
        assert_eq!(order_event(EventKind::Released), Some(EventType::OrderUpdated));
        assert_eq!(
            order_event(EventKind::MerchantReferencesUpdated),
            Some(EventType::OrderUpdated)
        );
        assert_eq!(order_event(EventKind::CheckoutCreated), None);
        assert_eq!(order_event(EventKind::DisputeOpened), None);
    }

    #[test]
    fn signature_matches_a_known_hmac() {
        // The primitive, on RFC 4231 test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            expected,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_x").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let direct: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sign("whsec_x", 1_700_000_000, b"{\"a\":1}"), direct);
        assert_ne!(sign("whsec_x", 1_700_000_001, b"{\"a\":1}"), direct, "t is signed");
        assert_ne!(sign("whsec_y", 1_700_000_000, b"{\"a\":1}"), direct, "the key matters");
    }

    #[test]
    fn rotation_signs_with_both_secrets_during_grace() {
        let body = b"{}";
        assert_eq!(signing_secrets("new", Some("old"), Some(100), 99), ["new", "old"]);
        assert_eq!(signing_secrets("new", Some("old"), Some(100), 100), ["new"]);
        assert_eq!(signing_secrets("new", None, None, 0), ["new"]);
        let h = signature_header(7, body, &["new", "old"]);
        assert_eq!(
            h,
            format!("t=7,v1={},v1={}", sign("new", 7, body), sign("old", 7, body))
        );
    }

    #[test]
    fn retries_back_off_for_three_days_then_stop() {
        assert_eq!(backoff(1), MINUTE_MS);
        assert_eq!(backoff(2), 2 * MINUTE_MS);
        assert_eq!(backoff(10), 8 * HOUR_MS, "capped");
        let first = 1_000;
        let mut now = first;
        let mut attempts = 1;
        let mut waits = Vec::new();
        while let Some(next) = retry_at(first, attempts, now) {
            assert!(next > now);
            waits.push(next - now);
            now = next;
            attempts += 1;
        }
        assert_eq!(now, first + RETRY_WINDOW_MS, "the last try is at exactly 3 days");
        assert!(waits.windows(2).take(8).all(|w| w[1] == 2 * w[0]), "{waits:?}");
        assert!((15..=25).contains(&attempts), "{attempts} attempts");
        assert!(should_disable(first, now), "failing since the first try for 3 days");
        assert!(!should_disable(first + 1, now));
    }

    #[test]
    fn urls_must_be_http_and_public() {
        let ok = check_url("https://shop.example.com/hooks?x=1", false).unwrap();
        assert_eq!(
            (ok.https, ok.host.as_str(), ok.port, ok.ip),
            (true, "shop.example.com", 443, None)
        );
        assert_eq!(check_url("https://shop.example.com:8443/", false).unwrap().port, 8443);
        assert_eq!(
            check_url("http://shop.example.com/", false),
            Err(UrlProblem::HttpsRequired)
        );
        assert!(check_url("http://shop.example.com/", true).is_ok());
        assert_eq!(check_url("ftp://x.example/", true), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https://u:p@x.example/", true), Err(UrlProblem::Credentials));
        assert_eq!(check_url("https:// x.example/", true), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https:///path", true), Err(UrlProblem::Malformed));
        assert_eq!(check_url("https://x.example:0/", true), Err(UrlProblem::Malformed));
        assert_eq!(
            check_url(&format!("https://x.example/{}", "a".repeat(2100)), true),
            Err(UrlProblem::TooLong)
        );
        for bad in [
            "https://127.0.0.1/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://224.0.0.1/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[2002:a00:1::]/",
            "https://[::]/",
        ] {
            assert_eq!(check_url(bad, false), Err(UrlProblem::PrivateAddress), "{bad}");
            assert!(check_url(bad, true).is_ok(), "{bad} allowed by configuration");
        }
        for good in [
            "https://93.184.216.34/",
            "https://[2606:4700::1111]/",
            "https://8.8.8.8:8443/x",
        ] {
            assert!(check_url(good, false).is_ok(), "{good}");
        }
    }
}
