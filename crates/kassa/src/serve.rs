use crate::cli::{LogFormat, ServeArgs};
use anyhow::{Context, Result};
use kassa_core::account::NewPassword;
use kassa_web::mail::{MailConfig, SmtpConfig, SmtpTls};
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
    if let Ok(saved) = std::fs::read_to_string(&file) {
        return NewPassword::parse(saved.trim()).with_context(|| format!("{} holds no valid password", file.display()));
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
    if let Ok(saved) = std::fs::read_to_string(&file) {
        return Ok(saved.trim().as_bytes().to_vec());
    }
    let key = kassa_web::password::random_token();
    write_private(&file, &key).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(key.into_bytes())
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(content.as_bytes())
}

/// Serves; `demo` (password, order count) seeds the demo merchant first.
pub async fn serve(args: ServeArgs, demo: Option<(NewPassword, usize)>) -> Result<()> {
    let db = args.db.open().await?;
    if let Some((password, orders)) = &demo {
        if kassa_web::demo::seed_if_empty(&db, password).await? {
            tracing::info!("seeded the demo merchant Demo Shop AB");
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
    let config = WebConfig {
        public_url: public_url.clone(),
        secret_key: secret_key(&args.db.data_dir)?,
        worker_interval: std::time::Duration::from_millis(args.worker_interval_ms),
        mail,
    };
    let state = AppState::new(db.clone(), config);
    tracing::info!(%addr, database = db.url(), "Kassa is listening");
    if let Some((password, _)) = &demo {
        println!("Kassa demo: {}/portal", public_url.trim_end_matches('/'));
        let users: Vec<String> = kassa_web::demo::demo_users()
            .into_iter()
            .map(|(email, _)| email)
            .collect();
        println!("Sign in as any of: {}", users.join(", "));
        println!("Password: {}", password.expose());
    }
    server.serve(state, shutdown_signal()).await.context("serving HTTP")?;
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

/// Resolves on Ctrl-C or SIGTERM, after which requests in flight are finished.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
