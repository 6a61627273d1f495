//! Test harness: backends, a running app per test, and an HTTP client with one method per
//! portal action.

use kassa_core::account::NewPassword;
use kassa_db::{Backend, Db, DbConfig};
use kassa_web::{AppState, Server, WebConfig};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

pub const DEMO_PASSWORD: &str = "demo password 123";
pub const TEST_SECRET_KEY: &[u8] = b"test secret key of kassa integration tests";

/// `KASSA_TEST_LOG=debug` (any tracing filter) shows the server's logs in test output.
fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("KASSA_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
    });
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

pub fn postgres_url() -> String {
    std::env::var("KASSA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The backends to run on: `KASSA_TEST_BACKENDS` (default `sqlite,postgres`). Under CI an
/// unreachable PostgreSQL fails the run; elsewhere it is skipped with a loud note.
pub async fn backends() -> Vec<Backend> {
    let wanted = std::env::var("KASSA_TEST_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut out = Vec::new();
    for name in wanted.split(',').map(str::trim) {
        match name {
            "sqlite" => out.push(Backend::Sqlite),
            "postgres" => match Db::connect(&DbConfig::new(postgres_url())).await {
                Ok(db) => {
                    db.close().await;
                    out.push(Backend::Postgres)
                }
                Err(e) if in_ci() => panic!("CI=true but PostgreSQL cannot be used: {e}"),
                Err(e) => eprintln!("SKIPPING PostgreSQL (set KASSA_TEST_BACKENDS=sqlite to silence): {e}"),
            },
            "" => {}
            other => panic!("unknown backend {other:?} in KASSA_TEST_BACKENDS"),
        }
    }
    out
}

/// A fresh, migrated database: a SQLite file in a temporary folder, or a new PostgreSQL
/// schema that is dropped again by [`TestDb::drop_schema`].
pub struct TestDb {
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("kassa.db").display());
                let db = Db::connect(&DbConfig::new(url)).await.expect("open sqlite");
                db.migrate().await.expect("migrate sqlite");
                TestDb {
                    db,
                    _dir: Some(dir),
                    schema: None,
                }
            }
            Backend::Postgres => {
                sweep_stale_schemas().await;
                let schema = format!(
                    "kassa_t_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let config = DbConfig {
                    pg_schema: Some(schema.clone()),
                    max_connections: 8,
                    ..DbConfig::new(postgres_url())
                };
                let db = Db::connect(&config).await.expect("open postgres");
                db.migrate().await.expect("migrate postgres");
                TestDb {
                    db,
                    _dir: None,
                    schema: Some(schema),
                }
            }
        }
    }

    /// Closes every connection and opens the same database again, as a restarted process
    /// does: only what was committed is there. (Added for the demo-seeding tests, job fixes.)
    pub async fn reopen(&mut self) {
        self.db.close().await;
        let config = match (&self._dir, &self.schema) {
            (Some(dir), _) => DbConfig::new(format!("sqlite://{}", dir.path().join("kassa.db").display())),
            (None, Some(schema)) => DbConfig {
                pg_schema: Some(schema.clone()),
                max_connections: 8,
                ..DbConfig::new(postgres_url())
            },
            (None, None) => unreachable!("a test database is a file or a schema"),
        };
        self.db = Db::connect(&config).await.expect("reopen the test database");
    }

    pub async fn drop_schema(&self) {
        self.db.close().await;
        if let Some(schema) = &self.schema {
            let admin = Db::connect(&DbConfig::new(postgres_url()))
                .await
                .expect("admin connection");
            admin
                .execute_trusted(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .await
                .expect("drop schema");
            admin.close().await;
        }
    }
}

/// Drops test schemas left behind by test processes that no longer run (a panic skips
/// cleanup). Runs once per process.
async fn sweep_stale_schemas() {
    static DONE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    DONE.get_or_init(|| async {
        let pool = sqlx::PgPool::connect(&postgres_url()).await.expect("admin pool");
        let schemas: Vec<String> =
            sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'kassa_t_%'")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        for schema in schemas {
            let pid: Option<u32> = schema.split('_').nth(2).and_then(|p| p.parse().ok());
            let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .execute(&pool)
                    .await;
            }
        }
        pool.close().await;
    })
    .await;
}

