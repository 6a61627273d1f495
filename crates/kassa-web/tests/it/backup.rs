//! `kassa backup` / `kassa restore` (issue 17 item 4): an online copy of the SQLite database
//! under write load holds every write acknowledged before the backup started; restore
//! checks what it is given and only fills an empty folder. PostgreSQL's way (`pg_dump`,
//! `pg_restore`) is held to the same promise.

use crate::support::*;
use kassa_db::backup::{backup_sqlite, restore_sqlite, BackupError};
use kassa_db::Backend;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The SQLite file of a test app, and its folder (the app's data folder).
fn database_of(app: &TestApp) -> (PathBuf, PathBuf) {
    let url = app.store.config().url;
    let file = PathBuf::from(url.strip_prefix("sqlite://").expect("a SQLite test app"));
    let dir = file.parent().unwrap().to_owned();
    (file, dir)
}

async fn order_ids(database: &Path) -> HashSet<String> {
    let url = format!("sqlite://{}?mode=ro", database.display());
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the restored database");
    let ids: Vec<String> = sqlx::query_scalar("SELECT order_id FROM orders")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    ids.into_iter().collect()
}

/// An answered order: when its request was sent, when the answer came, its id.
#[derive(Clone)]
struct Acked {
    sent: Instant,
    at: Instant,
    id: String,
}

/// Four API clients creating checkouts, each answer noted with its times.
struct Writers {
    acked: Arc<Mutex<Vec<Acked>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writers {
    /// Starts the load and returns once 50 orders are answered.
    async fn start(app: &TestApp) -> Writers {
        let api = Arc::new(app.api("M100001").await);
        let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (api, acked, stop) = (api.clone(), acked.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                // Bounded: at most 2,000 orders per writer, and the test stops them much sooner.
                for _ in 0..2_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let sent = Instant::now();
                    let res = api.create_checkout(&sample_order()).await;
                    assert_eq!(res.status(), 201);
                    let body: serde_json::Value = res.json().await.unwrap();
                    let at = Instant::now();
                    let id = body["order_id"].as_str().unwrap().to_owned();
                    acked.lock().unwrap().push(Acked { sent, at, id });
                }
            }));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while acked.lock().unwrap().len() < 50 {
            assert!(Instant::now() < deadline, "the writers made too few orders");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Writers { acked, stop, tasks }
    }

    /// Lets the load run a little longer, stops it: every answered order with its time.
    async fn stop(self) -> Vec<Acked> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.stop.store(true, Ordering::Relaxed);
        for t in self.tasks {
            t.await.unwrap();
        }
        let acked = self.acked.lock().unwrap().clone();
        acked
    }
}

#[tokio::test]
async fn a_backup_under_write_load_holds_every_write_acknowledged_before_it_started() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (database, data_dir) = database_of(&app);
    // The files a backup carries besides the database.
    std::fs::write(data_dir.join("secret-key"), "k".repeat(64)).unwrap();
    std::fs::create_dir_all(data_dir.join("objects/disputes/7")).unwrap();
    std::fs::write(data_dir.join("objects/disputes/7/receipt.pdf"), b"%PDF-1.7 receipt").unwrap();

    let load = Writers::start(&app).await;
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("kassa.backup");
    let started = Instant::now();
    let summary = backup_sqlite(&database, &data_dir, &file).await.expect("backup");
    let finished = Instant::now();
    let acked = load.stop().await;
    assert_eq!(summary.files, 2, "the secret key and the dispute file");
    assert!(summary.migration > 0);
    let before: Vec<&String> = acked.iter().filter(|a| a.at < started).map(|a| &a.id).collect();
    let after = acked.iter().filter(|a| a.sent > finished).count();
    assert!(before.len() >= 50, "{} writes before the backup", before.len());
    assert!(after > 0, "writes went on after the backup");

    let restored = tempfile::tempdir().unwrap();
    let target = restored.path().join("data");
    let done = restore_sqlite(&file, &target).await.expect("restore");
    assert_eq!(done.files, 2);
    assert_eq!(done.migration, summary.migration);
    let ids = order_ids(&done.database).await;
    let missing: Vec<_> = before.iter().filter(|id| !ids.contains(**id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup but not restored: {missing:?}"
    );
    // The copy is one moment: nothing sent after the backup finished is in it.
    let later: Vec<_> = acked
        .iter()
        .filter(|a| a.sent > finished && ids.contains(&a.id))
        .collect();
    assert!(later.is_empty(), "{} orders from after the backup", later.len());
    assert_eq!(
        std::fs::read(target.join("objects/disputes/7/receipt.pdf")).unwrap(),
        b"%PDF-1.7 receipt"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("secret-key")).unwrap(),
        "k".repeat(64)
    );
    // The restored folder is a working Kassa database: it opens, migrates and serves reads.
    let db = kassa_db::Db::connect(&kassa_db::DbConfig::new(format!(
        "sqlite://{}",
        done.database.display()
    )))
    .await
    .unwrap();
    db.migrate().await.unwrap();
    assert!(db.store("M100001").await.unwrap().is_some());
    db.close().await;
    // A second backup to the same file is refused, the first one kept.
    let again = backup_sqlite(&database, &data_dir, &file).await.unwrap_err();
    assert!(matches!(again, BackupError::TargetExists(_)), "{again}");
    app.stop().await;
}

