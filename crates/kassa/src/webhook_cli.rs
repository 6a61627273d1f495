//! `kassa webhook …`: a store's webhook endpoints from scripts, through the same use cases
//! as the portal (Kassa itself is the actor; the audit log says `kassa`).

use crate::cli::DbArgs;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use kassa_app::webhooks::{self, EndpointInput, UrlPolicy};
use kassa_app::{Actor, AppError};
use kassa_core::account::StoreId;
use kassa_core::webhook::{events_from_stored, parse_events};

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Create an endpoint; its signing secret is shown once.
    Create {
        #[arg(long)]
        store: String,
        #[arg(long)]
        url: String,
        /// Comma-separated event types, e.g. order.captured,order.refunded.
        #[arg(long)]
        events: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Allow private, loopback and link-local addresses and plain http (development).
        #[arg(long, env = "KASSA_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        allow_private: bool,
        /// Print `{"id": …, "secret": …}` instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List endpoints (never their secrets).
    List {
        #[arg(long)]
        store: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Delete an endpoint and its deliveries.
    Delete {
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

fn refused(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(fields) => {
            let reasons: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            anyhow::anyhow!("cannot save the endpoint: {}", reasons.join("; "))
        }
        other => other.into(),
    }
}

/// What `create --json` prints for scripts: exactly `{"id": …, "secret": …}`.
fn created_json(c: &webhooks::Created) -> serde_json::Value {
    serde_json::json!({"id": c.endpoint.id, "secret": c.secret})
}

pub async fn run(cmd: WebhookCommand) -> Result<()> {
    let now = kassa_web::now_ms();
    match cmd {
        WebhookCommand::Create {
            store,
            url,
            events,
            description,
            allow_private,
            json,
            db,
        } => {
            let store = StoreId::parse(&store)?;
            let events = parse_events(&events).map_err(anyhow::Error::msg)?;
            let db = db.open().await?;
            db.store(store.as_str())
                .await?
                .with_context(|| format!("store {store} does not exist"))?;
            let input = EndpointInput {
                url,
                description,
                events,
            };
            let actor = Actor::system().in_store(store.as_str());
            let policy = UrlPolicy { allow_private };
            let created = webhooks::create_endpoint(&db, &actor, &input, policy, now)
                .await
                .map_err(refused)?;
            if json {
                println!("{}", created_json(&created));
            } else {
                println!(
                    "id: {}\nsecret: {}\n(the secret is shown only now; store it safely)",
                    created.endpoint.id, created.secret
                );
            }
        }
        WebhookCommand::List { store, json, db } => {
            let db = db.open().await?;
            let rows = db.webhook_endpoints(store.as_deref()).await?;
            let events =
                |stored: &str| -> Vec<&'static str> { events_from_stored(stored).iter().map(|e| e.code()).collect() };
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|e| {
                        serde_json::json!({"id": e.id, "store": e.store_id, "url": e.url, "description": e.description,
                            "events": events(&e.events), "enabled": e.disabled_at.is_none(),
                            "disabled_reason": e.disabled_reason, "created_by": e.created_by, "created_at": e.created_at})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for e in rows {
                    let state = if e.disabled_at.is_some() { "disabled" } else { "enabled" };
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        e.id,
                        e.store_id,
                        state,
                        e.url,
                        events(&e.events).join(",")
                    );
                }
            }
        }
        WebhookCommand::Delete { id, db } => {
            let db = db.open().await?;
            let Some(e) = db.webhook_endpoint(None, &id).await? else {
                bail!("no webhook endpoint {id}");
            };
            let actor = Actor::system().in_store(e.store_id.as_str());
            webhooks::delete_endpoint(&db, &actor, &id, now).await?;
            println!("deleted {id}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: WebhookCommand,
    }

    /// `kassa webhook create … --json` parses as documented, creates the endpoint through the
    /// use case, and prints exactly `id` and `secret`; `delete` removes it.
    #[tokio::test]
    async fn create_json_list_and_delete() {
        let dir = std::env::temp_dir().join(format!("kassa-webhook-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = dir.to_str().unwrap();
        let args = [
            "x",
            "create",
            "--store",
            "M100001",
            "--url",
            "https://shop.example.com/hooks",
            "--events",
            "order.captured,order.refunded",
            "--json",
            "--data-dir",
            data,
        ];
        let Cli { cmd } = Cli::try_parse_from(args).unwrap();
        let WebhookCommand::Create { db, events, url, .. } = cmd else {
            panic!("not create")
        };
        let db = db.open().await.unwrap();
        let password = kassa_core::account::NewPassword::parse("correct horse battery staple").unwrap();
        kassa_web::demo::seed_if_empty(&db, &password).await.unwrap();
        let input = EndpointInput {
            url,
            description: String::new(),
            events: parse_events(&events).unwrap(),
        };
        // The name is not resolved here: the test must not depend on DNS.
        let policy = UrlPolicy { allow_private: true };
        let kassa = Actor::system().in_store("M100001");
        let created = webhooks::create_endpoint(&db, &kassa, &input, policy, 1).await.unwrap();
        let out = created_json(&created);
        let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "secret"]);
        assert!(out["secret"].as_str().unwrap().starts_with("whsec_"));
        let id = out["id"].as_str().unwrap().to_owned();
        let rows = db.webhook_endpoints(Some("M100001")).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].events, ",order.captured,order.refunded,");
        db.close().await;

        let Cli { cmd } = Cli::try_parse_from(["x", "delete", id.as_str(), "--data-dir", data]).unwrap();
        run(cmd).await.unwrap();
        let Cli { cmd } = Cli::try_parse_from(["x", "list", "--json", "--data-dir", data]).unwrap();
        let WebhookCommand::List { db, .. } = cmd else {
            panic!("not list")
        };
        let db = db.open().await.unwrap();
        assert!(db.webhook_endpoints(None).await.unwrap().is_empty());
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
