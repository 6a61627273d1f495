//! Backups of the embedded SQLite database, taken while Kassa serves, and their restore.
//!
//! `backup` copies the database with `VACUUM INTO`: one read transaction, so the copy is the
//! database as of one moment (every transaction committed before it began, none after), and
//! in WAL mode it never blocks the writer. The files that live beside the database in the
//! data folder and that the database needs go into the same backup file, in a table of their
//! own: the local object store (`objects/`: dispute attachments, report files) and the
//! installation's `secret-key` (API key hashes and signed checkout forms depend on it). They
//! are read after the snapshot, so every file the snapshot refers to is in the backup.
//!
//! `restore` puts a backup into an empty data folder after checking that it is whole
//! (`PRAGMA integrity_check`) and a Kassa database whose migrations this Kassa knows.
//! PostgreSQL is backed up with its own tools (`pg_dump`/`pg_restore`).

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Component, Path, PathBuf};
use thiserror::Error;

/// The table in a backup file that carries the data folder's files.
const FILES_TABLE: &str = "kassa_backup_files";

/// The data folder's entries that a backup carries besides the database.
const CARRIED: [&str; 2] = ["secret-key", "objects"];

/// What can go wrong in a backup or restore, phrased for the operator who runs it.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error("{0} already exists; give a new file name (a backup never overwrites a file)")]
    TargetExists(PathBuf),
    #[error("there is no Kassa database at {0}; give the data folder with --data-dir")]
    NoDatabase(PathBuf),
    #[error("the data folder {folder} is not empty (it holds {entry}); restore only into an empty or new folder")]
    FolderNotEmpty { folder: PathBuf, entry: String },
    #[error("cannot read the backup {0}: no such file")]
    NoBackup(PathBuf),
    #[error("{path} is not a Kassa backup: {reason}")]
    NotKassa { path: PathBuf, reason: String },
    #[error("{path} is damaged and was not restored: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path} was made by a newer Kassa (its database has migration {found}; this Kassa knows up to {known}); restore it with that version or newer"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
}

type Result<T> = std::result::Result<T, BackupError>;

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

fn sql(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Sqlite { context, source }
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// Size of the backup file in bytes.
    pub bytes: u64,
    /// Files of the data folder carried along (secret key, object store files).
    pub files: usize,
    /// The highest migration applied to the database.
    pub migration: i64,
}

/// Copies the SQLite database `database` (normally `DATA/kassa.db`), and the files of
/// `data_dir` it needs, into the new file `to`. Safe while Kassa serves from the database.
pub async fn backup_sqlite(database: &Path, data_dir: &Path, to: &Path) -> Result<BackupSummary> {
    let (database, data_dir, to) = (database.to_owned(), data_dir.to_owned(), to.to_owned());
    tokio::task::spawn_blocking(move || backup_blocking(&database, &data_dir, &to))
        .await
        .expect("the backup task does not panic")
}

fn backup_blocking(database: &Path, data_dir: &Path, to: &Path) -> Result<BackupSummary> {
    if to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database.to_owned()));
    }
    let name = to.file_name().and_then(|n| n.to_str()).unwrap_or("backup");
    let partial = to.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let made = (|| {
        let source = Connection::open_with_flags(database, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(sql(format!("cannot open {}", database.display())))?;
        source
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql("cannot set the busy timeout"))?;
        let partial_text = partial.to_str().ok_or_else(|| BackupError::Io {
            context: format!("{} is not a UTF-8 path", partial.display()),
            source: std::io::ErrorKind::InvalidInput.into(),
        })?;
        source.execute("VACUUM INTO ?1", [partial_text]).map_err(sql(format!(
            "cannot copy {} into {}",
            database.display(),
            partial.display()
        )))?;
        drop(source);
        let copy = Connection::open(&partial).map_err(sql(format!("cannot open {}", partial.display())))?;
        // One self-contained file, whatever mode the live database runs in.
        let _: String = copy
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(sql("cannot set the backup's journal mode"))?;
        let migration = latest_migration(&copy).map_err(|reason| BackupError::NotKassa {
            path: database.to_owned(),
            reason,
        })?;
        let files = carry_files(&copy, data_dir)?;
        drop(copy);
        let file = std::fs::File::open(&partial).map_err(io(format!("cannot open {}", partial.display())))?;
        file.sync_all()
            .map_err(io(format!("cannot flush {} to disk", partial.display())))?;
        // Into place without ever replacing a file that appeared meanwhile.
        std::fs::hard_link(&partial, to).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::TargetExists(to.to_owned()),
            _ => BackupError::Io {
                context: format!("cannot create {}", to.display()),
                source: e,
            },
        })?;
        sync_parent(to);
        Ok(BackupSummary {
            bytes: file.metadata().map(|m| m.len()).unwrap_or(0),
            files,
            migration,
        })
    })();
    let _ = std::fs::remove_file(&partial);
    made
}

