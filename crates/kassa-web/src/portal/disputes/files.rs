//! The merchant's response — text and up to ten files, a `multipart/form-data` form — and
//! the download of a dispute's files. Files are checked by their content before anything is
//! stored; a refused response comes back on the response page with its text and the reason,
//! and nothing of it is kept.

use super::actions::explain;
use super::page::respond_form_page;
use crate::shell::extract::Path;
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::{AppState, WebError};
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::disputes::{self, Upload};
use kassa_app::AppError;
use kassa_core::dispute::{check_attachments, BadAttachment};
use kassa_db::DisputeAttachmentRow;

/// The response form as sent.
struct ResponseForm {
    text: String,
    uploads: Vec<Upload>,
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> WebError {
    WebError::BadRequest(format!("the response form could not be read: {e}"))
}

async fn read(mut form: Multipart) -> Result<ResponseForm, WebError> {
    let mut text = String::new();
    let mut uploads = Vec::new();
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("text") => text = field.text().await.map_err(unreadable)?,
            Some("files") => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                // A file input left empty still sends a part, without a name or content.
                if filename.is_empty() && bytes.is_empty() {
                    continue;
                }
                uploads.push(Upload {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
            _ => {}
        }
    }
    if text.contains('\0') {
        return Err(WebError::BadRequest("NUL in the response".into()));
    }
    Ok(ResponseForm { text, uploads })
}

/// Why files were refused, naming the file.
fn bad_files(lang: Lang, bad: &BadAttachment) -> String {
    let named = |key: &str, name: &str| lang.t_args(key, &[("name", name.to_owned())]);
    match bad {
        BadAttachment::TooMany => lang.t("dispute-error-too-many"),
        BadAttachment::TooLarge(name) => named("dispute-error-too-large", name),
        BadAttachment::WrongType(name) => named("dispute-error-wrong-type", name),
        BadAttachment::Empty(name) => named("dispute-error-empty-file", name),
    }
}

/// `POST /portal/disputes/{id}/respond`.
pub(crate) async fn respond(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    form: Multipart,
) -> Result<Response, WebError> {
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let ResponseForm { text, uploads } = read(form).await?;
    // Checked here as well as in the use case, to name the file in the member's language.
    let checked = check_attachments(uploads.iter().map(|u| (u.filename.as_str(), u.bytes.as_slice())));
    if let Err(bad) = checked {
        let message = bad_files(lang, &bad);
        return respond_form_page(
            &state,
            &member,
            &id,
            text,
            Some(message),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let nothing = text.trim().is_empty() && uploads.is_empty();
    let too_long = text.trim().chars().count() > 10_000;
    match disputes::respond(&state.db, &state.objects, &member.actor(), &id, &text, uploads).await {
        Ok(_) => Ok(Redirect::to(&format!("/portal/disputes/{id}?done=responded")).into_response()),
        Err(AppError::Invalid(_)) if nothing || too_long => {
            let key = if nothing {
                "dispute-error-empty"
            } else {
                "dispute-error-too-long"
            };
            respond_form_page(
                &state,
                &member,
                &id,
                text,
                Some(lang.t(key)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => match explain(lang, &e) {
            Some(message) => respond_form_page(&state, &member, &id, text, Some(message), StatusCode::CONFLICT).await,
            None => Err(e.into()),
        },
    }
}

/// `filename` for a Content-Disposition header: plain ASCII (others as `_`), and the
/// exact name UTF-8 encoded (RFC 6266) for browsers that read it.
pub(crate) fn disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// A dispute's file as a download.
pub(crate) fn download(row: &DisputeAttachmentRow, bytes: Vec<u8>) -> Response {
    file_download(&row.content_type, &row.filename, bytes)
}

/// A stored file (dispute evidence, a chat file) as a download: its stored type, never
/// shown inline, never sniffed.
pub(crate) fn file_download(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition(filename)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /portal/disputes/{id}/attachments/{attachment_id}`: only for the store's members
/// who handle disputes (another store's file does not exist here).
pub(crate) async fn attachment(
    State(state): State<AppState>,
    member: Member,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (row, bytes) = disputes::attachment(&state.db, &state.objects, &member.actor(), &id, &attachment_id).await?;
    Ok(download(&row, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_the_file_safely() {
        assert_eq!(
            disposition("invoice.pdf").to_str().unwrap(),
            "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
        );
        assert_eq!(
            disposition("kvitto åäö.pdf").to_str().unwrap(),
            "attachment; filename=\"kvitto ___.pdf\"; filename*=UTF-8''kvitto%20%C3%A5%C3%A4%C3%B6.pdf"
        );
        assert_eq!(
            disposition("a\\b%.png").to_str().unwrap(),
            "attachment; filename=\"a_b_.png\"; filename*=UTF-8''a%5Cb%25.png"
        );
    }

    #[test]
    fn every_refused_file_is_named_in_words() {
        let text = bad_files(Lang::En, &BadAttachment::WrongType("invoice.pdf".into()));
        assert_eq!(text, "invoice.pdf: not a PDF, JPEG or PNG file. Nothing was sent.");
        let text = bad_files(Lang::Sv, &BadAttachment::TooLarge("bild.png".into()));
        assert_eq!(text, "bild.png: större än 7 MB. Inget skickades.");
    }
}
