//! The test harness: one PostgreSQL cluster per test run (embedded unless
//! `TEST_DATABASE_URL` names a server), one database per test copied from a
//! migrated template, the app served on port 0.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use scraper::{Html, Selector};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use vigie::app::{AppState, build_router};
use vigie::auth::cache::AuthCache;
use vigie::config::Config;
use vigie::db;
use vigie::domain::ids::{AccountId, CaseId, SchoolId};
use vigie::domain::status::Role;
use vigie::domain::values::{EmailAddress, Uai};
use vigie::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};
use vigie::storage::{LocalStorage, Storage};

/// The password of every test account.
pub const PASSWORD: &str = "un mot de passe solide";

/// The second-factor secret every test account is enrolled with.
pub const TOTP_SECRET: &[u8] = b"vigie-test-totp-key!";

/// The recovery codes every test account gets (the harness uses them only
/// when three logins of one account fall in the same 30 seconds).
fn test_recovery_code(i: usize) -> String {
    format!("TESTCODE{i:02}")
}

/// The secret a test signs in `email` with: the demo's published one for
/// the demo accounts, [`TOTP_SECRET`] otherwise.
pub fn secret_for(email: &str) -> Vec<u8> {
    if vigie::demo::DEMO_ACCOUNTS.iter().any(|a| a.0 == email) {
        vigie::auth::totp::secret_from_text(vigie::demo::DEMO_TOTP_SECRET).unwrap()
    } else {
        TOTP_SECRET.to_vec()
    }
}

/// A second-factor code for `email` on the app of `realm` (its first
/// node's address) that no earlier login used: the current step's, else the
/// next one's (both accepted), else one of the account's recovery codes.
pub fn next_code(realm: &str, email: &str) -> String {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static USED: OnceLock<Mutex<HashMap<String, (i64, usize)>>> = OnceLock::new();
    let mut used = USED.get_or_init(Default::default).lock().unwrap();
    let key = format!("{realm} {email}");
    let (last, recovery) = used.entry(key).or_insert((i64::MIN, 0));
    let now = vigie::auth::totp::step_of(chrono::Utc::now().timestamp());
    match (now..=now + 1).find(|s| s > last) {
        Some(step) => {
            *last = step;
            vigie::auth::totp::code_at_step(&secret_for(email), step)
        }
        None => {
            *recovery += 1;
            test_recovery_code(*recovery)
        }
    }
}

/// Where the test cluster is: the URL of its maintenance database.
struct Cluster {
    admin_url: String,
    _embedded: Option<EmbeddedPostgres>,
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
            return Cluster {
                admin_url: url,
                _embedded: None,
            };
        }
        remove_stale_clusters();
        let dir = std::env::temp_dir().join(format!("vigie-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let opts = EmbeddedOptions {
            settings: [("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off"), ("max_connections", "300")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            join_running: false,
        };
        let pg = EmbeddedPostgres::start(&dir, "postgres", &opts).expect(
            "the tests need PostgreSQL: install it (apt-get install postgresql) or set TEST_DATABASE_URL",
        );
        Cluster {
            admin_url: pg.database_url("postgres"),
            _embedded: Some(pg),
        }
    })
}

/// Removes the cluster folders of earlier test runs whose process is gone
/// (their servers were stopped by the embedded cluster's watchdog).
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("vigie-test-")
            && pid.parse::<u32>().is_ok()
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn url_for(db: &str) -> String {
    let admin = &cluster().admin_url;
    // Swap the database name in `scheme://user@host:port/DB?params`.
    let (base, params) = admin
        .split_once('?')
        .map(|(b, p)| (b, Some(p)))
        .unwrap_or((admin, None));
    let (root, _) = base.rsplit_once('/').expect("URL with a database");
    match params {
        Some(p) => format!("{root}/{db}?{p}"),
        None => format!("{root}/{db}"),
    }
}

/// Makes the migrated template database once per run.
async fn template() -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect(&url_for("postgres"))
                .await
                .expect("admin connection");
            sqlx::query("drop database if exists vigie_template")
                .execute(&admin)
                .await
                .unwrap();
            sqlx::query("create database vigie_template")
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(&url_for("vigie_template"))
                .await
                .unwrap();
            db::migrate(&pool).await.expect("migrations apply");
            pool.close().await;
        })
        .await;
    "vigie_template"
}

/// A fresh database for one test.
pub async fn fresh_database() -> (PgPool, String) {
    let template = template().await;
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url_for("postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("create database {name} template {template}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let url = url_for(&name);
    let pool = db::pool(&url).await.unwrap();
    (pool, url)
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        std::thread::spawn(|| {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(vigie::auth::password::hash_password(PASSWORD.into()))
                .unwrap()
        })
        .join()
        .unwrap()
    })
}