/// Writes `secret-key` and every file under `objects/` into the backup's files table.
fn carry_files(copy: &Connection, data_dir: &Path) -> Result<usize> {
    copy.execute_batch(&format!(
        "CREATE TABLE {FILES_TABLE} (path TEXT PRIMARY KEY, content BLOB NOT NULL)"
    ))
    .map_err(sql("cannot add the files table to the backup"))?;
    let mut found = Vec::new();
    for entry in CARRIED {
        collect_files(&data_dir.join(entry), Path::new(entry), &mut found)?;
    }
    let mut insert = copy
        .prepare(&format!("INSERT INTO {FILES_TABLE} (path, content) VALUES (?1, ?2)"))
        .map_err(sql("cannot add files to the backup"))?;
    for (relative, full) in &found {
        let content = match std::fs::read(full) {
            Ok(c) => c,
            // Deleted since it was listed (report retention): the snapshot no longer needs it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(format!("cannot read {}", full.display()))(e)),
        };
        insert
            .execute(rusqlite::params![relative, content])
            .map_err(sql(format!("cannot add {relative} to the backup")))?;
    }
    Ok(found.len())
}

/// Regular files under `full` (a file or folder), as (`/`-separated relative path, path).
fn collect_files(full: &Path, relative: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let meta = match std::fs::symlink_metadata(full) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(format!("cannot read {}", full.display()))(e)),
    };
    if meta.is_file() {
        let text = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        out.push((text, full.to_owned()));
    } else if meta.is_dir() {
        let entries = std::fs::read_dir(full).map_err(io(format!("cannot list {}", full.display())))?;
        for entry in entries {
            let entry = entry.map_err(io(format!("cannot list {}", full.display())))?;
            collect_files(&entry.path(), &relative.join(entry.file_name()), out)?;
        }
    }
    Ok(())
}

/// The highest migration applied, after checking that every applied one is a migration of
/// this Kassa's SQLite schema with the same content.
fn latest_migration(conn: &Connection) -> std::result::Result<i64, String> {
    let has_history: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    if has_history.is_none() {
        return Err("it is a SQLite database without Kassa's migration history".into());
    }
    let mut stmt = conn
        .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
        .map_err(|e| e.to_string())?;
    let applied = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, bool>(1)?, r.get::<_, Vec<u8>>(2)?))
        })
        .map_err(|e| e.to_string())?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let known = crate::connect::sqlite_migrator();
    let newest_known = known.iter().map(|m| m.version).max().unwrap_or(0);
    let mut latest = 0;
    for (version, success, checksum) in applied {
        if !success {
            return Err(format!("its migration {version} did not finish"));
        }
        latest = latest.max(version);
        if version > newest_known {
            continue;
        }
        match known.iter().find(|m| m.version == version) {
            Some(m) if *m.checksum == *checksum => {}
            _ => return Err(format!("its migration {version} is not one of this Kassa's")),
        }
    }
    if latest == 0 {
        return Err("it has no migrations applied".into());
    }
    Ok(latest)
}

/// What a restore put back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    /// The restored database file (`DATA/kassa.db`).
    pub database: PathBuf,
    /// Files of the data folder put back (secret key, object store files).
    pub files: usize,
    /// The highest migration applied to the restored database.
    pub migration: i64,
}

/// Restores the backup `from` into `data_dir`, which must be empty or absent. Nothing is
/// left in the folder when the backup is refused.
pub async fn restore_sqlite(from: &Path, data_dir: &Path) -> Result<RestoreSummary> {
    let (from, data_dir) = (from.to_owned(), data_dir.to_owned());
    tokio::task::spawn_blocking(move || restore_blocking(&from, &data_dir))
        .await
        .expect("the restore task does not panic")
}

