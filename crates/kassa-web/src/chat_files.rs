//! Files in the support chat, for the portal's and the back office's upload forms: reading
//! the `multipart/form-data` form (`client_id`, an optional `body`, one `file`), the words
//! of a refused file, and the download response.

use crate::portal::disputes::file_download;
use crate::WebError;
use axum::extract::multipart::MultipartRejection;
use axum::extract::Multipart;
use axum::response::Response;
use kassa_app::support_chat::ChatUpload;
use kassa_core::dispute::{check_attachments, BadAttachment, MAX_ATTACHMENT_BYTES};
use kassa_db::ChatAttachmentRow;

/// The largest upload form: one file of 7 MB, and a megabyte for the text and the framing.
/// A larger body is refused before it is read (413).
pub(crate) const UPLOAD_LIMIT: usize = MAX_ATTACHMENT_BYTES + 1024 * 1024;

/// The upload form as sent.
pub(crate) struct UploadForm {
    pub client_id: String,
    pub body: String,
    /// `None`: no file was chosen.
    pub file: Option<ChatUpload>,
}

fn unreadable(e: axum::extract::multipart::MultipartError) -> WebError {
    WebError::BadRequest(format!("the upload form could not be read: {e}"))
}

/// Reads the form; a body that is no `multipart/form-data` form is a bad request.
pub(crate) async fn read_upload(form: Result<Multipart, MultipartRejection>) -> Result<UploadForm, WebError> {
    let mut form = form.map_err(|e| WebError::BadRequest(format!("not an upload form: {}", e.body_text())))?;
    let mut out = UploadForm {
        client_id: String::new(),
        body: String::new(),
        file: None,
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("client_id") => out.client_id = field.text().await.map_err(unreadable)?,
            Some("body") => out.body = field.text().await.map_err(unreadable)?,
            Some("file") => {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                // A file input left empty still sends a part, without a name or content.
                if !(filename.is_empty() && bytes.is_empty()) {
                    out.file = Some(ChatUpload {
                        filename,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            _ => {}
        }
    }
    if out.body.contains('\0') || out.client_id.contains('\0') {
        return Err(WebError::BadRequest("NUL in the upload form".into()));
    }
    Ok(out)
}

/// The code of a refused file (for `?error=`), checked by the disputes' evidence rules:
/// `None` when the file passes.
pub(crate) fn file_refusal(file: Option<&ChatUpload>) -> Option<&'static str> {
    let Some(file) = file else {
        return Some("file-empty");
    };
    match check_attachments([(file.filename.as_str(), file.bytes.as_slice())]) {
        Ok(_) => None,
        Err(BadAttachment::TooLarge(_)) => Some("file-too-large"),
        Err(BadAttachment::WrongType(_)) => Some("file-type"),
        Err(BadAttachment::Empty(_) | BadAttachment::TooMany) => Some("file-empty"),
    }
}

/// A chat file as a download, as dispute files are.
pub(crate) fn download(row: &ChatAttachmentRow, bytes: Vec<u8>) -> Response {
    file_download(&row.content_type, &row.filename, bytes)
}
