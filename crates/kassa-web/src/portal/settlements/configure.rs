//! The store's CSV report settings: which columns in which order (a checkbox and a position
//! number per column: works without JavaScript), the delimiter and the BOM for Excel.

use crate::reports::Column;
use crate::shell::extract::{Form, Query};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::settlements::{self, ReportSettings};
use kassa_app::AppError;
use kassa_core::access::Section;
use serde::Deserialize;

/// One column's row of the form.
struct ColumnChoice {
    name: &'static str,
    chosen: bool,
    position: String,
}

#[derive(Template)]
#[template(path = "report_settings.html")]
struct ConfigureTemplate {
    page: Page,
    tab: &'static str,
    can_manage_reports: bool,
    columns: Vec<ColumnChoice>,
    delimiter: char,
    bom: bool,
    errors: Vec<String>,
}

/// The columns in the order the form lists them: the chosen ones in their order, then the
/// rest in the writer's order.
fn choices(chosen: &[String], positions: &dyn Fn(&str, usize) -> String) -> Vec<ColumnChoice> {
    let mut out: Vec<ColumnChoice> = chosen
        .iter()
        .filter_map(|c| Column::from_name(c))
        .enumerate()
        .map(|(i, c)| ColumnChoice {
            name: c.name(),
            chosen: true,
            position: positions(c.name(), i + 1),
        })
        .collect();
    for c in Column::ALL {
        if !out.iter().any(|o| o.name == c.name()) {
            let n = out.len() + 1;
            out.push(ColumnChoice {
                name: c.name(),
                chosen: false,
                position: positions(c.name(), n),
            });
        }
    }
    out
}

fn page_of(member: &Member, notice: Option<&str>) -> Page {
    Page::member(
        member,
        Some(Section::Settlements),
        "settlements-configure-title",
        "/portal/settlements/configure",
    )
    .with_notice(notice)
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn form(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let settings = settlements::report_settings(&state.db, &member.actor()).await?;
    let notice = q.done.as_deref().map(|_| "settlements-configure-saved");
    // A store that chose nothing writes the default set.
    let chosen: Vec<String> = if settings.columns.is_empty() {
        Column::default_set().iter().map(|c| c.name().to_owned()).collect()
    } else {
        settings.columns.clone()
    };
    Ok(render(&ConfigureTemplate {
        page: page_of(&member, notice),
        tab: "configure",
        can_manage_reports: true,
        columns: choices(&chosen, &|_, n| n.to_string()),
        delimiter: settings.delimiter,
        bom: settings.bom,
        errors: Vec::new(),
    }))
}

/// The settings the form asks for: chosen columns sorted by their position (ties keep the
/// form's order), or the sentence saying which position cannot be read.
fn read_form(fields: &[(String, String)]) -> Result<ReportSettings, String> {
    let value = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim());
    let mut chosen: Vec<(i64, usize, String)> = Vec::new();
    for (i, c) in Column::ALL.iter().enumerate() {
        if value(&format!("col_{}", c.name())).is_none() {
            continue;
        }
        let position = match value(&format!("pos_{}", c.name())) {
            None | Some("") => 1000 + i as i64,
            Some(text) => text.parse::<i64>().map_err(|_| c.name().to_owned())?,
        };
        chosen.push((position, i, c.name().to_owned()));
    }
    chosen.sort();
    Ok(ReportSettings {
        delimiter: match value("delimiter") {
            Some(",") => ',',
            Some(";") | None => ';',
            Some(_) => '?',
        },
        bom: value("bom").is_some(),
        columns: chosen.into_iter().map(|(_, _, c)| c).collect(),
    })
}

pub(crate) async fn save(
    State(state): State<AppState>,
    member: Member,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let page = page_of(&member, None);
    let lang = page.lang;
    let known: Vec<&str> = Column::ALL.iter().map(|c| c.name()).collect();
    let errors = match read_form(&fields) {
        Ok(wanted) => match settlements::save_report_settings(&state.db, &member.actor(), &wanted, &known).await {
            Ok(_) => return Ok(Redirect::to("/portal/settlements/configure?done=saved").into_response()),
            Err(AppError::Invalid(problems)) => problems
                .iter()
                .map(|p| match (p.field.as_str(), p.message.as_str()) {
                    ("columns", "choose at least one column") => lang.t("settlements-configure-error-none"),
                    ("delimiter", _) => lang.t("settlements-configure-error-delimiter"),
                    _ => lang.t("settlements-configure-error-columns"),
                })
                .collect(),
            Err(e) => return Err(e.into()),
        },
        Err(column) => vec![lang.t_args("settlements-configure-error-position", &[("column", column)])],
    };
    // Back to the form as it was sent, with what is wrong.
    let sent = |key: String| fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let chosen: Vec<String> = Column::ALL
        .iter()
        .filter(|c| sent(format!("col_{}", c.name())).is_some())
        .map(|c| c.name().to_owned())
        .collect();
    let delimiter = if sent("delimiter".into()).as_deref() == Some(",") {
        ','
    } else {
        ';'
    };
    let mut res = render(&ConfigureTemplate {
        columns: choices(&chosen, &|name, n| {
            sent(format!("pos_{name}")).unwrap_or_else(|| n.to_string())
        }),
        tab: "configure",
        can_manage_reports: true,
        delimiter,
        bom: sent("bom".into()).is_some(),
        errors,
        page,
    });
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn chosen_columns_follow_their_positions() {
        let form = fields(&[
            ("col_amount", "on"),
            ("pos_amount", "2"),
            ("col_order_id", "on"),
            ("pos_order_id", "1"),
            ("pos_sale_date", "3"),
            ("col_type", "on"),
            ("delimiter", ","),
            ("bom", "on"),
        ]);
        let s = read_form(&form).unwrap();
        assert_eq!(s.columns, ["order_id", "amount", "type"], "unnumbered last");
        assert_eq!((s.delimiter, s.bom), (',', true));
        assert_eq!(
            read_form(&fields(&[("col_amount", "on"), ("pos_amount", "x")])).unwrap_err(),
            "amount"
        );
        assert_eq!(read_form(&fields(&[("delimiter", "|")])).unwrap().delimiter, '?');
    }
}
