//! Where generated files (custom settlement reports) are kept: a local folder by default
//! (`<data-dir>/objects`), or S3-compatible storage when `KASSA_OBJECT_STORE_URL` is
//! `s3://bucket/prefix` (credentials, region and endpoint from the usual `AWS_*`
//! variables). Every process of one installation must use the same store: a report made
//! by one process is downloaded through another.

use crate::WebError;
use axum::body::Body;
use futures_util::StreamExt;
use kassa_app::files::{FileError, FileFuture};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Which object store, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectsConfig {
    /// A folder on this machine (created when missing).
    Local(PathBuf),
    /// `s3://bucket/prefix`.
    S3 { bucket: String, prefix: String },
}

impl ObjectsConfig {
    /// `s3://bucket[/prefix]` as a config; anything else is refused with a sentence.
    pub fn parse_url(url: &str) -> Result<ObjectsConfig, WebError> {
        let rest = url.trim().strip_prefix("s3://").ok_or_else(|| {
            WebError::Config(format!(
                "object store URL {url:?} is not s3://bucket/prefix (leave it unset for the local folder)"
            ))
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(WebError::Config(format!("object store URL {url:?} names no bucket")));
        }
        Ok(ObjectsConfig::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    /// What logs may say about it.
    pub fn describe(&self) -> String {
        match self {
            ObjectsConfig::Local(dir) => dir.display().to_string(),
            ObjectsConfig::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// The object store the reports are written to and read from. A configuration that cannot
/// work (see [`Objects::check`], which the binary calls at start) fails each use instead.
#[derive(Clone)]
pub struct Objects {
    store: Result<Arc<dyn ObjectStore>, String>,
}

fn storage_error(e: object_store::Error) -> String {
    e.to_string()
}

impl Objects {
    pub fn new(config: &ObjectsConfig) -> Objects {
        Objects {
            store: Self::open(config).map_err(|e| e.to_string()),
        }
    }

    /// Whether `config` can work: the folder can be made, the S3 settings are complete.
    pub fn check(config: &ObjectsConfig) -> Result<(), WebError> {
        Self::open(config).map(|_| ())
    }

    fn open(config: &ObjectsConfig) -> Result<Arc<dyn ObjectStore>, WebError> {
        let store: Arc<dyn ObjectStore> = match config {
            ObjectsConfig::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    WebError::Config(format!("cannot create the objects folder {}: {e}", dir.display()))
                })?;
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| WebError::Config(format!("objects folder {}: {e}", dir.display())))?;
                Arc::new(local)
            }
            ObjectsConfig::S3 { bucket, prefix } => {
                let s3 = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| WebError::Config(format!("S3 object store: {e}")))?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                }
            }
        };
        Ok(store)
    }

    fn store(&self) -> Result<&Arc<dyn ObjectStore>, String> {
        self.store.as_ref().map_err(|e| format!("object store: {e}"))
    }

    fn path(key: &str) -> Result<ObjectPath, String> {
        ObjectPath::parse(key).map_err(|e| e.to_string())
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<i64, String> {
        let size = bytes.len() as i64;
        self.store()?
            .put(&Self::path(key)?, PutPayload::from(bytes))
            .await
            .map_err(storage_error)?;
        Ok(size)
    }

    /// Copies a local file to `key` in parts (flat memory for any size); returns its size.
    pub async fn put_file(&self, key: &str, file: &std::path::Path) -> Result<i64, String> {
        let mut source = tokio::fs::File::open(file).await.map_err(|e| e.to_string())?;
        let mut target = BufWriter::new(self.store()?.clone(), Self::path(key)?);
        let copied = tokio::io::copy(&mut source, &mut target).await;
        match copied {
            Ok(size) => {
                target.shutdown().await.map_err(|e| e.to_string())?;
                Ok(size as i64)
            }
            Err(e) => {
                let _ = target.abort().await;
                Err(e.to_string())
            }
        }
    }

    /// The file under `key` as a response body, streamed.
    pub async fn body(&self, key: &str) -> Result<Body, WebError> {
        let path = Self::path(key).map_err(WebError::Internal)?;
        let store = self.store().map_err(WebError::Internal)?;
        match store.get(&path).await {
            Ok(found) => Ok(Body::from_stream(
                found.into_stream().map(|chunk| chunk.map_err(std::io::Error::other)),
            )),
            Err(object_store::Error::NotFound { .. }) => Err(WebError::NotFound),
            Err(e) => Err(WebError::Internal(format!("object store: {e}"))),
        }
    }

    /// Deletes `key`; one that is already gone counts as deleted.
    pub async fn delete(&self, key: &str) -> Result<(), String> {
        match self.store()?.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// Whether `key` exists (tests and checks).
    pub async fn exists(&self, key: &str) -> bool {
        match (self.store(), Self::path(key)) {
            (Ok(store), Ok(path)) => store.head(&path).await.is_ok(),
            _ => false,
        }
    }
}

/// Dispute attachments reach the object store through the use cases' file store: the same
/// store, the same keys, whichever process answers.
impl kassa_app::files::FileStore for Objects {
    fn put<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> FileFuture<'a, ()> {
        Box::pin(async move { Objects::put(self, key, bytes).await.map(|_| ()).map_err(FileError) })
    }

    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let store = self.store().map_err(FileError)?;
            let found = store
                .get(&Self::path(key).map_err(FileError)?)
                .await
                .map_err(|e| FileError(storage_error(e)))?;
            let bytes = found.bytes().await.map_err(|e| FileError(storage_error(e)))?;
            Ok(bytes.to_vec())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()> {
        Box::pin(async move { Objects::delete(self, key).await.map_err(FileError) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_name_bucket_and_prefix() {
        assert_eq!(
            ObjectsConfig::parse_url("s3://kassa-reports/prod/eu/").unwrap(),
            ObjectsConfig::S3 {
                bucket: "kassa-reports".into(),
                prefix: "prod/eu".into()
            }
        );
        assert_eq!(
            ObjectsConfig::parse_url("s3://bucket").unwrap(),
            ObjectsConfig::S3 {
                bucket: "bucket".into(),
                prefix: String::new()
            }
        );
        assert!(ObjectsConfig::parse_url("https://example.com/x").is_err());
        assert!(ObjectsConfig::parse_url("s3:///prefix").is_err());
    }

    #[tokio::test]
    async fn a_local_folder_keeps_streams_and_deletes_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = ObjectsConfig::Local(dir.path().join("objects"));
        Objects::check(&config).unwrap();
        let objects = Objects::new(&config);
        let source = dir.path().join("source.csv");
        std::fs::write(&source, "a;b\n1;2\n").unwrap();
        assert_eq!(objects.put_file("reports/M1/1.csv", &source).await.unwrap(), 8);
        assert!(objects.exists("reports/M1/1.csv").await);
        let body = objects.body("reports/M1/1.csv").await.unwrap();
        let bytes = axum::body::to_bytes(body, 1024).await.unwrap();
        assert_eq!(&bytes[..], b"a;b\n1;2\n");
        objects.delete("reports/M1/1.csv").await.unwrap();
        objects.delete("reports/M1/1.csv").await.unwrap();
        assert!(!objects.exists("reports/M1/1.csv").await);
        assert!(matches!(
            objects.body("reports/M1/1.csv").await,
            Err(WebError::NotFound)
        ));
    }
}
