//! `kassa backup` and `kassa restore`: the embedded SQLite database with the files of the
//! data folder it needs (secret key, local object store), in one file.

use anyhow::{bail, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to create; it must not exist yet.
    #[arg(long)]
    to: PathBuf,
    /// The data folder of the Kassa to back up (its database is kassa.db in it).
    #[arg(long, env = "KASSA_DATA_DIR", default_value = "./kassa-data")]
    data_dir: PathBuf,
    /// Refused unless it is the data folder's SQLite database: PostgreSQL is backed up with
    /// pg_dump.
    #[arg(long, env = "KASSA_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file made by `kassa backup`.
    #[arg(long)]
    from: PathBuf,
    /// The data folder to restore into; it must be empty or not exist yet.
    #[arg(long, env = "KASSA_DATA_DIR", default_value = "./kassa-data")]
    data_dir: PathBuf,
    /// Refused unless unset or a SQLite URL: PostgreSQL is restored with pg_restore.
    #[arg(long, env = "KASSA_DATABASE_URL")]
    database_url: Option<String>,
}

/// The SQLite file named by `--database-url`, or the data folder's kassa.db.
fn sqlite_file(database_url: &Option<String>, data_dir: &std::path::Path, verb: &str) -> Result<PathBuf> {
    match database_url.as_deref() {
        None => Ok(data_dir.join("kassa.db")),
        Some(url) if url.starts_with("postgres:") || url.starts_with("postgresql:") => bail!(
            "kassa {verb} handles the embedded SQLite database; for PostgreSQL use pg_dump -Fc and pg_restore \
             (see the README, Backups)"
        ),
        Some(url) => match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            Some(path) => Ok(PathBuf::from(path.split('?').next().unwrap_or(path))),
            None => bail!("unsupported database URL {}", kassa_db::redact_url(url)),
        },
    }
}

pub async fn backup(args: BackupArgs) -> Result<()> {
    let database = sqlite_file(&args.database_url, &args.data_dir, "backup")?;
    let summary = kassa_db::backup::backup_sqlite(&database, &args.data_dir, &args.to).await?;
    println!(
        "backed up {} (migration {}) and {} file(s) of {} into {} ({} bytes)",
        database.display(),
        summary.migration,
        summary.files,
        args.data_dir.display(),
        args.to.display(),
        summary.bytes
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> Result<()> {
    if args.database_url.is_some() {
        let database = sqlite_file(&args.database_url, &args.data_dir, "restore")?;
        if database != args.data_dir.join("kassa.db") {
            bail!("kassa restore puts the database at kassa.db in the data folder; leave KASSA_DATABASE_URL unset");
        }
    }
    let summary = kassa_db::backup::restore_sqlite(&args.from, &args.data_dir).await?;
    println!(
        "restored {} (migration {}) and {} file(s) into {}; start Kassa with --data-dir {}",
        args.from.display(),
        summary.migration,
        summary.files,
        args.data_dir.display(),
        args.data_dir.display()
    );
    Ok(())
}
