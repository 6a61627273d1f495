//! Where Kassa keeps files (dispute attachments, generated reports): an object store the
//! binary chooses (a local folder by default, S3-compatible storage in production). The use
//! cases see only this trait, so they stay free of any storage client.

use std::future::Future;
use std::pin::Pin;

/// A failure of the file store, phrased for the log.
#[derive(Debug, Clone, thiserror::Error)]
#[error("file store: {0}")]
pub struct FileError(pub String);

pub type FileFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, FileError>> + Send + 'a>>;

pub trait FileStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> FileFuture<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>>;
    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()>;
}
