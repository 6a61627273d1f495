//! `kassa backup` and `kassa restore` as an operator runs them: the real binary, against the
//! data folder of a `kassa serve` that is running.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kassa(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kassa"));
    cmd.args(args)
        .env_remove("KASSA_DATABASE_URL")
        .env_remove("KASSA_DATA_DIR")
        .env("KASSA_LOG", "info,sqlx=warn");
    cmd
}

fn run(args: &[&str]) -> Output {
    kassa(args).output().expect("run kassa")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `kassa serve` on a free port, once it says it is listening.
fn serve(data: &Path) -> Child {
    let mut child = kassa(&["serve", "--listen", "127.0.0.1:0", "--data-dir", data.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kassa serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Kassa is listening") {
                let _ = tx.send(());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    while rx.try_recv().is_err() {
        assert!(Instant::now() < deadline, "kassa serve did not start");
        assert!(child.try_wait().unwrap().is_none(), "kassa serve exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn backup_while_serving_and_restore_into_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let mut server = serve(&data);
    std::fs::create_dir_all(data.join("objects/reports")).unwrap();
    std::fs::write(data.join("objects/reports/r1.csv"), "a,b\n1,2\n").unwrap();

    let file = dir.path().join("kassa-1.backup");
    let file_s = file.to_str().unwrap();
    let out = run(&["backup", "--to", file_s, "--data-dir", data_s]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("backed up"), "{}", text(&out));
    let out = run(&["backup", "--to", file_s, "--data-dir", data_s]);
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));
    server.kill().unwrap();
    server.wait().unwrap();

    let out = run(&["restore", "--from", file_s, "--data-dir", data_s]);
    assert!(!out.status.success(), "never into the live folder");
    assert!(text(&out).contains("is not empty"), "{}", text(&out));

    let fresh = dir.path().join("restored");
    let out = run(&["restore", "--from", file_s, "--data-dir", fresh.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read(fresh.join("secret-key")).unwrap(),
        std::fs::read(data.join("secret-key")).unwrap(),
        "the secret key made by serve comes back"
    );
    assert_eq!(
        std::fs::read_to_string(fresh.join("objects/reports/r1.csv")).unwrap(),
        "a,b\n1,2\n"
    );
    let out = run(&["migrate", "--data-dir", fresh.to_str().unwrap()]);
    assert!(out.status.success(), "the restored folder opens: {}", text(&out));

    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, "not a database").unwrap();
    let out = run(&[
        "restore",
        "--from",
        junk.to_str().unwrap(),
        "--data-dir",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("is not a Kassa backup"), "{}", text(&out));

    let out = run(&[
        "backup",
        "--to",
        dir.path().join("pg.backup").to_str().unwrap(),
        "--database-url",
        "postgres://kassa@127.0.0.1:1/kassa",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("pg_dump"), "{}", text(&out));
}
