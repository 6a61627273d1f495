//! The merchant's response: text and files. Files are checked by their content (PDF, JPEG,
//! PNG; 7 MB each; 10 at most), stored first, outside the order's lock, and recorded with
//! the response in its transaction; a refused response removes the files it stored.

use super::lifecycle::{respond_with, StoredAttachment};
use crate::files::FileStore;
use crate::{Actor, AppError, AppResult};
use kassa_core::dispute::check_attachments;
use kassa_db::{Db, DisputeRow};

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

pub async fn respond(
    db: &Db,
    files: &dyn FileStore,
    actor: &Actor,
    dispute_id: &str,
    text: &str,
    uploads: Vec<Upload>,
) -> AppResult<DisputeRow> {
    let types = check_attachments(uploads.iter().map(|u| (u.filename.as_str(), u.bytes.as_slice())))
        .map_err(|e| AppError::invalid("attachments", e.to_string()))?;
    // Only someone who may see the dispute gets to store files for it.
    super::reads::dispute(db, actor, dispute_id).await?;
    let mut stored = Vec::new();
    for (upload, content_type) in uploads.into_iter().zip(types) {
        let id = format!("att_{}", uuid::Uuid::new_v4().simple());
        let object_key = format!("disputes/{dispute_id}/{id}");
        let size = upload.bytes.len() as i64;
        if let Err(e) = files.put(&object_key, upload.bytes).await {
            remove(files, &stored).await;
            return Err(AppError::Internal(e.to_string()));
        }
        stored.push(StoredAttachment {
            id,
            filename: kassa_core::dispute::clean_filename(&upload.filename),
            content_type: content_type.to_owned(),
            size_bytes: size,
            object_key,
        });
    }
    match respond_with(db, actor, dispute_id, text, &stored).await {
        Ok(row) => Ok(row),
        Err(e) => {
            remove(files, &stored).await;
            Err(e)
        }
    }
}

async fn remove(files: &dyn FileStore, stored: &[StoredAttachment]) {
    for f in stored {
        if let Err(e) = files.delete(&f.object_key).await {
            tracing::warn!(key = f.object_key, error = %e, "could not remove a refused attachment");
        }
    }
}
