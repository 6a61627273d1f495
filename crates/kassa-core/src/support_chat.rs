//! Live support chat: a conversation's states, what a message may contain and how it is
//! shown, and the provider's opening hours. Pure rules, no I/O.
//!
//! A conversation starts `waiting` (in the agents' queue), is `claimed` by one support
//! agent (who may hand it to another: a transfer), and ends `closed`. A message is plain
//! text; shown as HTML it is escaped, and only `http://` and `https://` addresses become
//! links (`rel="noopener noreferrer nofollow"`, a new tab).

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;
use std::str::FromStr;

/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// How many messages one user may send per minute (all their conversations together).
pub const MESSAGES_PER_MINUTE: i64 = 20;
/// The length of a rate-limit window.
pub const RATE_WINDOW_MS: i64 = 60_000;
/// The longest client-generated message id (de-duplication key).
pub const MAX_CLIENT_ID_CHARS: usize = 64;

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationState {
    /// In the queue: no agent has taken it yet.
    Waiting,
    /// An agent answers it.
    Claimed,
    /// Over; its transcript stays readable and searchable.
    Closed,
}

impl ConversationState {
    pub const ALL: [ConversationState; 3] = [
        ConversationState::Waiting,
        ConversationState::Claimed,
        ConversationState::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ConversationState::Waiting => "waiting",
            ConversationState::Claimed => "claimed",
            ConversationState::Closed => "closed",
        }
    }

    pub fn is_open(self) -> bool {
        self != ConversationState::Closed
    }
}

impl fmt::Display for ConversationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown conversation state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for ConversationState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "waiting" => Ok(ConversationState::Waiting),
            "claimed" => Ok(ConversationState::Claimed),
            "closed" => Ok(ConversationState::Closed),
            other => Err(UnknownState(other.to_owned())),
        }
    }
}

impl TryFrom<String> for ConversationState {
    type Error = UnknownState;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Why a chat step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChatRefusal {
    #[error("the conversation is closed")]
    Closed,
    #[error("another agent has claimed the conversation")]
    ClaimedByOther,
    #[error("the conversation is already yours")]
    AlreadyYours,
    #[error("the conversation is not claimed by you")]
    NotYours,
    #[error("the conversation is handed to the agent who already has it")]
    SameAgent,
    #[error("too many messages; wait a minute")]
    RateLimited,
}

/// A conversation as the transition rules see it: its state and its agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversation {
    pub state: ConversationState,
    pub agent: Option<i64>,
}

impl Conversation {
    /// `agent` takes the conversation: from the queue, or back from nobody. An agent may
    /// not take one another agent has (that is a transfer, which the holder makes).
    pub fn claim(self, agent: i64) -> Result<Conversation, ChatRefusal> {
        match (self.state, self.agent) {
            (ConversationState::Closed, _) => Err(ChatRefusal::Closed),
            (ConversationState::Claimed, Some(a)) if a == agent => Err(ChatRefusal::AlreadyYours),
            (ConversationState::Claimed, Some(_)) => Err(ChatRefusal::ClaimedByOther),
            _ => Ok(Conversation {
                state: ConversationState::Claimed,
                agent: Some(agent),
            }),
        }
    }

    /// `by` hands the conversation to agent `to`. Only its holder transfers it; a
    /// waiting conversation may be assigned by any agent.
    pub fn transfer(self, by: i64, to: i64) -> Result<Conversation, ChatRefusal> {
        match (self.state, self.agent) {
            (ConversationState::Closed, _) => Err(ChatRefusal::Closed),
            (_, Some(a)) if a == to => Err(ChatRefusal::SameAgent),
            (ConversationState::Claimed, Some(a)) if a != by => Err(ChatRefusal::NotYours),
            _ => Ok(Conversation {
                state: ConversationState::Claimed,
                agent: Some(to),
            }),
        }
    }

    /// An agent answers: they must hold the conversation (a reply to a waiting one claims
    /// it first, see [`Conversation::reply`]).
    pub fn reply(self, agent: i64) -> Result<Conversation, ChatRefusal> {
        match (self.state, self.agent) {
            (ConversationState::Closed, _) => Err(ChatRefusal::Closed),
            (ConversationState::Waiting, _) => self.claim(agent),
            (ConversationState::Claimed, Some(a)) if a == agent => Ok(self),
            _ => Err(ChatRefusal::ClaimedByOther),
        }
    }

    /// The merchant user writes: any open conversation.
    pub fn user_writes(self) -> Result<Conversation, ChatRefusal> {
        if self.state.is_open() {
            Ok(self)
        } else {
            Err(ChatRefusal::Closed)
        }
    }

