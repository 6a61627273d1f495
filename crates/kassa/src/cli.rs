use crate::serve;
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use kassa_app::team::NewMember;
use kassa_app::{Actor, AppError};
use kassa_core::access::Role;
use kassa_core::account::{Email, NewPassword, StoreId};
use kassa_db::{Db, DbConfig};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "kassa", version, about = "Kassa: merchant portal and payments back office")]
pub struct Cli {
    /// Log format: human-readable text or one JSON object per line.
    #[arg(long, env = "KASSA_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal, the merchant API and the back office.
    Serve(ServeArgs),
    /// Like `serve`, but first seeds the demo merchant into an empty database.
    Demo(DemoArgs),
    /// Create or update the database schema, then exit.
    Migrate(DbArgs),
    /// Manage portal users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage merchant API credentials.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Emails waiting in the outbox (used when no SMTP server is configured).
    #[command(subcommand)]
    Mail(MailCommand),
    /// Manage the provider's back-office operators.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Manage a store's webhook endpoints.
    #[command(subcommand)]
    Webhook(crate::webhook_cli::WebhookCommand),
    /// Copy the SQLite database, the secret key and the local object store into one backup
    /// file, while Kassa serves. (PostgreSQL: use pg_dump.)
    Backup(crate::backup_cli::BackupArgs),
    /// Put a backup made by `kassa backup` into an empty data folder, after checking it.
    Restore(crate::backup_cli::RestoreArgs),
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Create an operator (the first one comes from here; then an ops_admin adds the rest
    /// in /ops/operators).
    Create(OperatorCreateArgs),
}

#[derive(Args)]
struct OperatorCreateArgs {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// ops_admin, onboarding, finance, risk or support.
    #[arg(long)]
    role: String,
    /// Back-office language of the operator (en, sv, de, fi, nb, da, nl).
    #[arg(long, default_value = "en")]
    language: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum MailCommand {
    /// List the messages in the outbox, oldest first.
    List(MailListArgs),
}

#[derive(Args)]
struct MailListArgs {
    /// One JSON array instead of readable text.
    #[arg(long)]
    json: bool,
    /// Folder for the embedded database and other local files; the outbox is its `outbox`.
    #[arg(long, env = "KASSA_DATA_DIR", default_value = "./kassa-data")]
    data_dir: PathBuf,
}

/// Outgoing email. Without `--smtp-host`, messages are written to `<data-dir>/outbox`.
#[derive(Args, Clone)]
pub struct SmtpArgs {
    /// SMTP server to send email through.
    #[arg(long, env = "KASSA_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port; default 587 for starttls, 465 for tls, 25 for none.
    #[arg(long, env = "KASSA_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// How the connection is secured: starttls, tls (implicit) or none.
    #[arg(long, env = "KASSA_SMTP_TLS", default_value = "starttls")]
    pub smtp_tls: String,
    /// SMTP user name, if the server wants one.
    #[arg(long, env = "KASSA_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// SMTP password (prefer the environment variable: flags show up in process lists).
    #[arg(long, env = "KASSA_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From address of emails. Default: Kassa <no-reply@HOST of the public URL>.
    #[arg(long, env = "KASSA_SMTP_FROM")]
    pub smtp_from: Option<String>,
}

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Folder for the embedded database and other local files.
    #[arg(long, env = "KASSA_DATA_DIR", default_value = "./kassa-data")]
    pub data_dir: PathBuf,
    /// Database URL; default is the SQLite file kassa.db in the data folder.
    /// `postgres://USER@HOST/DB` selects PostgreSQL.
    #[arg(long, env = "KASSA_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Connections in the database pool.
    #[arg(long, env = "KASSA_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
}

#[derive(Args, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "KASSA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The URL people use to reach Kassa (links, emails, cookie security). Default:
    /// http://LISTEN.
    #[arg(long, env = "KASSA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How often background jobs (push notifications, expiry) are looked for, in ms.
    #[arg(long, env = "KASSA_WORKER_INTERVAL_MS", default_value_t = 1000)]
    pub worker_interval_ms: u64,
    /// Let webhook endpoints use private, loopback and link-local addresses and plain http
    /// (development and tests; `kassa demo` turns it on). Off: https to public addresses only.
    #[arg(long, env = "KASSA_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub webhook_allow_private: bool,
    /// Where custom report files are kept: `s3://bucket/prefix` for S3-compatible storage
    /// (credentials, region and endpoint from the usual AWS_* variables). Default: the
    /// folder `objects` in the data folder.
    #[arg(long, env = "KASSA_OBJECT_STORE_URL")]
    pub object_store_url: Option<String>,
    /// Bearer token that scrapes of /metrics must send (`Authorization: Bearer TOKEN`).
    /// Without it /metrics is open to whoever reaches the address.
    #[arg(long, env = "KASSA_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve /metrics on this address only (e.g. 127.0.0.1:9090), not on --listen.
    #[arg(long, env = "KASSA_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

#[derive(Args, Clone)]
pub struct DemoArgs {
    /// Orders to seed into the playground store when it has none.
    #[arg(long, env = "KASSA_DEMO_ORDERS", default_value_t = 3000)]
    pub orders: usize,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create API credentials for a store; the password is shown once.
    Create {
        #[arg(long)]
        store: String,
        /// A name to recognise the key by, e.g. the platform using it.
        #[arg(long, default_value = "API key")]
        name: String,
        /// Print `{"username": …, "password": …}` instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List API keys (never their secrets).
    List {
        #[arg(long)]
        store: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke an API key by username; calls with it get 401 at once.
    Revoke {
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Enable again an API key that was disabled after 60 days without calls.
    Enable {
        username: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with a role in one or more stores.
    Create(UserCreateArgs),
}

#[derive(Args)]
struct UserCreateArgs {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// Store ID the user gets access to; repeat for several stores.
    #[arg(long = "store", required = true)]
    stores: Vec<String>,
    /// Role in those stores: super_admin, admin, user, settlement, disputes, read_only,
    /// terminated or external.
    #[arg(long)]
    role: String,
    /// Portal language of the user (en, sv, de, fi, nb, da, nl).
    #[arg(long, default_value = "en")]
    language: String,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    db: DbArgs,
}

impl DbArgs {
    /// Opens the database (creating the data folder and SQLite file as needed) and migrates it.
    pub async fn open(&self) -> Result<Db> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data folder {}; check that its parent exists and is writable",
                self.data_dir.display()
            )
        })?;
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("kassa.db").display()),
        };
        let config = DbConfig {
            max_connections: self.db_max_connections,
            ..DbConfig::new(url)
        };
        let db = Db::connect(&config).await?;
        db.migrate().await?;
        Ok(db)
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args, None).await,
        Command::Demo(args) => {
            let password = serve::demo_password(&args.serve.db.data_dir)?;
            serve::serve(args.serve, Some((password, args.orders))).await
        }
        Command::Migrate(args) => {
            let db = args.open().await?;
            println!("database at {} is up to date", db.url());
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => create_user(args).await,
        Command::Key(cmd) => key_command(cmd).await,
        Command::Mail(MailCommand::List(args)) => list_mail(args),
        Command::Operator(OperatorCommand::Create(args)) => create_operator(args).await,
        Command::Webhook(cmd) => crate::webhook_cli::run(cmd).await,
        Command::Backup(args) => crate::backup_cli::backup(args).await,
        Command::Restore(args) => crate::backup_cli::restore(args).await,
    }
}

