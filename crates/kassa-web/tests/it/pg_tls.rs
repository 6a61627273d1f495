//! PostgreSQL over TLS (issue 17 item 7), as managed PostgreSQL services require: the URL's
//! `sslmode` and `sslrootcert` are honoured, and a server whose certificate the given CA did
//! not sign is refused with a message that says so. The local server's certificate comes
//! from `scripts/pg-test-tls.sh` (run by .ci/run).

use crate::support::*;
use kassa_db::{Backend, Db, DbConfig};
use std::path::PathBuf;

fn tls_dir() -> PathBuf {
    std::env::var_os("KASSA_TEST_PG_TLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/postgresql/kassa-test-tls"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn with_params(url: &str, params: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{params}")
}

#[tokio::test]
async fn postgres_over_tls_checks_the_server_certificate() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let dir = tls_dir();
    let (ca, other_ca) = (dir.join("ca.crt"), dir.join("other-ca.crt"));
    if !ca.is_file() || !other_ca.is_file() {
        let why = format!(
            "no test CA in {} (run scripts/pg-test-tls.sh as root, or set KASSA_TEST_PG_TLS_DIR)",
            dir.display()
        );
        if in_ci() {
            panic!("CI=true but PostgreSQL over TLS cannot be tested: {why}");
        }
        eprintln!("SKIPPING PostgreSQL over TLS: {why}");
        return;
    }
    let base = postgres_url();

    let verified = with_params(&base, &format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    let db = Db::connect(&DbConfig::new(&verified))
        .await
        .expect("connects with verify-full and the CA that signed the server's certificate");
    assert_eq!(db.connection_encrypted().await.unwrap(), Some(true));
    db.migrate().await.expect("the schema migrates over TLS");
    db.close().await;

    let required = with_params(&base, "sslmode=require");
    let db = Db::connect(&DbConfig::new(&required)).await.expect("sslmode=require");
    assert_eq!(db.connection_encrypted().await.unwrap(), Some(true));
    db.close().await;

    // The check can fail: without TLS the same query says so.
    let plain = with_params(&base, "sslmode=disable");
    let db = Db::connect(&DbConfig::new(&plain)).await.expect("sslmode=disable");
    assert_eq!(db.connection_encrypted().await.unwrap(), Some(false));
    db.close().await;

    let wrong = with_params(
        &base,
        &format!("sslmode=verify-full&sslrootcert={}", other_ca.display()),
    );
    let err = Db::connect(&DbConfig::new(&wrong))
        .await
        .expect_err("a CA that did not sign the server's certificate is refused");
    let text = err.to_string();
    assert!(matches!(err, kassa_db::DbError::Unreachable { .. }), "{err:?}");
    assert!(
        text.contains("TLS connection failed") && text.contains("certificate") && text.contains("sslrootcert"),
        "{text}"
    );
}
