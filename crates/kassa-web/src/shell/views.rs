//! The portal's page layout and the templates that fill it. Templates live in `templates/`;
//! each struct here is one page, and `Page` carries what the layout (header, menu, language
//! and user menus) needs.

use super::i18n::Lang;
use super::session::Member;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use kassa_core::access::Section;

/// A link in the left menu.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

pub struct StoreChoice {
    pub id: String,
    pub name: String,
    pub playground: bool,
    pub selected: bool,
}

/// The signed-in parts of the layout.
pub struct Chrome {
    pub user_name: String,
    /// The first letter of the name, upper-case, for the avatar.
    pub initial: String,
    pub user_email: String,
    pub merchant_name: String,
    pub playground: bool,
    pub stores: Vec<StoreChoice>,
    pub nav: Vec<NavItem>,
    /// The merchant is suspended: a banner on every page says the portal is read-only.
    pub suspended: bool,
    /// The support panel: the help section of this page, and its articles.
    pub help_section: Option<&'static str>,
    pub help_articles: Vec<HelpLink>,
    /// The bell: unread notifications, how many and the newest few.
    pub unread: i64,
    /// The count as shown ("99+" past the cap).
    pub unread_text: String,
    pub bell: Vec<BellItem>,
    /// The bell's accessible name, with the count.
    pub bell_label: String,
}

/// An unread notification under the bell.
pub struct BellItem {
    pub id: i64,
    pub title: String,
    pub href: String,
    pub time: String,
}

/// A help article offered in the support panel.
pub struct HelpLink {
    pub slug: &'static str,
    pub title: String,
}

/// The help articles' section (`help/README.md`) of a portal page: its menu section, or the
/// account pages.
pub fn help_section(section: Option<Section>, here: &str) -> Option<&'static str> {
    match section {
        Some(Section::Home) => Some("home"),
        Some(Section::Orders) => Some("orders"),
        Some(Section::Settlements) => Some("settlements"),
        Some(Section::Disputes) => Some("disputes"),
        Some(Section::Users) => Some("users"),
        Some(Section::Integrations) => Some("integrations"),
        Some(Section::DeveloperLogs) => Some("developer-logs"),
        None if here.starts_with("/portal/account") => Some("account"),
        None if here.starts_with("/portal/help") || here.starts_with("/portal/support") => Some("support"),
        None => None,
    }
}

/// Which surface a page belongs to: the merchant portal or the provider's back office,
/// which shares the layout but is marked apart (its label, its accent colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Portal,
    Ops,
}

impl Realm {
    /// Where the surface's own pages live: its home, and the prefix of its forms.
    pub fn base(self) -> &'static str {
        match self {
            Realm::Portal => "/portal",
            Realm::Ops => "/ops",
        }
    }

    pub fn is_ops(self) -> bool {
        self == Realm::Ops
    }
}

/// Everything the layout needs, for every page.
pub struct Page {
    pub realm: Realm,
    pub lang: Lang,
    pub title: String,
    pub theme: String,
    pub csrf: String,
    /// Path and query of this page, so forms in the header can come back here.
    pub here: String,
    pub chrome: Option<Chrome>,
    pub notice: Option<String>,
}