    /// The conversation ends: by its user, by its agent, or by any agent while waiting.
    pub fn close_by_agent(self, agent: i64) -> Result<Conversation, ChatRefusal> {
        match (self.state, self.agent) {
            (ConversationState::Closed, _) => Err(ChatRefusal::Closed),
            (ConversationState::Claimed, Some(a)) if a != agent => Err(ChatRefusal::NotYours),
            _ => Ok(Conversation {
                state: ConversationState::Closed,
                agent: self.agent,
            }),
        }
    }

    pub fn close_by_user(self) -> Result<Conversation, ChatRefusal> {
        if self.state.is_open() {
            Ok(Conversation {
                state: ConversationState::Closed,
                agent: self.agent,
            })
        } else {
            Err(ChatRefusal::Closed)
        }
    }
}

/// What is wrong with a message's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MessageProblem {
    #[error("the message is empty")]
    Empty,
    #[error("the message is longer than {MAX_MESSAGE_CHARS} characters")]
    TooLong,
    #[error("the message contains control characters")]
    ControlCharacters,
}

/// The text to store: line ends made `\n`, surrounding blank space trimmed; refused when
/// empty, too long or holding control characters other than line breaks and tabs.
pub fn check_message(body: &str) -> Result<String, MessageProblem> {
    let text = body.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(MessageProblem::Empty);
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(MessageProblem::TooLong);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(MessageProblem::ControlCharacters);
    }
    Ok(text.to_owned())
}

/// Whether a client id is acceptable: 1–64 characters of `[A-Za-z0-9_-]`.
pub fn valid_client_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
}

/// Characters that end an address: space, quotes, angle brackets and the like.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\'' | '`' | '{' | '}' | '|' | '\\' | '^')
}

/// Where an `http://` or `https://` address starts at byte `i` of `text` (not inside a
/// word), the length of the address: up to the first character that ends an address,
/// without trailing punctuation, and with a host after the scheme.
fn url_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let lower: String = rest.chars().take(8).collect::<String>().to_ascii_lowercase();
    let scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    let mut end = rest.find(ends_url).unwrap_or(rest.len());
    // A sentence's full stop, comma or closing bracket is not part of the address.
    while end > scheme {
        let last = rest[..end].chars().next_back().unwrap_or(' ');
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']') {
            end -= last.len_utf8();
        } else {
            break;
        }
    }
    let host = &rest[scheme..end];
    let host_char = host.chars().next()?;
    if !(host_char.is_alphanumeric() || host_char == '[') {
        return None;
    }
    Some(end)
}