#[tokio::test]
async fn restore_refuses_a_full_folder_a_damaged_file_and_a_foreign_one() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (database, data_dir) = database_of(&app);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.backup");
    backup_sqlite(&database, &data_dir, &file).await.unwrap();
    app.stop().await;

    // A folder with anything in it is never restored into.
    let full = dir.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("kassa.db"), b"the live database").unwrap();
    let err = restore_sqlite(&file, &full).await.unwrap_err();
    assert!(matches!(err, BackupError::FolderNotEmpty { .. }), "{err}");
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(std::fs::read(full.join("kassa.db")).unwrap(), b"the live database");

    // Not SQLite at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are not the rows you are looking for").unwrap();
    let err = restore_sqlite(&text, &dir.path().join("a")).await.unwrap_err();
    assert!(matches!(err, BackupError::NotKassa { .. }), "{err}");
    assert!(err.to_string().contains("not a Kassa backup"), "{err}");

    // SQLite, but not Kassa's.
    let foreign = dir.path().join("foreign.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE things (id INTEGER PRIMARY KEY); INSERT INTO things VALUES (1);")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let target = dir.path().join("b");
    let err = restore_sqlite(&foreign, &target).await.unwrap_err();
    assert!(matches!(err, BackupError::NotKassa { .. }), "{err}");
    assert!(err.to_string().contains("migration history"), "{err}");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0, "nothing is left behind");

    // Damaged: the second half of the file is gone.
    let bytes = std::fs::read(&file).unwrap();
    let damaged = dir.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let target = dir.path().join("c");
    let err = restore_sqlite(&damaged, &target).await.unwrap_err();
    assert!(matches!(err, BackupError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("damaged"), "{err}");
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0, "nothing is left behind");

    // The good one restores into a new folder.
    let done = restore_sqlite(&file, &dir.path().join("d")).await.unwrap();
    assert!(done.database.is_file());
}

/// PostgreSQL is backed up with its own tools, as the README says: `pg_dump -Fc` while Kassa
/// serves under write load, `pg_restore` into an empty database, and Kassa opened on the copy
/// finds every order acknowledged before the dump started (and none from after it ended).
#[tokio::test]
async fn postgres_dump_under_write_load_restores_every_write_acknowledged_before_it() {
    if !backends().await.contains(&Backend::Postgres) {
        return;
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    let schema = app
        .store
        .config()
        .pg_schema
        .expect("a PostgreSQL test app has its schema");
    let load = Writers::start(&app).await;
    let dumps = tempfile::tempdir().unwrap();
    let file = dumps.path().join("kassa.dump");
    let started = Instant::now();
    let out = std::process::Command::new("pg_dump")
        .args(["-Fc", "-n", &schema, "-f"])
        .arg(&file)
        .arg(postgres_url())
        .output()
        .expect("pg_dump runs (postgresql-client)");
    let finished = Instant::now();
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acked = load.stop().await;
    let before: Vec<&String> = acked.iter().filter(|a| a.at < started).map(|a| &a.id).collect();
    assert!(before.len() >= 50, "{} writes before the dump", before.len());
    assert!(acked.iter().any(|a| a.sent > finished), "writes went on after the dump");
    app.stop().await;

    let (url, name) = crate::process::new_pg_database("restore").await;
    // A dump of a whole database (the README's way) carries its extensions; this test's
    // Kassa lives in one schema of the shared test database, so the new database gets the
    // one extension Kassa uses (migration 0010) first.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out = std::process::Command::new("pg_restore")
        .args(["--no-owner", "-d", &url])
        .arg(&file)
        .output()
        .expect("pg_restore runs");
    assert!(
        out.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = kassa_db::Db::connect(&kassa_db::DbConfig {
        pg_schema: Some(schema.clone()),
        ..kassa_db::DbConfig::new(&url)
    })
    .await
    .unwrap();
    db.migrate().await.expect("the restored schema is current");
    assert!(db.store("M100001").await.unwrap().is_some());
    db.close().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let ids: HashSet<String> = sqlx::query_scalar::<_, String>(&format!("SELECT order_id FROM {schema}.orders"))
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    pool.close().await;
    crate::process::drop_pg_database(&name).await;
    let missing: Vec<_> = before.iter().filter(|id| !ids.contains(**id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the dump but not restored: {missing:?}"
    );
    // An order answered after the dump may have committed before it; one sent after the
    // dump ended cannot be in it.
    let later = acked
        .iter()
        .filter(|a| a.sent > finished && ids.contains(&a.id))
        .count();
    assert_eq!(later, 0, "orders sent after the dump ended are in it");
}
