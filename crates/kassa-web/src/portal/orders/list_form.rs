//! What the order list's filter form shows and says: every filter in force visible in the
//! form (also those a Home link set), a sentence for each value that cannot be used instead
//! of silently dropping it, and where in the result the page is (count, previous page).

use super::*;

/// The status filter Home's "uncaptured" figure links to.
const UNCAPTURED: &str = "AUTHORIZED,PART_CAPTURED";

/// Windows the "authorization expires" filter offers, in days.
const EXPIRING_CHOICES: &[i64] = &[1, 3, 7, 14, 30];

/// Cursors of earlier pages kept in the link (enough for 10,000 orders back).
const TRAIL_MAX: usize = 200;

/// One option of a filter's select: value, label, selected.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn status_set(text: &str) -> Vec<&str> {
    let mut set: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// The status select: any, not yet captured (Home's link), each status, and any other
/// combination that came in a link, so the form always shows what filters the list.
pub fn status_choices(chosen: &str, lang: Lang) -> Vec<Choice> {
    let chosen_set = status_set(chosen);
    let mut out = vec![Choice {
        value: UNCAPTURED.into(),
        label: lang.t("orders-status-uncaptured"),
        selected: chosen_set == status_set(UNCAPTURED),
    }];
    out.extend(Status::ALL.iter().map(|s| Choice {
        value: s.code().into(),
        label: lang.t(&status_key(s.code())),
        selected: chosen_set == [s.code()],
    }));
    let valid = chosen_set.iter().all(|s| s.parse::<Status>().is_ok());
    if !chosen_set.is_empty() && valid && !out.iter().any(|c| c.selected) {
        out.push(Choice {
            value: chosen_set.join(","),
            label: chosen_set
                .iter()
                .map(|s| lang.t(&status_key(s)))
                .collect::<Vec<_>>()
                .join(", "),
            selected: true,
        });
    }
    out
}

/// The "authorization expires within" select, with a window from a link added if it is not
/// one of the usual ones.
pub fn expiring_choices(chosen: &str, lang: Lang) -> Vec<Choice> {
    let chosen = chosen.trim().parse::<i64>().ok().filter(|d| (1..=90).contains(d));
    let mut days: Vec<i64> = EXPIRING_CHOICES.to_vec();
    if let Some(d) = chosen.filter(|d| !days.contains(d)) {
        days.push(d);
        days.sort_unstable();
    }
    days.into_iter()
        .map(|d| Choice {
            value: d.to_string(),
            label: lang.t_args("orders-expiring-within", &[("days", d.to_string())]),
            selected: chosen == Some(d),
        })
        .collect()
}

/// Which filter fields hold a value that cannot be used, and why, in the user's language.
pub struct Problems {
    pub messages: Vec<String>,
    pub fields: Vec<&'static str>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains(&field)
    }

    fn add(&mut self, field: &'static str, message: String) {
        self.fields.push(field);
        self.messages.push(message);
    }
}

impl ListQuery {
    /// Every value that would be ignored if the list ran: a date or amount that cannot be
    /// read, a range the wrong way round, an unknown status, method or window.
    pub fn problems(&self, lang: Lang, timezone: &str) -> Problems {
        let mut p = Problems {
            messages: Vec::new(),
            fields: Vec::new(),
        };
        let label = |key: &str| lang.t(key);
        let dates = [("from", "orders-from", &self.from), ("to", "orders-to", &self.to)];
        for (field, key, value) in dates {
            if !value.trim().is_empty() && day_start(value, timezone).is_none() {
                let args = [("field", label(key)), ("value", value.trim().to_owned())];
                p.add(field, lang.t_args("orders-invalid-date", &args));
            }
        }
        if let (Some(from), Some(to)) = (day_start(&self.from, timezone), day_start(&self.to, timezone)) {
            if from > to {
                p.add("to", lang.t("orders-invalid-date-order"));
            }
        }
        let amounts = [("min", "orders-min", &self.min), ("max", "orders-max", &self.max)];
        for (field, key, value) in amounts {
            if !value.trim().is_empty() && parse_major(value).is_none() {
                let args = [("field", label(key)), ("value", value.trim().to_owned())];
                p.add(field, lang.t_args("orders-invalid-amount", &args));
            }
        }
        if let (Some(min), Some(max)) = (parse_major(&self.min), parse_major(&self.max)) {
            if min > max {
                p.add("max", lang.t("orders-invalid-amount-order"));
            }
        }
        if status_set(&self.status).iter().any(|s| s.parse::<Status>().is_err()) {
            p.add("status", lang.t("orders-invalid-status"));
        }
        if !self.method.is_empty() && !["INVOICE", "CARD", "PAY_IN_X"].contains(&self.method.as_str()) {
            p.add("method", lang.t("orders-invalid-method"));
        }
        let window_ok = self.expiring.trim().parse::<i64>().is_ok_and(|d| (1..=90).contains(&d));
        if !self.expiring.trim().is_empty() && !window_ok {
            p.add("expiring", lang.t("orders-invalid-expiring"));
        }
        p
    }

    /// The cursors of the pages before this one, oldest first.
    fn trail_cursors(&self) -> Vec<&str> {
        self.trail.split('~').filter(|c| !c.is_empty()).collect()
    }

    /// How many pages come before this one.
    pub fn page_index(&self) -> usize {
        if self.after.is_empty() {
            0
        } else {
            self.trail_cursors().len() + 1
        }
    }

    /// The link to the page after this one, which ends with `next`.
    pub fn next_link(&self, base: &str, next: &str) -> String {
        let mut trail = self.trail_cursors();
        if !self.after.is_empty() {
            trail.push(&self.after);
        }
        let skip = trail.len().saturating_sub(TRAIL_MAX);
        let trail = trail[skip..].join("~");
        link(base, &[("after", next), ("trail", &trail)])
    }

    /// The link to the page before this one (none on the first page).
    pub fn previous_link(&self, base: &str) -> Option<String> {
        if self.after.is_empty() {
            return None;
        }
        let mut trail = self.trail_cursors();
        let after = trail.pop().unwrap_or_default();
        Some(link(base, &[("after", after), ("trail", &trail.join("~"))]))
    }
}

fn link(base: &str, extra: &[(&str, &str)]) -> String {
    let extra: Vec<(&str, &str)> = extra.iter().copied().filter(|(_, v)| !v.is_empty()).collect();
    let extra = serde_urlencoded::to_string(extra).unwrap_or_default();
    let query: Vec<&str> = [base, extra.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    if query.is_empty() {
        "/portal/orders".to_owned()
    } else {
        format!("/portal/orders?{}", query.join("&"))
    }
}

/// "Orders 51–100 of more than 100", or the exact count once the last page is reached.
pub fn result_count(lang: Lang, page_index: usize, shown: usize, more: bool) -> String {
    let first = page_index * PAGE_SIZE as usize + 1;
    let last = first + shown - 1;
    let args = |total: usize| {
        [
            ("first", first.to_string()),
            ("last", last.to_string()),
            ("total", total.to_string()),
        ]
    };
    match (page_index, more) {
        (0, false) => lang.t_args("orders-count", &[("count", shown.to_string())]),
        (_, false) => lang.t_args("orders-count-range", &args(last)),
        (_, true) => lang.t_args("orders-count-more", &args(last)),
    }
}