/// A running Kassa with the demo merchant seeded.
pub struct TestApp {
    pub url: String,
    pub store: TestDb,
    /// Where the app's emails go (no SMTP in tests).
    pub outbox: tempfile::TempDir,
    /// Where the app keeps report files (its local object store).
    pub objects: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, None).await
    }

    /// `public_url` overrides the URL the app believes it has (e.g. https, to check cookies).
    pub async fn spawn_with(backend: Backend, public_url: Option<&str>) -> TestApp {
        init_logging();
        let store = TestDb::new(backend).await;
        let password = NewPassword::parse(DEMO_PASSWORD).unwrap();
        kassa_web::demo::seed_if_empty(&store.db, &password)
            .await
            .expect("seed demo");
        let server = Server::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", server.local_addr());
        let outbox = tempfile::tempdir().expect("outbox dir");
        let objects = tempfile::tempdir().expect("objects dir");
        let config = WebConfig {
            public_url: public_url.unwrap_or(&url).to_owned(),
            secret_key: TEST_SECRET_KEY.to_vec(),
            worker_interval: std::time::Duration::from_millis(50),
            mail: kassa_web::mail::MailConfig::Outbox {
                dir: outbox.path().to_owned(),
            },
            objects: kassa_web::objects::ObjectsConfig::Local(objects.path().to_owned()),
            webhook_allow_private: true,
        };
        let state = AppState::new(store.db.clone(), config);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(state, async {
                    let _ = rx.await;
                })
                .await
                .expect("serve");
        });
        TestApp {
            url,
            store,
            outbox,
            objects,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn db(&self) -> &Db {
        &self.store.db
    }

    /// Every email the app has sent, oldest first.
    pub fn mails(&self) -> Vec<kassa_web::mail::OutboxMessage> {
        kassa_web::mail::read_outbox(self.outbox.path()).expect("read outbox")
    }

    /// The first link of the newest email to `to`, as a path (`/portal/...`).
    pub fn last_link_to(&self, to: &str) -> String {
        let mail = self
            .mails()
            .into_iter()
            .rev()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no mail to {to}"));
        let link = mail.links.first().expect("a link in the mail").clone();
        link.strip_prefix(&self.url).unwrap_or(&link).to_owned()
    }

    /// Adds an active user with `role` in the demo playground store; returns their id.
    pub async fn seed_demo_user(&self, email: &str, role: &str) -> i64 {
        let hash = kassa_web::password::hash(&NewPassword::parse(DEMO_PASSWORD).unwrap())
            .await
            .unwrap();
        let user = kassa_db::NewUser {
            email,
            name: "Test Target",
            password_hash: Some(&hash),
            language: "en",
            status: "active",
            access_expires_at: None,
        };
        let id = self.db().create_user(&user, kassa_web::now_ms()).await.unwrap();
        self.db()
            .set_membership(id, kassa_web::demo::PLAYGROUND_STORE, role, 0)
            .await
            .unwrap();
        id
    }

    /// A second merchant, "Other AB", with store M200001 and an admin; returns the admin's
    /// email (password `DEMO_PASSWORD`).
    pub async fn seed_other_merchant(&self) -> String {
        let db = self.db();
        let now = kassa_web::now_ms();
        let merchant = db
            .create_merchant(
                &kassa_db::NewMerchant {
                    legal_name: "Other AB",
                    org_number: "559900-1122",
                    vat_id: "",
                    address_line: "",
                    postal_code: "",
                    city: "Göteborg",
                    country: "SE",
                    onboarding: "direct",
                    require_two_factor: false,
                },
                now,
            )
            .await
            .unwrap();
        db.create_store(
            &kassa_db::NewStore {
                id: "M200001",
                merchant_id: merchant,
                name: "Other Store",
                url: "",
                country: "SE",
                currency: "SEK",
                statement_descriptor: "OTHER",
                environment: "live",
            },
            now,
        )
        .await
        .unwrap();
        let email = "admin@other.example".to_owned();
        let hash = kassa_web::password::hash(&NewPassword::parse(DEMO_PASSWORD).unwrap())
            .await
            .unwrap();
        let id = db
            .create_user(
                &kassa_db::NewUser {
                    email: &email,
                    name: "Olga Other",
                    password_hash: Some(&hash),
                    language: "en",
                    status: "active",
                    access_expires_at: None,
                },
                now,
            )
            .await
            .unwrap();
        db.set_membership(id, "M200001", "admin", now).await.unwrap();
        email
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// Adds an operator with the demo password; returns their id.
    pub async fn seed_operator(&self, email: &str, role: kassa_core::ops_access::OperatorRole) -> i64 {
        let input = kassa_app::operators::NewOperatorInput {
            email,
            name: "Test Operator",
            role,
            password: Some(DEMO_PASSWORD),
            language: "en",
        };
        kassa_app::operators::create_operator(self.db(), &kassa_app::Actor::system(), &input)
            .await
            .expect("create operator")
            .id
    }

    /// A client signed in to the back office as `email` (demo password). The provider's
    /// two-factor policy must be off (`set_two_factor_policy`), or the sign-in stops at a step.
    pub async fn ops_signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let res = c.ops_sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "back-office sign-in of {email} failed");
        assert_eq!(location(&res), "/ops", "signed in without a further step");
        // The session's own CSRF token, for the forms that follow.
        c.page("/ops").await;
        c
    }

    /// Closes `store_id`'s open balance into payouts now, as the provider's finance staff
    /// would (an operator with the finance role, made on first use).
    pub async fn payout_now(&self, store_id: &str) -> Vec<kassa_db::PayoutRow> {
        let email = "finance@provider.test";
        let id = match self.db().operator_by_email(email).await.unwrap() {
            Some(op) => op.id,
            None => {
                self.seed_operator(email, kassa_core::ops_access::OperatorRole::Finance)
                    .await
            }
        };
        let actor = kassa_app::Actor::operator(id, email, kassa_core::ops_access::OperatorRole::Finance, "127.0.0.1");
        kassa_app::settlements::payout_now(self.db(), &actor, store_id)
            .await
            .expect("payout now")
    }

    /// Asks for a custom report of the playground store through the portal's form (as
    /// `email`, who needs the reports permission) and waits until the worker made it;
    /// returns its id.
    pub async fn ready_report(&self, email: &str, kind: &str, format: &str) -> i64 {
        let c = self.signed_in(email).await;
        c.page("/portal/settlements/reports").await;
        let now = kassa_web::now_ms();
        let today = kassa_app::dates::format_date(now, "Europe/Stockholm");
        let from = kassa_app::dates::format_date(now - 300 * 24 * 3600 * 1000, "Europe/Stockholm");
        let fields = [
            ("kind", kind),
            ("format", format),
            ("from", from.as_str()),
            ("to", today.as_str()),
        ];
        let res = c.post_form("/portal/settlements/reports", &fields).await;
        assert_eq!(res.status(), 303, "report form refused: {fields:?}");
        let id = self.db().reports_of_store("M100001", 1).await.unwrap()[0].id;
        self.report_done(id).await;
        id
    }

    /// Waits (up to 20 s) until the worker has finished report `id`; returns its status.
    pub async fn report_done(&self, id: i64) -> String {
        for _ in 0..400 {
            let r = self.db().report_by_id(id).await.unwrap().expect("report");
            if r.status == "ready" || r.status == "failed" {
                assert_eq!(r.status, "ready", "report {id} failed: {:?}", r.error);
                return r.status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("report {id} was not made within 20 s");
    }

    /// A client already signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let res = c.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in of {email} failed");
        c
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.store.drop_schema().await;
    }
}

