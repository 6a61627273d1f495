//! A payout's reports as files: the CSV (Klarna's columns, in the store's delimiter, BOM
//! and columns; streamed) and the PDF summary in the member's language.

use crate::reports::{self, CsvOptions, Lang};
use crate::shell::extract::Path;
use crate::shell::session::Member;
use crate::{AppState, WebError};
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kassa_app::settlements;
use kassa_db::PayoutRow;

/// A download's file name: store, payment reference and payout date, e.g.
/// `settlement-M100001-2025-03-01-7KQ2M9XH3D.csv`.
fn file_name(p: &PayoutRow, ext: &str) -> String {
    let date = kassa_app::dates::format_date(p.payout_date, "Europe/Stockholm");
    format!("settlement-{}-{date}-{}.{ext}", p.store_id, p.payment_reference)
}

/// A file response that the browser saves under `name`.
pub(crate) fn attachment(content_type: &str, name: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    member: Member,
    Path(reference): Path<String>,
) -> Result<Response, WebError> {
    let payout = settlements::payout(&state.db, &member.actor(), &reference).await?;
    let opts = CsvOptions::of_store(&state.db, &payout.store_id)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let name = file_name(&payout, "csv");
    let db = state.db.clone();
    let body =
        reports::streamed(move |mut sink| async move { reports::payout_csv(&db, &payout, &opts, &mut sink).await });
    Ok(attachment("text/csv; charset=utf-8", &name, body))
}

pub(crate) async fn pdf(
    State(state): State<AppState>,
    member: Member,
    Path(reference): Path<String>,
) -> Result<Response, WebError> {
    let payout = settlements::payout(&state.db, &member.actor(), &reference).await?;
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let bytes = reports::payout_pdf(&state.db, &payout, lang)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(attachment(
        "application/pdf",
        &file_name(&payout, "pdf"),
        Body::from(bytes),
    ))
}
