//! The application state and the router; tests build the same router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::cache::{AuthCache, CachedStore};
use crate::auth::ratelimit::Limiter;
use crate::config::Config;
use crate::ops::Ops;
use crate::storage::Storage;
use crate::web;

/// Attempt limiters shared by the handlers.
pub struct Limiters {
    /// Login attempts per e-mail typed and client IP.
    pub login_account: Limiter,
    /// Login attempts per e-mail typed, from every IP: 20, then one every
    /// 45 s (never more than 15 minutes to a full budget).
    pub login_account_all: Limiter,
    /// Login attempts per client IP.
    pub login_ip: Limiter,
    /// Public reports per client IP.
    pub report_ip: Limiter,
    /// Follow-up code attempts per client IP.
    pub lookup_ip: Limiter,
    /// School searches per client IP.
    pub search_ip: Limiter,
    /// Additions to reports per client IP.
    pub addition_ip: Limiter,
    /// Additions per report.
    pub addition_report: Limiter,
    /// Dossiers checked on `/verification` per client IP.
    pub verify_ip: Limiter,
    /// "Forgotten password" requests per client IP.
    pub reset_ip: Limiter,
    /// "Forgotten password" requests per address typed (one mail in 5 minutes
    /// after the first three).
    pub reset_account: Limiter,
    /// Second-factor codes per account: 10, then one every 2 minutes (a
    /// guesser who has the password tries about 720 of a million codes a
    /// day; the owner waits 2 minutes at worst).
    pub code_account: Limiter,
    /// Second-factor codes per client IP.
    pub code_ip: Limiter,
}

impl Limiters {
    /// Limiters from the configuration.
    pub fn new(config: &Config) -> Limiters {
        Limiters {
            login_account: Limiter::new(
                "login_account",
                config.login.per_account,
                config.login.replenish,
            ),
            login_account_all: Limiter::new("login_account_all", 20, Duration::from_secs(45)),
            login_ip: Limiter::new("login_ip", config.login.per_ip, config.login.replenish),
            report_ip: Limiter::new("report_ip", config.reports.per_ip, config.reports.replenish),
            lookup_ip: Limiter::new(
                "lookup_ip",
                config.reports.lookups_per_ip,
                config.reports.lookup_replenish,
            ),
            search_ip: Limiter::new(
                "search_ip",
                config.reports.searches_per_ip,
                Duration::from_secs(1),
            ),
            addition_ip: Limiter::new(
                "addition_ip",
                config.reports.additions_per_ip,
                config.reports.addition_replenish,
            ),
            addition_report: Limiter::new(
                "addition_report",
                config.reports.additions_per_report,
                config.reports.addition_replenish,
            ),
            // Hashing up to a request's size each: 10 in a burst, one a minute.
            verify_ip: Limiter::new("verify_ip", 10, Duration::from_secs(60)),
            reset_ip: Limiter::new("reset_ip", config.login.per_ip, config.login.replenish),
            reset_account: Limiter::new("reset_account", 3, Duration::from_secs(300)),
            code_account: Limiter::new("code_account", 10, Duration::from_secs(120)),
            code_ip: Limiter::new("code_ip", 20, Duration::from_secs(30)),
        }
    }
}

/// A value that changes rarely and is no case data (the list of académies),
/// read from the database at most once a minute per process.
#[derive(Default)]
pub struct Cached<T> {
    value: tokio::sync::RwLock<Option<(std::time::Instant, T)>>,
}

impl<T: Clone> Cached<T> {
    /// The value, read again with `load` when older than a minute.
    pub async fn get<E>(&self, load: impl AsyncFnOnce() -> Result<T, E>) -> Result<T, E> {
        if let Some((at, v)) = &*self.value.read().await
            && at.elapsed() < Duration::from_secs(60)
        {
            return Ok(v.clone());
        }
        let v = load().await?;
        *self.value.write().await = Some((std::time::Instant::now(), v.clone()));
        Ok(v)
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: PgPool,
    /// Settings.
    pub config: Arc<Config>,
    /// Evidence bytes.
    pub storage: Arc<dyn Storage>,
    /// Attempt limits.
    pub limiters: Arc<Limiters>,
    /// Permits to read an upload: bounds the memory uploads take at once.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// The académies, for the queue's filter.
    pub academies: Arc<Cached<Vec<String>>>,
    /// Request metrics of this process (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The active helpline agents, for the forms that give cases to one (an
    /// agent deactivated meanwhile is refused by the operation).
    pub agents: Arc<Cached<Vec<crate::db::accounts::Agent>>>,
    /// Sessions and the accounts behind them, in memory (unused until
    /// [`AuthCache::start`] listens for their changes).
    pub auth: Arc<AuthCache>,
    /// The helpline queue's first page, as last read.
    pub queue_first_page: Arc<crate::db::queue::FirstPage>,
    /// The grouped writer of read audits.
    pub read_audits: crate::ops::read_audits::ReadAudits,
    /// What is recorded on the cases last read, with their revisions.
    pub case_lists: Arc<crate::ops::reads::KeptCaseLists>,
    /// The timelines and files of the cases last shown, rendered.
    pub case_fragments: Arc<crate::web::case_lists::KeptFragments>,
    /// Schools' dashboards as last read, with their revisions.
    pub overviews: Arc<crate::db::school_overview::KeptOverviews>,
}

impl AppState {
    /// The operations layer on this state's resources.
    pub fn ops(&self) -> Ops {
        Ops {
            read_audits: Some(self.read_audits.clone()),
            case_lists: Some(self.case_lists.clone()),
            ..Ops::new(self.db.clone(), self.config.clone(), self.storage.clone())
        }
    }

