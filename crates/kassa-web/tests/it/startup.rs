//! Friendly startup errors.

use kassa_db::{Db, DbConfig, DbError};
use kassa_web::Server;

#[tokio::test]
async fn a_port_in_use_is_explained() {
    let first = Server::bind("127.0.0.1:0").await.unwrap();
    let addr = first.local_addr().to_string();
    let err = Server::bind(&addr).await.err().expect("second bind fails");
    let text = err.to_string();
    assert!(text.contains(&addr) && text.contains("--listen"), "{text}");
}

#[tokio::test]
async fn an_unreachable_database_is_explained_without_its_password() {
    let config = DbConfig::new("postgres://kassa:topsecret@127.0.0.1:1/kassa");
    let err = Db::connect(&config).await.expect_err("nothing listens on port 1");
    assert!(matches!(err, DbError::Unreachable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("cannot reach the database") && !text.contains("topsecret"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unknown_database_url_is_explained() {
    let err = Db::connect(&DbConfig::new("mysql://x")).await.err().unwrap();
    assert!(err.to_string().contains("use sqlite://PATH or postgres://"), "{err}");
}

#[tokio::test]
async fn a_read_only_sqlite_database_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kassa.db");
    // Create it, then open it read-only (root ignores file modes, so use SQLite's own mode).
    let db = Db::connect(&DbConfig::new(format!("sqlite://{}", path.display())))
        .await
        .unwrap();
    db.close().await;
    let db = Db::connect(&DbConfig::new(format!("sqlite://{}?mode=ro", path.display())))
        .await
        .unwrap();
    let err = db.migrate().await.expect_err("cannot migrate read-only");
    assert!(matches!(err, DbError::ReadOnly { .. }), "{err:?}");
}
