//! The time-zone picker of account settings: the zones Kassa's merchants use most first,
//! then every other zone under its region, each with its offset now, so the list is short
//! to scan and a zone is found by typing its city.

use crate::shell::i18n::Lang;

/// Zones of the seven languages' countries and the largest markets, shown first.
const COMMON: &[&str] = &[
    "Europe/Stockholm",
    "Europe/Helsinki",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/London",
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The regions of the tz database's canonical names; others ("US/…", "Etc/…") are aliases.
const REGIONS: &[&str] = &[
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
];

pub struct ZoneChoice {
    pub name: String,
    pub label: String,
    pub selected: bool,
}

pub struct ZoneGroup {
    pub label: String,
    pub zones: Vec<ZoneChoice>,
}

/// "+01:00" for a zone now.
fn offset_now(name: &str) -> Option<String> {
    let tz = jiff::tz::TimeZone::get(name).ok()?;
    let seconds = tz.to_offset(jiff::Timestamp::now()).seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    Some(format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60))
}

fn city(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

fn choice(name: &str, label: String, current: &str) -> Option<ZoneChoice> {
    Some(ZoneChoice {
        label: format!("{label} ({})", offset_now(name)?),
        selected: name == current,
        name: name.to_owned(),
    })
}

/// The picker's groups: common zones (and the user's own, if it is elsewhere or an
/// alias), then one group per region.
pub fn zone_groups(lang: Lang, current: &str) -> Vec<ZoneGroup> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|n| n.to_string())
        .filter(|n| n.split_once('/').is_some_and(|(region, _)| REGIONS.contains(&region)))
        .collect();
    names.sort();
    let mut common: Vec<ZoneChoice> = COMMON
        .iter()
        .filter_map(|n| choice(n, n.replace('_', " "), current))
        .collect();
    if !COMMON.contains(&current) && !names.iter().any(|n| n == current) {
        common.extend(choice(current, current.to_owned(), current));
    }
    let mut groups = vec![ZoneGroup {
        label: lang.t("timezone-common"),
        zones: common,
    }];
    for region in REGIONS {
        let zones: Vec<ZoneChoice> = names
            .iter()
            .filter(|n| n.starts_with(&format!("{region}/")) && !COMMON.contains(&n.as_str()))
            .filter_map(|n| choice(n, city(n), current))
            .collect();
        groups.push(ZoneGroup {
            label: lang.t(&format!("timezone-region-{}", region.to_lowercase())),
            zones,
        });
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_zones_first_aliases_left_out_and_the_users_own_kept() {
        let groups = zone_groups(Lang::En, "Europe/Stockholm");
        assert_eq!(groups[0].zones[0].name, "Europe/Stockholm");
        assert!(groups[0].zones[0].selected);
        assert!(groups[0].zones[0].label.starts_with("Europe/Stockholm (UTC+0"));
        let all: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.zones.iter().map(|z| z.name.as_str()))
            .collect();
        assert!(!all.contains(&"US/Eastern") && !all.contains(&"Etc/GMT+5"), "aliases");
        assert_eq!(all.iter().filter(|n| **n == "Europe/Stockholm").count(), 1, "once");
        assert!(all.contains(&"America/Argentina/Buenos_Aires"));
        let legacy = zone_groups(Lang::En, "US/Eastern");
        assert!(legacy[0].zones.iter().any(|z| z.name == "US/Eastern" && z.selected));
    }
}