/// The password from standard input (`--password-stdin`), or `None` to have one generated.
fn password_from_stdin(enabled: bool) -> Result<Option<String>> {
    if !enabled {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned()))
}

fn check_language(code: &str) -> Result<()> {
    if kassa_web::shell::i18n::Lang::from_code(code).is_none() {
        bail!("unknown language {code:?}; use en, sv, de, fi, nb, da or nl");
    }
    Ok(())
}

async fn create_operator(args: OperatorCreateArgs) -> Result<()> {
    let role: kassa_core::ops_access::OperatorRole = args.role.parse()?;
    check_language(&args.language)?;
    let password = password_from_stdin(args.password_stdin)?;
    let db = args.db.open().await?;
    let input = kassa_app::operators::NewOperatorInput {
        email: &args.email,
        name: &args.name,
        role,
        password: password.as_deref(),
        language: &args.language,
    };
    let created = match kassa_app::operators::create_operator(&db, &Actor::system(), &input).await {
        Ok(created) => created,
        Err(AppError::Invalid(fields)) => {
            let reasons: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            bail!("cannot create the operator: {}", reasons.join("; "));
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "created operator {} ({role}); they sign in at /ops/sign-in",
        created.email
    );
    if let Some(password) = created.generated_password {
        println!("password: {password}");
    }
    Ok(())
}

async fn key_command(cmd: KeyCommand) -> Result<()> {
    // The command line is Kassa itself, recorded as `cli` in the audit log.
    let cli = || Actor::system().named("cli");
    match cmd {
        KeyCommand::Create { store, name, json, db } => {
            let store_id = StoreId::parse(&store)?;
            let secret = serve::secret_key(&db.data_dir)?;
            let db = db.open().await?;
            if db.store(store_id.as_str()).await?.is_none() {
                bail!("store {store_id} does not exist");
            }
            let cred =
                match kassa_app::api_keys::create_key(&db, &cli().in_store(store_id.as_str()), &secret, &name).await {
                    Ok(cred) => cred,
                    Err(AppError::Invalid(_)) => bail!("the name must be 1 to 80 characters"),
                    Err(e) => return Err(e.into()),
                };
            if json {
                println!("{}", serde_json::to_string(&cred)?);
            } else {
                println!(
                    "username: {}\npassword: {}\n(the password is shown only now; store it safely)",
                    cred.username, cred.password
                );
            }
        }
        KeyCommand::List { store, json, db } => {
            let db = db.open().await?;
            let actor = match &store {
                Some(s) => cli().in_store(s.as_str()),
                None => cli(),
            };
            let keys = kassa_app::api_keys::list_keys(&db, &actor).await?.keys;
            if json {
                let rows: Vec<_> = keys
                    .iter()
                    .map(|k| serde_json::json!({"id": k.id, "username": k.username, "store": k.store_id, "prefix": k.prefix, "name": k.name,
                        "created_by": k.created_by, "created_at": k.created_at, "last_used_at": k.last_used_at, "revoked_at": k.revoked_at,
                        "disabled_at": k.disabled_at, "state": k.state.code(),
                        "last_platform": k.last_platform().map(|p| p.code())}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for k in keys {
                    println!(
                        "{}\t{}\t{}…\t{}\t{}",
                        k.username,
                        k.store_id,
                        k.prefix,
                        k.state.code(),
                        k.name
                    );
                }
            }
        }
        KeyCommand::Revoke { username, db } => {
            let db = db.open().await?;
            let key = match kassa_app::api_keys::key_by_username(&db, &cli(), &username).await {
                Ok(k) => k,
                Err(AppError::NotFound(_)) => bail!("no API key {username}"),
                Err(e) => return Err(e.into()),
            };
            if !kassa_app::api_keys::revoke_key(&db, &cli(), key.id).await?.now {
                bail!("no active API key {username}");
            }
            println!("revoked {username}");
        }
        KeyCommand::Enable { username, db } => {
            let db = db.open().await?;
            let key = match kassa_app::api_keys::key_by_username(&db, &cli(), &username).await {
                Ok(k) => k,
                Err(AppError::NotFound(_)) => bail!("no API key {username}"),
                Err(e) => return Err(e.into()),
            };
            match kassa_app::api_keys::enable_key(&db, &cli(), key.id).await {
                Ok(true) => println!("enabled {username}"),
                Ok(false) => bail!("{username} is not disabled"),
                Err(AppError::Conflict(_)) => bail!("{username} is revoked; create a new key"),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

fn list_mail(args: MailListArgs) -> Result<()> {
    let dir = args.data_dir.join("outbox");
    let messages =
        kassa_web::mail::read_outbox(&dir).with_context(|| format!("cannot read the outbox {}", dir.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&messages)?);
        return Ok(());
    }
    if messages.is_empty() {
        println!("the outbox {} is empty", dir.display());
    }
    for m in &messages {
        println!("{}  to {}", m.created_at, m.to);
        println!("subject: {}", m.subject);
        for link in &m.links {
            println!("link: {link}");
        }
        println!();
        println!("{}", m.text.trim_end());
        println!("{}", "-".repeat(72));
    }
    Ok(())
}

async fn create_user(args: UserCreateArgs) -> Result<()> {
    let email = Email::parse(&args.email)?;
    let role: Role = args.role.parse()?;
    let stores = args
        .stores
        .iter()
        .map(|s| StoreId::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    check_language(&args.language)?;
    let (password, generated) = match password_from_stdin(args.password_stdin)? {
        Some(p) => (p, false),
        None => (kassa_web::password::random_password(20), true),
    };
    let password = NewPassword::parse(&password)?;
    let db = args.db.open().await?;
    let member = NewMember {
        email: email.clone(),
        name: args.name.clone(),
        role,
        stores,
        language: args.language.clone(),
        password: password.clone(),
    };
    match kassa_app::team::create_user(&db, &Actor::system(), &member).await {
        Ok(_) => {}
        Err(AppError::NotFound(_)) => bail!("store {} does not exist", args.stores.join(", ")),
        Err(e) => return Err(e.into()),
    }
    println!("created user {email} ({role}) in {}", args.stores.join(", "));
    if generated {
        println!("password: {}", password.expose());
    }
    Ok(())
}