/// A storage that fails on the N-th write (1-based), to test that nothing is
/// half-stored.
pub struct FailingStorage {
    inner: LocalStorage,
    fail_on: usize,
    writes: AtomicUsize,
}

#[async_trait]
impl Storage for FailingStorage {
    async fn put(&self, key: &str, blob: vigie::storage::Blob<'_>) -> anyhow::Result<()> {
        if self.writes.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_on {
            anyhow::bail!("disk full (test)");
        }
        self.inner.put(key, blob).await
    }
    async fn open(&self, key: &str) -> anyhow::Result<vigie::storage::ByteStream> {
        self.inner.open(key).await
    }
    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        self.inner.copy(from, to).await
    }
    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.inner.delete(key).await
    }
    async fn check(&self) -> anyhow::Result<()> {
        self.inner.check().await
    }
}

/// A running app on its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The app's database.
    pub db: PgPool,
    /// Its URL, for the CLI tests.
    pub db_url: String,
    /// Where evidence files go.
    pub evidence_dir: PathBuf,
    /// The app's configuration.
    pub config: Config,
    /// The server's memory of sessions and accounts.
    pub auth: Arc<AuthCache>,
    _dir: TempDir,
}

/// Serves `state` on a new port with the server loop of `vigie serve`
/// itself (stopped with the test); returns its base URL.
async fn serve(state: AppState) -> String {
    state.auth.start(state.db.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let header_timeout = state.config.header_timeout;
    tokio::spawn(vigie::server::serve(
        listener,
        build_router(state),
        header_timeout,
        std::future::pending(),
    ));
    base
}

/// A folder removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// How many files it holds (in every subfolder).
    pub fn files(&self) -> usize {
        count_files(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TempDir {
    /// A new empty folder under the system temp dir.
    pub fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!("vigie-t-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl TestApp {
    /// The app with the default test configuration.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}, None).await
    }

    /// The app mailing through the SMTP listener on `port`, with links to
    /// `https://vigie.example.org`.
    pub async fn with_smtp(port: u16) -> TestApp {
        Self::spawn_with(
            move |c| {
                c.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
                c.public_url = "https://vigie.example.org".into();
            },
            None,
        )
        .await
    }

    /// The app with a changed configuration and, optionally, a storage that
    /// fails on its N-th write.
    pub async fn spawn_with(
        tweak: impl FnOnce(&mut Config),
        fail_storage_on: Option<usize>,
    ) -> TestApp {
        let dir = TempDir::new();
        let (db, db_url) = fresh_database().await;
        let mut config = Config::for_tests(dir.0.clone());
        tweak(&mut config);
        let evidence_dir = config.evidence_dir.clone();
        let kept = config.clone();
        let local = LocalStorage::new(&evidence_dir).unwrap();
        let storage: Arc<dyn Storage> = match fail_storage_on {
            Some(n) => Arc::new(FailingStorage {
                inner: local,
                fail_on: n,
                writes: AtomicUsize::new(0),
            }),
            None => Arc::new(local),
        };
        let state = AppState::new(db.clone(), config, storage);
        let auth = state.auth.clone();
        let base = serve(state).await;
        TestApp {
            base,
            auth,
            db,
            db_url,
            evidence_dir,
            config: kept,
            _dir: dir,
        }
    }

    /// A second server process on the same database and evidence folder
    /// (another node behind the load balancer); returns a browser on it.
    pub async fn second_node(&self) -> Browser {
        self.second_node_and_cache().await.0
    }

    /// [`TestApp::second_node`], with that server's memory of sessions and
    /// accounts.
    pub async fn second_node_and_cache(&self) -> (Browser, Arc<AuthCache>) {
        let storage: Arc<dyn Storage> = Arc::new(LocalStorage::new(&self.evidence_dir).unwrap());
        let state = AppState::new(self.db.clone(), self.config.clone(), storage);
        let auth = state.auth.clone();
        let base = serve(state).await;
        let mut b = self.browser();
        b.base = base;
        (b, auth)
    }

    /// A school.
    pub async fn school(&self, uai: &str, name: &str) -> SchoolId {
        db::schools::upsert_school(&self.db, &Uai::parse(uai).unwrap(), name, "Lyon", "Lyon")
            .await
            .unwrap()
    }

    /// An account with [`PASSWORD`].
    pub async fn account(&self, email: &str, role: Role, schools: &[SchoolId]) -> AccountId {
        let email = EmailAddress::parse(email).unwrap();
        let id =
            db::accounts::upsert_account(&self.db, &email, email.as_str(), role, password_hash())
                .await
                .unwrap();
        for s in schools {
            db::accounts::attach_school(&self.db, id, *s).await.unwrap();
        }
        let sealed = self.config.two_factor.key.seal(id.0, TOTP_SECRET);
        let now = chrono::Utc::now();
        db::two_factor::enrol_directly(&self.db, id, &sealed, now)
            .await
            .unwrap();
        let codes: Vec<Vec<u8>> = (1..=20)
            .map(|i| vigie::auth::totp::recovery_hash(&test_recovery_code(i)))
            .collect();
        let mut tx = self.db.begin().await.unwrap();
        db::two_factor::replace_recovery_codes(&mut tx, id, &codes, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// A browser logged in as the administrator of the académie of Lyon.
    pub async fn lyon_administrator(&self) -> Browser {
        let email = "rectorat@example.org";
        let id = self.account(email, Role::Admin, &[]).await;
        sqlx::query("insert into account_academies (account_id, academie) values ($1, 'Lyon')")
            .bind(id.0)
            .execute(&self.db)
            .await
            .unwrap();
        let b = self.browser();
        b.login(email, PASSWORD).await;
        b
    }

    /// Folds every change into the statistics, as the background jobs do.
    pub async fn refresh_statistics(&self) {
        vigie::db::statistics::refresh(&self.db).await.unwrap();
    }

    /// A new browser (empty cookie jar).
    pub fn browser(&self) -> Browser {
        Browser::at(&self.base)
    }

    /// A browser logged in as a new head teacher of a new school.
    pub async fn head_teacher(&self, uai: &str) -> (Browser, SchoolId) {
        let school = self.school(uai, &format!("Collège {uai}")).await;
        let email = format!("direction-{}@example.org", uai.to_lowercase());
        self.account(&email, Role::SchoolStaff, &[school]).await;
        let b = self.browser();
        b.login(&email, PASSWORD).await;
        (b, school)
    }

    /// A browser logged in with a new account of `role` (no school).
    pub async fn logged_in(&self, role: Role) -> Browser {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            uuid::Uuid::new_v4().simple()
        );
        self.account(&email, role, &[]).await;
        let b = self.browser();
        b.login(&email, PASSWORD).await;
        b
    }

    /// Runs the outbox worker once as if the clock said `now`; returns the
    /// number of mails sent.
    pub async fn deliver(&self, now: chrono::DateTime<chrono::Utc>) -> usize {
        let mailer =
            vigie::mail::Mailer::new(&self.config.mail.smtp_url, &self.config.mail.from).unwrap();
        vigie::mail::worker::deliver_due(
            &self.db,
            &mailer,
            &vigie::mail::worker::RetryPolicy::of(&self.config.mail),
            now,
        )
        .await
        .unwrap()
    }

    /// Number of rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(&format!("select count(*) from {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Number of files stored as evidence.
    pub fn stored_files(&self) -> usize {
        count_files(&self.evidence_dir)
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { count_files(&p) } else { 1 }
        })
        .sum()
}

/// A page as received.
pub struct Page {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body.
    pub body: String,
}

impl Page {
    /// Parsed HTML.
    pub fn html(&self) -> Html {
        Html::parse_document(&self.body)
    }

    /// Text of every element matching `selector`, trimmed.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// Text of the first element matching `selector`.
    pub fn text(&self, selector: &str) -> String {
        self.texts(selector)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {selector} in page:\n{}", self.body))
    }

    /// An attribute of the first element matching `selector`.
    pub fn attr(&self, selector: &str, name: &str) -> Option<String> {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html()
            .select(&sel)
            .next()
            .and_then(|e| e.value().attr(name).map(str::to_owned))
    }

    /// Whether an element matches `selector`.
    pub fn has(&self, selector: &str) -> bool {
        let sel = Selector::parse(selector).expect("valid selector");
        self.html().select(&sel).next().is_some()
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf_token]", "value")
            .expect("a CSRF token on the page")
    }

    /// The `Location` header of a redirect.
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .expect("a redirect")
            .to_str()
            .unwrap()
            .to_owned()
    }
}

/// A browser: keeps cookies, does not follow redirects by itself.
#[derive(Clone)]
pub struct Browser {
    base: String,
    /// The app's first node: second-factor codes used are counted per app.
    realm: String,
    /// The HTTP client.
    pub client: reqwest::Client,
}

async fn page(resp: reqwest::Response) -> Page {
    Page {
        status: resp.status(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

impl Browser {
    /// A new browser (empty cookie jar) on the server at `base`.
    pub fn at(base: &str) -> Browser {
        Self::behind(base, reqwest::header::HeaderMap::new())
    }

    /// A browser whose requests come through a trusted proxy that says the
    /// client is `ip` (for servers with `TRUSTED_PROXIES=1`).
    pub fn from_ip(base: &str, ip: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", ip.parse().unwrap());
        Self::behind(base, headers)
    }

    fn behind(base: &str, headers: reqwest::header::HeaderMap) -> Browser {
        Browser {
            base: base.to_owned(),
            realm: base.to_owned(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .default_headers(headers)
                .build()
                .unwrap(),
        }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> Page {
        page(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// GET raw bytes and headers.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Bytes) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.headers().clone(), r.bytes().await.unwrap())
    }

    /// POST a url-encoded form exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        page(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// POST a form with the CSRF token read from `from` (a page path).
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.get(from).await.csrf();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    /// POST a multipart form with the CSRF token read from `from`.
    pub async fn submit_multipart(
        &self,
        from: &str,
        action: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let token = self.get(from).await.csrf();
        self.post_multipart(action, &token, fields, files).await
    }

    /// POST a multipart form with a given token.
    pub async fn post_multipart(
        &self,
        action: &str,
        token: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> Page {
        let mut form = Form::new().text("csrf_token", token.to_owned());
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, name, bytes) in files {
            form = form.part(
                field.to_string(),
                Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        page(
            self.client
                .post(format!("{}{action}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The server this browser talks to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same browser (same cookies) talking to another node.
    pub fn on(&self, base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            realm: self.realm.clone(),
            client: self.client.clone(),
        }
    }

    /// Logs in (password, then a code) and checks it worked.
    pub async fn login(&self, email: &str, password: &str) {
        let p = self
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "login failed: {}", p.body);
        assert_eq!(p.location(), "/connexion/code", "no second step");
        let p = self.second_factor(email).await;
        let recovery_used = p.status == StatusCode::OK && p.text("h1") == "Code de secours utilisé";
        assert!(
            p.status == StatusCode::SEE_OTHER || recovery_used,
            "code refused: {}",
            p.body
        );
    }

    /// Enrols an authenticator on the enrolment page of a login (the secret
    /// read from the page, a code computed from it); the secret and the
    /// page with the recovery codes.
    pub async fn enrol(&self) -> (Vec<u8>, Page) {
        let page = self.get("/connexion/activation").await;
        assert_eq!(page.status, StatusCode::OK, "no enrolment page");
        let secret = vigie::auth::totp::secret_from_text(&page.text("#secret")).unwrap();
        let step = vigie::auth::totp::step_of(chrono::Utc::now().timestamp());
        let code = vigie::auth::totp::code_at_step(&secret, step);
        let done = self
            .submit(
                "/connexion/activation",
                "/connexion/activation",
                &[("code", &code)],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "enrolment refused");
        (secret, done)
    }

    /// Types a fresh code for `email` on the second step of a login.
    pub async fn second_factor(&self, email: &str) -> Page {
        let code = next_code(&self.realm, email);
        self.submit("/connexion/code", "/connexion/code", &[("code", &code)])
            .await
    }

    /// Opens a case with valid fields, where `extra` replaces the single-valued
    /// fields it names and adds to the repeated ones, and returns its id.
    pub async fn open_case(
        &self,
        extra: &[(&str, &str)],
        files: Vec<(&str, &str, Vec<u8>)>,
    ) -> CaseId {
        const SINGLE: [&str; 6] = [
            "urgency",
            "victim_kind",
            "victim_name",
            "victim_group",
            "description",
            "started_on",
        ];
        let mut fields = valid_case_fields();
        fields.retain(|(k, _)| !(SINGLE.contains(k) && extra.iter().any(|(e, _)| e == k)));
        fields.extend_from_slice(extra);
        let p = self
            .submit_multipart("/school/cases/new", "/school/cases", &fields, files)
            .await;
        assert_eq!(
            p.status,
            StatusCode::SEE_OTHER,
            "case not created: {}",
            p.body
        );
        p.location()
            .trim_start_matches("/school/cases/")
            .parse()
            .expect("a case id")
    }
}

/// The fields of a valid case form.
pub fn valid_case_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("urgency", "high"),
        ("victim_kind", "pupil"),
        ("victim_name", "Camille Durand"),
        ("victim_group", "4e B"),
        (
            "description",
            "Des messages insultants circulent sur un groupe de classe depuis deux semaines.",
        ),
        ("started_on", "2026-10-01"),
        ("platforms", "snapchat"),
        ("platforms", "instagram"),
        ("kinds", "insults"),
        ("kinds", "rumours"),
        ("checklist", "secured"),
        ("author_kind", "pupil"),
        ("author_name", "Élève X"),
        ("author_group", "4e C"),
        ("target_platform", "instagram"),
        ("target_value", "https://instagram.example/compte_moqueur"),
    ]
}

/// A small valid PNG (1×1).
pub fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89, 0, 0, 0, 0x0a, 0x49, 0x44,
        0x41, 0x54, 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0d, 0x0a, 0x2d, 0xb4, 0, 0, 0, 0,
        0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]
}

/// A minimal JPEG header (enough for type detection).
pub fn jpeg() -> Vec<u8> {
    let mut v = vec![
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    v.extend_from_slice(&[0u8; 64]);
    v.extend_from_slice(&[0xff, 0xd9]);
    v
}

/// A minimal PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}