fn restore_blocking(from: &Path, data_dir: &Path) -> Result<RestoreSummary> {
    if !from.is_file() {
        return Err(BackupError::NoBackup(from.to_owned()));
    }
    match std::fs::read_dir(data_dir) {
        Ok(mut entries) => {
            if let Some(entry) = entries.next() {
                let entry = entry.map_err(io(format!("cannot list {}", data_dir.display())))?;
                return Err(BackupError::FolderNotEmpty {
                    folder: data_dir.to_owned(),
                    entry: entry.file_name().to_string_lossy().into_owned(),
                });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(io(format!("cannot create {}", data_dir.display())))?
        }
        Err(e) => return Err(io(format!("cannot read the data folder {}", data_dir.display()))(e)),
    }
    let mut header = [0u8; 16];
    let read = {
        use std::io::Read;
        let mut f = std::fs::File::open(from).map_err(io(format!("cannot open {}", from.display())))?;
        f.read(&mut header)
            .map_err(io(format!("cannot read {}", from.display())))?
    };
    if read < 16 || &header != b"SQLite format 3\0" {
        return Err(BackupError::NotKassa {
            path: from.to_owned(),
            reason: "it is not a SQLite database".into(),
        });
    }
    let restored = restore_checked(from, data_dir);
    if restored.is_err() {
        // The folder was empty: take away whatever this restore put there.
        if let Ok(entries) = std::fs::read_dir(data_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
    restored
}

fn restore_checked(from: &Path, data_dir: &Path) -> Result<RestoreSummary> {
    let database = data_dir.join("kassa.db");
    let staged = data_dir.join(".kassa.db.restoring");
    std::fs::copy(from, &staged).map_err(io(format!("cannot copy {} to {}", from.display(), staged.display())))?;
    let corrupt = |reason: String| BackupError::Corrupt {
        path: from.to_owned(),
        reason,
    };
    let conn = Connection::open(&staged).map_err(|e| corrupt(e.to_string()))?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check(20)")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| corrupt(e.to_string()))?;
    if problems != ["ok"] {
        return Err(corrupt(problems.join("; ")));
    }
    let migration = latest_migration(&conn).map_err(|reason| BackupError::NotKassa {
        path: from.to_owned(),
        reason,
    })?;
    let known = crate::connect::sqlite_migrator()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    if migration > known {
        return Err(BackupError::TooNew {
            path: from.to_owned(),
            found: migration,
            known,
        });
    }
    let mut files = 0;
    let has_files: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [FILES_TABLE],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| corrupt(e.to_string()))?;
    if has_files.is_some() {
        let mut stmt = conn
            .prepare(&format!("SELECT path, content FROM {FILES_TABLE} ORDER BY path"))
            .map_err(|e| corrupt(e.to_string()))?;
        let mut rows = stmt.query([]).map_err(|e| corrupt(e.to_string()))?;
        while let Some(row) = rows.next().map_err(|e| corrupt(e.to_string()))? {
            let path: String = row.get(0).map_err(|e| corrupt(e.to_string()))?;
            let content: Vec<u8> = row.get(1).map_err(|e| corrupt(e.to_string()))?;
            let relative = safe_relative(&path).ok_or_else(|| BackupError::NotKassa {
                path: from.to_owned(),
                reason: format!("it holds a file outside the data folder ({path:?})"),
            })?;
            write_file(&data_dir.join(relative), &content, path == "secret-key")?;
            files += 1;
        }
        drop(rows);
        drop(stmt);
        conn.execute_batch(&format!("DROP TABLE {FILES_TABLE}"))
            .map_err(sql("cannot remove the files table from the restored database"))?;
    }
    let _: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(sql("cannot set the restored database's journal mode"))?;
    conn.close()
        .map_err(|(_, e)| sql("cannot close the restored database")(e))?;
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot flush {} to disk", staged.display())))?;
    std::fs::rename(&staged, &database).map_err(io(format!("cannot create {}", database.display())))?;
    sync_parent(&database);
    Ok(RestoreSummary {
        database,
        files,
        migration,
    })
}

/// `path` as a relative path inside the data folder, or `None` when it would leave it.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    let inside = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    let carried = CARRIED.iter().any(|c| path == *c || path.starts_with(&format!("{c}/")));
    (inside && carried).then(|| p.to_owned())
}

fn write_file(path: &Path, content: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .map_err(io(format!("cannot create {}", path.display())))?;
    file.write_all(content)
        .and_then(|_| file.sync_all())
        .map_err(io(format!("cannot write {}", path.display())))
}

/// Makes a new name in a folder durable (best effort: not every platform syncs folders).
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent() {
        if let Ok(dir) = std::fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn restored_files_stay_inside_the_data_folder() {
        assert!(safe_relative("secret-key").is_some());
        assert!(safe_relative("objects/disputes/1/a.pdf").is_some());
        assert!(safe_relative("objects/../../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("kassa.db").is_none());
        assert!(safe_relative("").is_none());
    }
}