/// Runs `test` once per backend, each time against a fresh app.
pub async fn on_each_backend<F, Fut>(test: F)
where
    F: Fn(Arc<TestApp>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let backends = backends().await;
    assert!(!backends.is_empty(), "no backend to test on");
    for backend in backends {
        let app = Arc::new(TestApp::spawn(backend).await);
        test(app.clone()).await;
        let app = Arc::try_unwrap(app).unwrap_or_else(|_| panic!("test kept the app alive"));
        app.stop().await;
    }
}

/// An HTTP client with a cookie jar that, like a browser, sends `Origin` on form posts and
/// remembers the CSRF token of the last page it loaded.
pub struct Client {
    pub base: String,
    http: reqwest::Client,
    csrf: Mutex<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            base: base.to_owned(),
            http,
            csrf: Mutex::new(String::new()),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.expect("GET")
    }

    /// GET and return status and body, remembering the page's CSRF token.
    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        if let Some(token) = csrf_in(&body) {
            *self.csrf.lock().unwrap() = token;
        }
        (status, body)
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().unwrap().clone()
    }

    /// The client itself (with its cookies), for a request built by hand.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// POSTs a form as the portal's own pages do: with the page's CSRF token and our Origin.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        form.extend_from_slice(fields);
        self.http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// POSTs a file upload form (`multipart/form-data`) as a browser does: from our Origin,
    /// the page's CSRF token first (unless `with_csrf` is false), then `fields`, then each
    /// of `files` (name, bytes) as a `files` part.
    pub async fn post_upload(
        &self,
        path: &str,
        with_csrf: bool,
        fields: &[(&str, &str)],
        files: Vec<(String, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new();
        if with_csrf {
            form = form.text("csrf", self.csrf());
        }
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (filename, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name(filename)
                .mime_str("application/octet-stream")
                .unwrap();
            form = form.part("files", part);
        }
        self.http
            .post(format!("{}{path}", self.base))
            .header("origin", &self.base)
            .multipart(form)
            .send()
            .await
            .expect("POST multipart")
    }

    /// A raw POST with exactly the given headers and form (for forgery tests).
    pub async fn post_raw(&self, path: &str, origin: Option<&str>, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.http.post(format!("{}{path}", self.base)).form(fields);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send().await.expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.page("/portal/sign-in").await;
        self.post_form("/portal/sign-in", &[("email", email), ("password", password)])
            .await
    }

    pub async fn ops_sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.page("/ops/sign-in").await;
        self.post_form("/ops/sign-in", &[("email", email), ("password", password)])
            .await
    }

    pub async fn sign_out(&self) -> reqwest::Response {
        self.page("/portal/account").await;
        self.post_form("/portal/sign-out", &[]).await
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf-token\" content=\"")? + "name=\"csrf-token\" content=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned()).filter(|t| !t.is_empty())
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// A merchant platform's view of Kassa: HTTP Basic with one API key, one method per call.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub username: String,
    pub password: String,
    pub http: reqwest::Client,
}