    /// The active helpline agents, read at most once a minute (for forms
    /// that give a case to one; the operation refuses one deactivated
    /// since).
    pub async fn helpline_agents(&self) -> sqlx::Result<Vec<crate::db::accounts::Agent>> {
        self.agents
            .get(async || crate::db::accounts::helpline_agents(&self.db).await)
            .await
    }

    /// Takes one attempt for `key` under `limit`, shared by every process;
    /// false when none is left.
    pub async fn allow(&self, limit: &Limiter, key: &str) -> crate::error::AppResult<bool> {
        Ok(crate::db::limits::take(&self.db, limit, key).await?)
    }

    /// A state on `db` with `config` and `storage`.
    pub fn new(db: PgPool, config: Config, storage: Arc<dyn Storage>) -> AppState {
        let limiters = Arc::new(Limiters::new(&config));
        let uploads = Arc::new(tokio::sync::Semaphore::new(config.uploads.max_concurrent));
        AppState {
            uploads,
            academies: Arc::default(),
            auth: Arc::default(),
            queue_first_page: Arc::default(),
            // Some 200 pages of a hundred events each.
            case_lists: Arc::new(crate::db::kept::Kept::new(16 << 20)),
            case_fragments: Arc::new(crate::db::kept::Kept::new(16 << 20)),
            // Some 200 dashboards of a hundred cases.
            overviews: Arc::new(crate::db::kept::Kept::new(8 << 20)),
            read_audits: crate::ops::read_audits::ReadAudits::start(db.clone()),
            agents: Arc::default(),
            metrics: Arc::default(),
            db,
            config: Arc::new(config),
            storage,
            limiters,
        }
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Every route, with sessions, security headers, request ids and tracing.
pub fn build_router(state: AppState) -> Router {
    let config = &state.config;
    let sessions = SessionManagerLayer::new(CachedStore::new(state.db.clone(), state.auth.clone()))
        .with_name("vigie_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        // The cookie ends with the browser; the server ends idle and old
        // sessions itself (auth::session).
        .with_expiry(Expiry::OnSessionEnd);
    let body_limit = config.uploads.max_request_bytes + 256 * 1024;

    let request_id = HeaderName::from_static("x-request-id");
    let hsts = config.secure_cookies();
    let metrics = state.metrics.clone();
    web::router(&state)
        .layer(axum::middleware::from_fn(web::extract::refuse_cross_site))
        .layer(sessions)
        .layer(DefaultBodyLimit::max(body_limit))
        // A client that stops sending its body is cut off.
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(30)))
        .layer(axum::middleware::from_fn_with_state(hsts, security_headers))
        .layer(compression())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    // The matched route only: paths and queries may carry search words.
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(MatchedPath::as_str)
                        .unwrap_or("-");
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), route, request_id = id)
                })
                // One line per request at the default level: the span's
                // method, route and id, with status and latency.
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(CatchPanicLayer::new()),
        )
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .with_state(state)
}

/// gzip or brotli for pages and static files, as the browser accepts;
/// never for a download (evidence, report files, later dossiers: anything
/// sent as an attachment), an image or a PDF — those are sent byte for byte.
fn compression() -> CompressionLayer<impl Predicate> {
    let not_attachment = |_: StatusCode, _: Version, h: &HeaderMap, _: &Extensions| {
        !h.contains_key(header::CONTENT_DISPOSITION)
    };
    CompressionLayer::new().compress_when(
        DefaultPredicate::new()
            .and(NotForContentType::const_new("application/pdf"))
            .and(NotForContentType::const_new("video/"))
            .and(not_attachment),
    )
}

/// The headers every response carries; a route may set a stricter CSP (the
/// sandboxed image preview) or its own cache policy (static assets). HSTS
/// when the site is served over https.
async fn security_headers(State(hsts): State<bool>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    let permissions = HeaderName::from_static("permissions-policy");
    set(h, permissions, "camera=(), microphone=(), geolocation=()");
    if hsts {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}
