//! The real `kassa` binary as a child process, for the crash trials and the outage tests:
//! its data folder (SQLite) or its own PostgreSQL database, started, killed and started again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `kassa` binary: `KASSA_BIN`, else `target/<profile>/kassa` next to this test binary,
/// brought up to date first. It is built together with this package's tests
/// (`cargo build -p kassa -p kassa-web --bins --tests`), so the dependencies are built with
/// the same features as this test binary and are shared with it: when everything is fresh
/// it is a no-op of a second or two.
pub(crate) fn kassa_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("KASSA_BIN") {
        return PathBuf::from(bin);
    }
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let me = std::env::current_exe().expect("the test binary's path");
            // target/<profile>/deps/it-… → target/<profile>/kassa
            let profile_dir = me.parent().and_then(Path::parent).expect("target/<profile>");
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.args([
                "build",
                "--quiet",
                "-p",
                "kassa",
                "-p",
                "kassa-web",
                "--bins",
                "--tests",
            ]);
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                cmd.arg("--release");
            }
            let status = cmd.status().expect("run cargo build -p kassa");
            assert!(status.success(), "cargo build -p kassa failed");
            let bin = profile_dir.join("kassa");
            assert!(bin.exists(), "no kassa binary at {}", bin.display());
            bin
        })
        .clone()
}

/// A free port on loopback (bound and let go; the child binds it right after).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Where one installation keeps its data, and how to start `kassa` on it.
pub(crate) struct Install {
    pub dir: tempfile::TempDir,
    /// `None`: SQLite in the data folder.
    pub database_url: Option<String>,
    pub port: u16,
    pub env: Vec<(String, String)>,
}

pub(crate) const SECRET_KEY: &str = "crash trials secret key of kassa, 32+ characters";
pub(crate) const DEMO_PASSWORD: &str = "Crash trials 2026 pw";

impl Install {
    pub fn new(database_url: Option<String>) -> Install {
        Install {
            dir: tempfile::tempdir().unwrap(),
            database_url,
            port: free_port(),
            env: Vec::new(),
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir().join("kassa.db")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `kassa <args…>` on this installation's data (flags go through the environment).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(kassa_bin());
        cmd.args(args)
            .env("KASSA_DATA_DIR", self.data_dir())
            .env("KASSA_SECRET_KEY", SECRET_KEY)
            .env("KASSA_DEMO_PASSWORD", DEMO_PASSWORD)
            .env("KASSA_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("KASSA_WORKER_INTERVAL_MS", "100")
            .env("KASSA_WEBHOOK_ALLOW_PRIVATE", "true")
            .env("KASSA_LOG", "warn,kassa=info")
            .env_remove("KASSA_DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("KASSA_DATABASE_URL", url);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs a CLI command to its end; its standard output.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command(args).stderr(Stdio::piped()).output().expect("run kassa");
        assert!(
            out.status.success(),
            "kassa {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Starts `kassa <subcommand>` (serve or demo) and waits until `/readyz` answers 200.
    pub async fn start(&self, subcommand: &str) -> Running {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir().join("kassa.log"))
            .unwrap();
        let child = self
            .command(&[subcommand])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start kassa");
        let mut running = Running {
            child: Some(child),
            url: self.url(),
        };
        running.wait_ready(Duration::from_secs(120)).await;
        running
    }

    /// The last lines of the server log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data_dir().join("kassa.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

/// A running `kassa`; killed (SIGKILL) when dropped.
pub(crate) struct Running {
    child: Option<Child>,
    pub url: String,
}

impl Running {
    pub async fn wait_ready(&mut self, within: Duration) {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("kassa exited before it was ready: {status}");
            }
            if let Ok(res) = http.get(format!("{}/readyz", self.url)).send().await {
                if res.status() == 200 {
                    return;
                }
            }
            assert!(started.elapsed() < within, "kassa was not ready within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// `kill -9`, and waits for the process to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM (a graceful stop) and returns at once.
    pub fn term(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }

    /// Waits for the process to end by itself; its exit code.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let started = Instant::now();
        let child = self.child.as_mut().expect("running");
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status.code();
            }
            assert!(started.elapsed() < within, "kassa did not stop within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A new, empty PostgreSQL database next to the test database of `KASSA_TEST_POSTGRES_URL`,
/// dropped again by [`drop_pg_database`].
pub(crate) async fn new_pg_database(tag: &str) -> (String, String) {
    let admin = crate::support::postgres_url();
    let name = format!(
        "kassa_{tag}_{}_{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap()
    );
    let pool = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    (format!("{base}/{name}"), name)
}

pub(crate) async fn drop_pg_database(name: &str) {
    let pool = sqlx::PgPool::connect(&crate::support::postgres_url())
        .await
        .expect("PostgreSQL");
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await;
    pool.close().await;
}

/// A child started by hand (e.g. `kassa demo`), as a [`Running`].
pub(crate) fn wrap(child: Child, url: String) -> Running {
    Running {
        child: Some(child),
        url,
    }
}