impl TestApp {
    /// New API credentials for `store_id` (M100001 is the playground store).
    pub async fn api(&self, store_id: &str) -> Api {
        let store = self.db().store(store_id).await.unwrap().expect("store");
        let cred = kassa_web::api::keys::create_key(self.db(), TEST_SECRET_KEY, &store, "tests", "tests")
            .await
            .unwrap();
        Api {
            base: self.url.clone(),
            username: cred.username,
            password: cred.password,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
}

pub fn sample_order() -> serde_json::Value {
    serde_json::json!({
        "purchase_country": "SE",
        "purchase_currency": "SEK",
        "locale": "sv-SE",
        "order_amount": 60000,
        "order_tax_amount": 12000,
        "merchant_reference1": "45aa52f387871e3a210645d4",
        "order_lines": [
            {"type": "physical", "reference": "19-402-SWE", "name": "Camera Travel Set", "quantity": 1, "quantity_unit": "pcs",
             "unit_price": 40000, "tax_rate": 2500, "total_amount": 40000, "total_discount_amount": 0, "total_tax_amount": 8000},
            {"type": "physical", "reference": "19-403-SWE", "name": "Tripod", "quantity": 2,
             "unit_price": 10000, "tax_rate": 2500, "total_amount": 20000, "total_tax_amount": 4000}
        ],
        "merchant_urls": {
            "terms": "https://shop.example/terms",
            "checkout": "https://shop.example/checkout?order={checkout.order.id}",
            "confirmation": "https://shop.example/confirmation?order={checkout.order.id}",
            "push": "https://shop.example/push?order={checkout.order.id}"
        }
    })
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(&self.username, Some(&self.password))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
        key: Option<&str>,
    ) -> reqwest::Response {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(k) = key {
            req = req.header("Klarna-Idempotency-Key", k);
        }
        req.send().await.expect("API call")
    }

    pub async fn create_checkout(&self, order: &serde_json::Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, "/checkout/v3/orders", Some(order), None)
            .await
    }

