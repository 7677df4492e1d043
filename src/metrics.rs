//! Prometheus metrics, served on their own address (`METRICS_ADDR`), never
//! on the public site: requests by matched route, method and status with
//! latency histograms, the database pool, and what operators watch from the
//! database (mail, queue, unclaimed danger, deletions, purge, evidence
//! verification), read at each
//! scrape.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sqlx::PgPool;

/// The labels of one request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// A gauge's one label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: String,
}

type Gauges = Family<Kind, Gauge>;

/// Every metric of one process.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Histogram>,
    pool: Gauges,
    outbox: Gauges,
    queue: Gauges,
    danger_unclaimed: Gauge,
    pending_deletions: Gauge,
    purge: Gauges,
    verification: Gauges,
}

fn latency() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("vigie");
        let requests =
            Family::<RequestLabels, Histogram>::new_with_constructor(latency as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP requests by method, matched route and status",
            requests.clone(),
        );
        let mut m = Metrics {
            registry,
            requests,
            pool: Gauges::default(),
            outbox: Gauges::default(),
            queue: Gauges::default(),
            danger_unclaimed: Gauge::default(),
            pending_deletions: Gauge::default(),
            purge: Gauges::default(),
            verification: Gauges::default(),
        };
        let r = &mut m.registry;
        r.register(
            "db_pool_connections",
            "Database pool connections (size, idle)",
            m.pool.clone(),
        );
        r.register(
            "outbox_mails",
            "Mails by outbox status (queued, sent, dead)",
            m.outbox.clone(),
        );
        r.register(
            "queue_cases",
            "Cases with the helpline by urgency",
            m.queue.clone(),
        );
        r.register(
            "danger_unclaimed_cases",
            "Referred danger cases nobody has claimed",
            m.danger_unclaimed.clone(),
        );
        r.register(
            "pending_deletions",
            "Files waiting to be deleted",
            m.pending_deletions.clone(),
        );
        r.register(
            "last_purge",
            "Last retention purge: unix time, cases and files deleted",
            m.purge.clone(),
        );
        r.register(
            "evidence_verification",
            "Evidence files: last full verification (unix time, checked, missing, altered) and open integrity alerts",
            m.verification.clone(),
        );
        m
    }
}

impl Metrics {
    /// Records one request.
    fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition, with the database figures read now.
    pub async fn render(&self, db: &PgPool) -> anyhow::Result<String> {
        let set = |g: &Gauges, kind: &str, v: i64| {
            g.get_or_create(&Kind {
                kind: kind.to_owned(),
            })
            .set(v);
        };
        set(&self.pool, "size", i64::from(db.size()));
        set(&self.pool, "idle", db.num_idle() as i64);
        let h = crate::db::health::read(db).await?;
        for status in ["queued", "sent", "dead"] {
            let n = h
                .outbox
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            set(&self.outbox, status, n);
        }
        for urgency in ["normal", "high", "danger"] {
            let n = h
                .queue
                .iter()
                .find(|(u, _)| u == urgency)
                .map_or(0, |(_, n)| *n);
            set(&self.queue, urgency, n);
        }
        self.danger_unclaimed.set(h.danger_unclaimed);
        self.pending_deletions.set(h.pending_deletions);
        if let Some((at, cases, files)) = h.last_purge {
            set(&self.purge, "time", at.timestamp());
            set(&self.purge, "cases", cases);
            set(&self.purge, "files", files);
        }
        if let Some(run) = &h.last_verification {
            set(&self.verification, "time", run.started_at.timestamp());
            set(&self.verification, "checked", i64::from(run.checked));
            set(&self.verification, "missing", i64::from(run.missing));
            set(&self.verification, "altered", i64::from(run.altered));
        }
        set(&self.verification, "alerts", h.integrity_alerts);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Times every request and records it under its matched route (never the
/// path or query, which may carry search words).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(req).await;
    let labels = RequestLabels {
        method,
        route,
        status: response.status().as_u16(),
    };
    metrics.observe(labels, started.elapsed().as_secs_f64());
    response
}

/// The `/metrics` router, for its own listener.
pub fn router(metrics: Arc<Metrics>, db: PgPool) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(async move || match metrics.render(&db).await {
            Ok(text) => (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                )],
                text,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "metrics unavailable");
                axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        }),
    )
}
