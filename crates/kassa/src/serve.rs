use crate::cli::{LogFormat, ServeArgs};
use anyhow::{Context, Result};
use kassa_core::account::NewPassword;
use kassa_web::mail::{MailConfig, SmtpConfig, SmtpTls};
use kassa_web::objects::{Objects, ObjectsConfig};
use kassa_web::{AppState, Server, WebConfig};
use std::path::Path;
use tracing_subscriber::EnvFilter;

pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("KASSA_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

/// The demo password: `KASSA_DEMO_PASSWORD`, else the one generated at the first demo start
/// and kept in the data folder (mode 0600), so it can be printed again at every start.
pub fn demo_password(data_dir: &Path) -> Result<NewPassword> {
    if let Ok(p) = std::env::var("KASSA_DEMO_PASSWORD") {
        return NewPassword::parse(&p).context("KASSA_DEMO_PASSWORD does not meet the password policy");
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let file = data_dir.join("demo-password");
    if let Some(saved) = read_saved(&file)? {
        return NewPassword::parse(&saved).with_context(|| format!("{} holds no valid password", file.display()));
    }
    let password = kassa_web::password::random_password(16);
    write_private(&file, &password).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(NewPassword::parse(&password).expect("generated passwords meet the policy"))
}

/// The installation's secret key: `KASSA_SECRET_KEY` (hex or any text of 32+ characters),
/// else a random key generated at first start into the data folder (mode 0600). Processes
/// sharing one PostgreSQL database must share the key (set the variable).
pub fn secret_key(data_dir: &Path) -> Result<Vec<u8>> {
    if let Ok(k) = std::env::var("KASSA_SECRET_KEY") {
        anyhow::ensure!(k.len() >= 32, "KASSA_SECRET_KEY must have at least 32 characters");
        return Ok(k.into_bytes());
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let file = data_dir.join("secret-key");
    if let Some(saved) = read_saved(&file)? {
        return Ok(saved.into_bytes());
    }
    let key = kassa_web::password::random_token();
    write_private(&file, &key).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(key.into_bytes())
}

/// A value kept in the data folder, trimmed. An empty file is what an older Kassa left
/// when it was killed between creating the file and writing it: it counts as absent (and is
/// removed), so the value is made again instead of the folder never starting.
fn read_saved(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(saved) if !saved.trim().is_empty() => Ok(Some(saved.trim().to_owned())),
        Ok(_) => {
            std::fs::remove_file(path).with_context(|| format!("cannot remove the empty {}", path.display()))?;
            Ok(None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes a new private file (mode 0600) all at once: the content goes to a temporary file
/// that is synced and then linked into place, so a crash leaves the file whole or absent.
/// Like `create_new`, it fails if the file appeared meanwhile.
fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = (|| {
        let mut f = options.open(&tmp)?;
        f.write_all(content.as_bytes())?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    written
}

/// Serves; `demo` (password, order count) seeds the demo merchant first.
pub async fn serve(args: ServeArgs, demo: Option<(NewPassword, usize)>) -> Result<()> {
    let db = args.db.open().await?;
    if let Some((password, orders)) = &demo {
        if kassa_web::demo::seed_if_empty(&db, password).await? {
            tracing::info!("seeded the demo merchant Demo Shop AB");
        }
        if kassa_web::demo::seed_operator(&db, password).await? {
            tracing::info!(
                operator = kassa_web::demo::DEMO_OPERATOR,
                "seeded the demo's back-office operator; operator two-factor is off in the demo"
            );
        }
        let started = std::time::Instant::now();
        // A few thousand orders go through the order operations one by one; beyond that, a
        // bulk path makes large stores (a million orders) in minutes.
        let seeded = if *orders > 5_000 {
            kassa_web::demo::seed_orders_bulk(&db, *orders).await?
        } else {
            kassa_web::demo::seed_orders(&db, *orders).await?
        };
        if seeded > 0 {
            tracing::info!(
                orders = seeded,
                seconds = started.elapsed().as_secs_f64(),
                "seeded demo orders"
            );
        }
    }
    // Before the listener: the handlers must be in place by the first answer, or a SIGTERM
    // sent as soon as Kassa is ready finds the default action and ends the process without
    // finishing anything.
    let shutdown = shutdown_signal()?;
    let server = Server::bind(&args.listen).await?;
    let addr = server.local_addr();
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let mail = mail_config(&args, &public_url)?;
    match &mail {
        MailConfig::Outbox { dir } => {
            tracing::info!(outbox = %dir.display(), "no SMTP server configured: emails go to the outbox (kassa mail list)")
        }
        MailConfig::Smtp(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "sending email over SMTP")
        }
    }
    kassa_web::mail::Mailer::check(&mail)?;
    let objects = match &args.object_store_url {
        Some(url) => ObjectsConfig::parse_url(url)?,
        None => ObjectsConfig::Local(args.db.data_dir.join("objects")),
    };
    Objects::check(&objects)?;
    if demo.is_some() {
        // The demo's disputes keep their files in the object store, so they come last.
        let opened = kassa_web::demo::seed_disputes(&db, &Objects::new(&objects)).await?;
        if opened > 0 {
            tracing::info!(disputes = opened, "seeded demo disputes");
        }
    }
    tracing::info!(objects = %objects.describe(), "report files are kept here");
    let config = WebConfig {
        public_url: public_url.clone(),
        secret_key: secret_key(&args.db.data_dir)?,
        worker_interval: std::time::Duration::from_millis(args.worker_interval_ms),
        mail,
        objects,
        // The demo runs locally: its webhooks go to local receivers.
        webhook_allow_private: args.webhook_allow_private || demo.is_some(),
    };
    let state =
        AppState::new(db.clone(), config).with_metrics(args.metrics_token.clone(), args.metrics_listen.is_some());
    if let Some(listen) = &args.metrics_listen {
        let metrics_server = Server::bind(listen).await?;
        tracing::info!(addr = %metrics_server.local_addr(), "serving /metrics on its own address");
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = kassa_web::metrics::serve_separately(metrics_server, state).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    if let Ok(Some(encrypted)) = db.connection_encrypted().await {
        tracing::info!(tls = encrypted, "database connection");
    }
    tracing::info!(%addr, database = db.url(), "Kassa is listening");
    if let Some((password, _)) = &demo {
        println!("Kassa demo: {}/portal", public_url.trim_end_matches('/'));
        let users: Vec<String> = kassa_web::demo::demo_users()
            .into_iter()
            .map(|(email, _)| email)
            .collect();
        println!("Sign in as any of: {}", users.join(", "));
        println!("Password: {}", password.expose());
        println!(
            "Back office: {}/ops as {} (same password; operator two-factor is off in the demo)",
            public_url.trim_end_matches('/'),
            kassa_web::demo::DEMO_OPERATOR
        );
    }
    server.serve(state, shutdown).await.context("serving HTTP")?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// SMTP when a host is given, else the outbox folder in the data directory.
fn mail_config(args: &ServeArgs, public_url: &str) -> Result<MailConfig> {
    let smtp = &args.smtp;
    let Some(host) = smtp.smtp_host.clone() else {
        return Ok(MailConfig::Outbox {
            dir: args.db.data_dir.join("outbox"),
        });
    };
    let tls: SmtpTls = smtp.smtp_tls.parse().map_err(anyhow::Error::msg)?;
    if smtp.smtp_username.is_some() != smtp.smtp_password.is_some() {
        anyhow::bail!("give both --smtp-username and --smtp-password, or neither");
    }
    let from = match &smtp.smtp_from {
        Some(from) => from.clone(),
        None => {
            let host_of_url = public_url
                .split("://")
                .nth(1)
                .unwrap_or(public_url)
                .split(['/', ':'])
                .next()
                .unwrap_or("localhost");
            format!("Kassa <no-reply@{host_of_url}>")
        }
    };
    Ok(MailConfig::Smtp(SmtpConfig {
        host,
        port: smtp.smtp_port.unwrap_or(tls.default_port()),
        tls,
        username: smtp.smtp_username.clone(),
        password: smtp.smtp_password.clone(),
        from,
    }))
}

/// Resolves on Ctrl-C or SIGTERM, after which requests in flight are finished. The signal
/// handlers are installed by this call, not when the future is first polled.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()).context("listening for SIGINT")?,
            signal(SignalKind::terminate()).context("listening for SIGTERM")?,
        )
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_key_file_left_by_a_crash_is_made_again() {
        let dir = std::env::temp_dir().join(format!("kassa-serve-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("secret-key");
        std::fs::write(&file, "").unwrap();
        assert_eq!(read_saved(&file).unwrap(), None);
        assert!(!file.exists(), "the empty file is removed");
        write_private(&file, "abc").unwrap();
        assert_eq!(read_saved(&file).unwrap().as_deref(), Some("abc"));
        assert!(
            write_private(&file, "other").is_err(),
            "an existing file is never replaced"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "abc");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file stays behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
