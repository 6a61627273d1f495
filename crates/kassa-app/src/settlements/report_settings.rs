//! How a store's settlement CSVs are written: the delimiter (`;` or `,`), a UTF-8 BOM for
//! Excel, and which columns in which order. Members with the reports permission read and
//! change it; every change is audited.

use crate::{now_ms, Actor, ActorKind, AppError, AppResult, FieldError};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::audit::AuditAction;
use kassa_db::{Db, ReportSettingsRow};
use serde_json::json;

/// A store's CSV settings. `columns` empty means the report writer's default set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    pub delimiter: char,
    pub bom: bool,
    pub columns: Vec<String>,
}

impl ReportSettings {
    fn of_row(row: &ReportSettingsRow) -> ReportSettings {
        ReportSettings {
            delimiter: if row.report_delimiter == "," { ',' } else { ';' },
            bom: row.report_bom,
            columns: row
                .report_columns
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "delimiter": self.delimiter.to_string(),
            "bom": self.bom,
            "columns": self.columns.join(","),
        })
    }
}

/// The store a member manages reports of: their current one, with the reports permission.
/// (Provider staff set a store's report settings in the back office, not here.)
pub(crate) fn reports_store(actor: &Actor) -> AppResult<String> {
    match (actor.kind, actor.role) {
        (ActorKind::PortalUser, Some(role)) if allows(role, Onboarding::Direct, Permission::ManageReports) => {
            actor.store_id.clone().ok_or(AppError::Forbidden)
        }
        _ => Err(AppError::Forbidden),
    }
}

/// The actor's store's CSV settings.
pub async fn report_settings(db: &Db, actor: &Actor) -> AppResult<ReportSettings> {
    let store = reports_store(actor)?;
    let row = db
        .report_settings(&store)
        .await?
        .ok_or(AppError::NotFound(crate::Missing::Other("store")))?;
    Ok(ReportSettings::of_row(&row))
}

/// Checks and stores new CSV settings for the actor's store. `known` are the columns the
/// report writer has, in its order: every chosen column must be one of them, once.
pub async fn save_report_settings(
    db: &Db,
    actor: &Actor,
    new: &ReportSettings,
    known: &[&str],
) -> AppResult<ReportSettings> {
    let store = reports_store(actor)?;
    let mut problems = Vec::new();
    if ![';', ','].contains(&new.delimiter) {
        problems.push(FieldError::new("delimiter", "must be ; or ,"));
    }
    if new.columns.is_empty() {
        problems.push(FieldError::new("columns", "choose at least one column"));
    }
    for (i, c) in new.columns.iter().enumerate() {
        if !known.contains(&c.as_str()) {
            problems.push(FieldError::new("columns", format!("unknown column {c}")));
        } else if new.columns[..i].contains(c) {
            problems.push(FieldError::new("columns", format!("column {c} twice")));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let before = report_settings(db, actor).await?;
    if &before == new {
        return Ok(before);
    }
    let row = ReportSettingsRow {
        report_delimiter: new.delimiter.to_string(),
        report_bom: new.bom,
        report_columns: new.columns.join(","),
    };
    let (before_json, after_json) = (before.json().to_string(), new.json().to_string());
    let audit = kassa_db::AuditEvent {
        subject: &store,
        before: Some(before_json),
        after: Some(after_json),
        ..actor.audit_event(AuditAction::ReportSettingsChanged)
    };
    let mut tx = db.begin().await?;
    tx.set_report_settings(&store, &row).await?;
    tx.record_audit(&audit, now_ms()).await?;
    tx.commit().await?;
    Ok(new.clone())
}