/// A message as HTML: every character escaped, line breaks as `<br>`, and `http(s)`
/// addresses as links that open in a new tab without telling the target who linked.
/// Nothing else (no other scheme, no markup) becomes active.
pub fn message_html(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    let mut plain_from = 0;
    let mut i = 0;
    while i < body.len() {
        if let Some(len) = url_at(body, i) {
            escape_into(&mut out, &body[plain_from..i]);
            let url = &body[i..i + len];
            out.push_str("<a href=\"");
            escape_into(&mut out, url);
            out.push_str("\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">");
            escape_into(&mut out, url);
            out.push_str("</a>");
            i += len;
            plain_from = i;
        } else {
            i += body[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        }
    }
    escape_into(&mut out, &body[plain_from..]);
    out
}

/// The provider's weekly opening hours in one timezone.
#[derive(Debug, Clone, PartialEq)]
pub struct OpeningHours {
    pub timezone: String,
    tz: TimeZone,
    /// Monday first; each day's open intervals as minutes after midnight, `[start, end)`.
    days: [Vec<(u16, u16)>; 7],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursProblem {
    #[error("unknown timezone {0:?}")]
    Timezone(String),
    #[error("cannot read {0:?}; write e.g. \"mon-fri 08:00-17:00, sat 10:00-14:00\"")]
    Syntax(String),
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(s: &str) -> Option<usize> {
    let s = s.to_ascii_lowercase();
    DAY_NAMES.iter().position(|d| s.starts_with(d) && s.len() >= 3)
}

fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u16, u16) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

impl OpeningHours {
    /// Reads a schedule: `always`, `closed`, or comma- or semicolon-separated entries
    /// `DAYS HH:MM-HH:MM`, where DAYS is a day (`mon`) or a range (`mon-fri`, `sat-sun`).
    /// An interval may end at `24:00`; one that ends before it starts runs past midnight.
    pub fn parse(timezone: &str, spec: &str) -> Result<OpeningHours, HoursProblem> {
        let tz = TimeZone::get(timezone).map_err(|_| HoursProblem::Timezone(timezone.to_owned()))?;
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("always") {
            for d in &mut days {
                d.push((0, 24 * 60));
            }
        } else if !spec.is_empty() && !spec.eq_ignore_ascii_case("closed") {
            for entry in spec.split([',', ';']).map(str::trim).filter(|e| !e.is_empty()) {
                let bad = || HoursProblem::Syntax(entry.to_owned());
                let (which, times) = entry.split_once(char::is_whitespace).ok_or_else(bad)?;
                let (from_day, to_day) = match which.split_once('-') {
                    Some((a, b)) => (day_index(a).ok_or_else(bad)?, day_index(b).ok_or_else(bad)?),
                    None => {
                        let d = day_index(which).ok_or_else(bad)?;
                        (d, d)
                    }
                };
                let (start, end) = times.trim().split_once('-').ok_or_else(bad)?;
                let (start, end) = (minutes(start).ok_or_else(bad)?, minutes(end).ok_or_else(bad)?);
                if start == end || start == 24 * 60 {
                    return Err(bad());
                }
                let mut d = from_day;
                loop {
                    if start < end {
                        days[d].push((start, end));
                    } else {
                        // Past midnight: the rest of this day and the start of the next.
                        days[d].push((start, 24 * 60));
                        days[(d + 1) % 7].push((0, end));
                    }
                    if d == to_day {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
        }
        Ok(OpeningHours {
            timezone: timezone.to_owned(),
            tz,
            days,
        })
    }

    /// Whether support is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.tz.clone());
        let day = match local.weekday() {
            Weekday::Monday => 0,
            Weekday::Tuesday => 1,
            Weekday::Wednesday => 2,
            Weekday::Thursday => 3,
            Weekday::Friday => 4,
            Weekday::Saturday => 5,
            Weekday::Sunday => 6,
        };
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.days[day].iter().any(|(s, e)| *s <= minute && minute < *e)
    }

    /// Whether the schedule never opens.
    pub fn never_open(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn claim_transfer_reply_close() {
        let waiting = Conversation {
            state: ConversationState::Waiting,
            agent: None,
        };
        let mine = waiting.claim(1).unwrap();
        assert_eq!(mine.state, ConversationState::Claimed);
        assert_eq!(mine.agent, Some(1));
        assert_eq!(mine.claim(1), Err(ChatRefusal::AlreadyYours));
        assert_eq!(mine.claim(2), Err(ChatRefusal::ClaimedByOther));
        assert_eq!(mine.reply(2), Err(ChatRefusal::ClaimedByOther));
        assert_eq!(mine.reply(1), Ok(mine));
        assert_eq!(waiting.reply(3).unwrap().agent, Some(3));
        assert_eq!(mine.transfer(2, 3), Err(ChatRefusal::NotYours));
        assert_eq!(mine.transfer(1, 1), Err(ChatRefusal::SameAgent));
        let theirs = mine.transfer(1, 2).unwrap();
        assert_eq!(theirs.agent, Some(2));
        assert_eq!(theirs.close_by_agent(1), Err(ChatRefusal::NotYours));
        let closed = theirs.close_by_agent(2).unwrap();
        assert_eq!(closed.state, ConversationState::Closed);
        assert_eq!(closed.claim(1), Err(ChatRefusal::Closed));
        assert_eq!(closed.user_writes(), Err(ChatRefusal::Closed));
        assert_eq!(closed.close_by_user(), Err(ChatRefusal::Closed));
        assert_eq!(closed.transfer(2, 1), Err(ChatRefusal::Closed));
        assert!(waiting.close_by_user().is_ok());
        assert!(waiting.close_by_agent(9).is_ok());
        for s in [
            ConversationState::Waiting,
            ConversationState::Claimed,
            ConversationState::Closed,
        ] {
            assert_eq!(s.code().parse::<ConversationState>(), Ok(s));
        }
        assert!("open".parse::<ConversationState>().is_err());
    }

    #[test]
    fn messages_are_checked() {
        assert_eq!(check_message("  hello \r\n world  "), Ok("hello \n world".to_owned()));
        assert_eq!(check_message(" \n\t "), Err(MessageProblem::Empty));
        assert_eq!(check_message(&"a".repeat(MAX_MESSAGE_CHARS)).map(|s| s.len()), Ok(4000));
        assert_eq!(
            check_message(&"ä".repeat(MAX_MESSAGE_CHARS + 1)),
            Err(MessageProblem::TooLong)
        );
        assert_eq!(check_message("a\0b"), Err(MessageProblem::ControlCharacters));
        assert_eq!(check_message("a\u{1b}[31mb"), Err(MessageProblem::ControlCharacters));
        assert!(valid_client_id("c-1a2b_3"));
        assert!(!valid_client_id(""));
        assert!(!valid_client_id("a b"));
        assert!(!valid_client_id("<x>"));
        assert!(!valid_client_id(&"a".repeat(65)));
    }

    #[test]
    fn html_is_escaped_and_only_http_links_are_made() {
        assert_eq!(
            message_html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(
            message_html("see https://example.com/a?b=1&c=2."),
            "see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\" \
             target=\"_blank\">https://example.com/a?b=1&amp;c=2</a>."
        );
        assert_eq!(
            message_html("HTTP://Example.com"),
            "<a href=\"HTTP://Example.com\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">HTTP://Example.com</a>"
        );
        // Other schemes stay text.
        for hostile in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "vbscript:msgbox",
            "ftp://example.com",
            "xhttp://example.com",
            "http://",
            "https:///evil",
            "http://\"onmouseover=alert(1)",
        ] {
            let html = message_html(hostile);
            assert!(!html.contains("<a"), "{hostile} -> {html}");
        }
        // A quote or angle bracket ends the address: no attribute can be injected.
        let html = message_html("http://a.example/\"onmouseover=\"alert(1)");
        assert_eq!(
            html,
            "<a href=\"http://a.example/\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">\
             http://a.example/</a>&quot;onmouseover=&quot;alert(1)"
        );
        let html = message_html("https://x.example/<img src=x onerror=alert(1)>");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<img"));
        // Line breaks, unicode and two links.
        assert_eq!(
            message_html("hej\nhttps://a.se (https://b.se)"),
            "hej<br><a href=\"https://a.se\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://a.se</a> \
             (<a href=\"https://b.se\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">https://b.se</a>)"
        );
        assert_eq!(message_html("åäö 😀"), "åäö 😀");
        // No tag survives in any generated HTML except <a> and <br>.
        let nasty = "<svg onload=alert(1)>https://ok.example/'><iframe>";
        let html = message_html(nasty);
        assert!(!html.contains("<svg") && !html.contains("<iframe") && !html.contains("'>"));
    }

    #[test]
    fn opening_hours_in_stockholm() {
        let h = OpeningHours::parse("Europe/Stockholm", "mon-fri 08:00-17:00, sat 10:00-14:00").unwrap();
        // Monday 2026-11-30: Stockholm is UTC+1 in winter.
        assert!(!h.is_open(at("2026-11-30T06:59:00Z")));
        assert!(h.is_open(at("2026-11-30T07:00:00Z")));
        assert!(h.is_open(at("2026-11-30T15:59:00Z")));
        assert!(!h.is_open(at("2026-11-30T16:00:00Z")));
        // Saturday 2026-12-05, Sunday 2026-12-06.
        assert!(h.is_open(at("2026-12-05T09:30:00Z")));
        assert!(!h.is_open(at("2026-12-05T13:00:00Z")));
        assert!(!h.is_open(at("2026-12-06T10:00:00Z")));
        // Summer time (UTC+2): Monday 2026-06-01 at 07:30 local is 05:30 UTC.
        assert!(!h.is_open(at("2026-06-01T05:30:00Z")));
        assert!(h.is_open(at("2026-06-01T06:30:00Z")));
        // Past midnight, always, closed.
        let night = OpeningHours::parse("Europe/Stockholm", "fri 22:00-02:00").unwrap();
        assert!(night.is_open(at("2026-12-04T21:30:00Z")));
        assert!(night.is_open(at("2026-12-05T00:30:00Z")));
        assert!(!night.is_open(at("2026-12-05T01:30:00Z")));
        let always = OpeningHours::parse("UTC", "always").unwrap();
        assert!(always.is_open(at("2026-12-06T23:59:59Z")));
        let closed = OpeningHours::parse("UTC", "closed").unwrap();
        assert!(closed.never_open());
        assert!(!closed.is_open(at("2026-12-01T12:00:00Z")));
        let late = OpeningHours::parse("UTC", "sun 20:00-24:00").unwrap();
        assert!(late.is_open(at("2026-12-06T23:59:00Z")));
        assert!(!late.is_open(at("2026-12-07T00:00:00Z")));
        for bad in [
            "mon 8-17",
            "funday 08:00-17:00",
            "mon 08:00-25:00",
            "mon 08:00-08:00",
            "mon",
        ] {
            assert!(OpeningHours::parse("UTC", bad).is_err(), "{bad}");
        }
        assert!(matches!(
            OpeningHours::parse("Mars/Olympus", "always"),
            Err(HoursProblem::Timezone(_))
        ));
    }
}