impl Page {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The message `key` with named arguments.
    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        self.lang.t_args(key, args)
    }

    pub fn languages(&self) -> [Lang; 7] {
        Lang::ALL
    }

    /// A page for a signed-in member, with `section` highlighted in the menu.
    pub fn member(member: &Member, section: Option<Section>, title_key: &str, here: &str) -> Page {
        let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
        // Until a required second factor is set up, the menu would only lead back to set-up.
        let nav = if member.must_enrol_two_factor {
            Vec::new()
        } else {
            member
                .menu
                .visible_to(member.role, member.onboarding)
                .map(|e| NavItem {
                    href: e.href,
                    label: lang.t(e.label),
                    active: Some(e.section) == section,
                })
                .collect()
        };
        let stores = member
            .stores
            .iter()
            .map(|m| StoreChoice {
                id: m.store_id.clone(),
                name: m.store_name.clone(),
                playground: m.environment == "playground",
                selected: m.store_id == member.store.store_id,
            })
            .collect();
        let help_section = help_section(section, here);
        let help_articles = help_section
            .map(|s| {
                crate::help::articles_in(lang.code())
                    .into_iter()
                    .filter(|a| a.section == s)
                    .map(|a| HelpLink {
                        slug: a.slug,
                        title: a.title.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Page {
            realm: Realm::Portal,
            lang,
            title: lang.t(title_key),
            theme: member.user.theme.clone(),
            csrf: member.csrf.clone(),
            here: here.to_owned(),
            chrome: Some(Chrome {
                user_name: member.user.name.clone(),
                initial: member
                    .user
                    .name
                    .chars()
                    .next()
                    .map(|c| c.to_uppercase().collect())
                    .unwrap_or_default(),
                user_email: member.user.email.clone(),
                merchant_name: member.store.merchant_name.clone(),
                playground: member.store.environment == "playground",
                stores,
                nav,
                suspended: member.suspended,
                help_section,
                help_articles,
                unread: member.unread,
                unread_text: kassa_app::notifications::unread_text(member.unread),
                bell: member
                    .bell
                    .iter()
                    .map(|n| BellItem {
                        id: n.id,
                        title: crate::notify_mail::title(lang, n, &member.user.timezone),
                        href: crate::notify_mail::link(n),
                        time: super::i18n::format_time(n.created_at, &member.user.timezone),
                    })
                    .collect(),
                bell_label: lang.t_args(
                    "bell-label",
                    &[("count", kassa_app::notifications::unread_text(member.unread))],
                ),
            }),
            notice: None,
        }
    }

    /// A page for a visitor who is not signed in.
    pub fn visitor(lang: Lang, csrf: &str, title_key: &str, here: &str) -> Page {
        Page {
            realm: Realm::Portal,
            lang,
            title: lang.t(title_key),
            theme: "system".into(),
            csrf: csrf.to_owned(),
            here: here.to_owned(),
            chrome: None,
            notice: None,
        }
    }

    /// The same page in the back office.
    pub fn in_ops(mut self) -> Page {
        self.realm = Realm::Ops;
        self
    }

    pub fn with_notice(mut self, key: Option<&str>) -> Page {
        self.notice = key.map(|k| self.lang.t(k));
        self
    }
}

/// Renders a template into a response; a template error becomes a 500.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::WebError::from(e).into_response(),
    }
}

/// On an error response: the layout its page is shown in (a page with the given title key),
/// from a surface other than the portal — the back office puts its operator's here.
#[derive(Clone)]
pub struct ErrorChrome(pub std::sync::Arc<dyn Fn(&str) -> Page + Send + Sync>);

/// The friendly page for 4xx/5xx responses, with the request id support can look up.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// Refused because the merchant is suspended (a 403 that says so).
    pub suspended: bool,
    /// A 503 because the database's disk is full (else: the database does not answer).
    pub disk_full: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    message: String,
    request_id: String,
}

impl ErrorPage {
    pub fn marker(status: StatusCode) -> ErrorPage {
        ErrorPage {
            status,
            suspended: false,
            disk_full: false,
        }
    }

    /// A 503 while the database is away or its disk is full: nothing was saved, try again.
    pub fn unavailable(outage: kassa_db::Outage) -> ErrorPage {
        ErrorPage {
            status: StatusCode::SERVICE_UNAVAILABLE,
            suspended: false,
            disk_full: outage == kassa_db::Outage::DiskFull,
        }
    }

    pub fn suspended() -> ErrorPage {
        ErrorPage {
            status: StatusCode::FORBIDDEN,
            suspended: true,
            disk_full: false,
        }
    }

    /// The page in `lang`; for a signed-in `member`, inside the portal's menu and header (in
    /// their own language), so a wrong address is not a dead end; inside `chrome` when the
    /// surface that answered gave one (the back office for its operators).
    pub fn render(
        &self,
        lang: Lang,
        member: Option<&Member>,
        chrome: Option<&ErrorChrome>,
        request_id: &str,
    ) -> Response {
        let (title, message) = match self.status {
            StatusCode::FORBIDDEN if self.suspended => ("error-suspended-title", "error-suspended-text"),
            StatusCode::NOT_FOUND => ("error-not-found-title", "error-not-found-text"),
            StatusCode::FORBIDDEN => ("error-forbidden-title", "error-forbidden-text"),
            StatusCode::SERVICE_UNAVAILABLE if self.disk_full => ("error-unavailable-title", "error-disk-full-text"),
            StatusCode::SERVICE_UNAVAILABLE => ("error-unavailable-title", "error-unavailable-text"),
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE => {
                ("error-bad-request-title", "error-bad-request-text")
            }
            _ => ("error-internal-title", "error-internal-text"),
        };
        let page = match (chrome, member) {
            (Some(c), _) => (c.0)(title),
            (None, Some(m)) => Page::member(m, None, title, "/portal"),
            (None, None) => Page::visitor(lang, "", title, "/portal"),
        };
        let lang = page.lang;
        render(&ErrorTemplate {
            message: lang.t(message),
            page,
            status: self.status.as_u16(),
            request_id: request_id.to_owned(),
        })
    }
}