    /// Creates and completes a checkout; returns the order id.
    pub async fn authorized_order(&self, order: &serde_json::Value) -> String {
        let res = self.create_checkout(order).await;
        assert_eq!(res.status(), 201, "create: {}", res.text().await.unwrap());
        let id = res.json::<serde_json::Value>().await.unwrap()["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let res = self.complete(&id, None).await;
        assert_eq!(res.status(), 200, "complete: {}", res.text().await.unwrap());
        id
    }

    pub async fn complete(&self, order_id: &str, body: Option<&serde_json::Value>) -> reqwest::Response {
        self.send(
            reqwest::Method::POST,
            &format!("/test-helpers/checkout/v3/orders/{order_id}/complete"),
            body,
            None,
        )
        .await
    }

    pub async fn order(&self, order_id: &str) -> serde_json::Value {
        let res = self
            .send(
                reqwest::Method::GET,
                &format!("/ordermanagement/v1/orders/{order_id}"),
                None,
                None,
            )
            .await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    pub async fn om(
        &self,
        method: reqwest::Method,
        order_id: &str,
        action: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let path = if action.is_empty() {
            format!("/ordermanagement/v1/orders/{order_id}")
        } else {
            format!("/ordermanagement/v1/orders/{order_id}/{action}")
        };
        self.send(method, &path, body, None).await
    }

    pub async fn capture(&self, order_id: &str, amount: i64, key: Option<&str>) -> reqwest::Response {
        let body = serde_json::json!({"captured_amount": amount, "description": "Shipped"});
        self.send(
            reqwest::Method::POST,
            &format!("/ordermanagement/v1/orders/{order_id}/captures"),
            Some(&body),
            key,
        )
        .await
    }
}

/// The Settlements API v1 and its playground test helper, one method per operation;
/// `query` is the raw query string (without `?`).
impl Api {
    async fn settlements_get(&self, path: &str, query: &str) -> reqwest::Response {
        let sep = if query.is_empty() { "" } else { "?" };
        self.send(
            reqwest::Method::GET,
            &format!("/settlements/v1{path}{sep}{query}"),
            None,
            None,
        )
        .await
    }

    pub async fn refund(&self, order_id: &str, amount: i64) -> reqwest::Response {
        let body = serde_json::json!({"refunded_amount": amount, "description": "Returned"});
        self.om(reqwest::Method::POST, order_id, "refunds", Some(&body)).await
    }

    pub async fn payout_now(&self) -> reqwest::Response {
        self.send(
            reqwest::Method::POST,
            "/test-helpers/settlements/v1/payouts",
            None,
            None,
        )
        .await
    }

    pub async fn payouts(&self, query: &str) -> reqwest::Response {
        self.settlements_get("/payouts", query).await
    }

    pub async fn payouts_summary(&self, query: &str) -> reqwest::Response {
        self.settlements_get("/payouts/summary", query).await
    }

    pub async fn payout(&self, payment_reference: &str) -> reqwest::Response {
        self.settlements_get(&format!("/payouts/{}", urlencode(payment_reference)), "")
            .await
    }

    pub async fn transactions(&self, query: &str) -> reqwest::Response {
        self.settlements_get("/transactions", query).await
    }

    pub async fn payout_csv(&self, payment_reference: &str) -> reqwest::Response {
        let q = format!("payment_reference={}", urlencode(payment_reference));
        self.settlements_get("/reports/payout-with-transactions", &q).await
    }

    pub async fn payouts_csv(&self, query: &str) -> reqwest::Response {
        self.settlements_get("/reports/payouts-summary-with-transactions", query)
            .await
    }

    pub async fn payout_pdf(&self, payment_reference: &str, language: &str) -> reqwest::Response {
        let url = format!(
            "/settlements/v1/reports/payout?payment_reference={}",
            urlencode(payment_reference)
        );
        self.request(reqwest::Method::GET, &url)
            .header("accept-language", language)
            .send()
            .await
            .expect("API call")
    }

    pub async fn payouts_pdf(&self, query: &str) -> reqwest::Response {
        self.settlements_get("/reports/payouts-summary", query).await
    }
}

/// The error body's code, asserting Kustom's error shape on the way.
pub async fn error_code(res: reqwest::Response) -> String {
    let body: serde_json::Value = res.json().await.expect("error body is JSON");
    assert!(
        body["error_messages"].as_array().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["correlation_id"].as_str().is_some_and(|c| !c.is_empty()), "{body}");
    body["error_code"].as_str().unwrap().to_owned()
}

/// Percent-encodes a query-string value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

impl TestDb {
    /// Settings that open this same database again, as a second Kassa process would (the
    /// support chat's test of delivery between processes).
    pub fn config(&self) -> DbConfig {
        match (&self._dir, &self.schema) {
            (Some(dir), _) => DbConfig::new(format!("sqlite://{}", dir.path().join("kassa.db").display())),
            (None, Some(schema)) => DbConfig {
                pg_schema: Some(schema.clone()),
                max_connections: 8,
                ..DbConfig::new(postgres_url())
            },
            (None, None) => unreachable!("a test database is a file or a schema"),
        }
    }
}
