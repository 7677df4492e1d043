//! Running it: `/healthz`, `/readyz`, `/metrics` on its own address, one
//! JSON log line per request that names the route, never the query; a
//! SIGTERM drains requests, then lets the background jobs end their round.

use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::helpers::{TempDir, TestApp};
use crate::smtp::free_port;

#[tokio::test]
async fn a_server_logs_each_request_as_json_and_serves_metrics_apart() {
    let app = TestApp::spawn().await;
    let dir = TempDir::new();
    let (port, metrics_port) = (free_port(), free_port());
    let server = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .arg("serve")
        .env("DATABASE_URL", &app.db_url)
        .env("DATA_DIR", &dir.0)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info,sqlx=warn,tower_sessions=warn")
        .env("MAIL_WORKER_IN_SERVE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the server did not start");
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    let secret = "Durandsecret";
    get(&format!("/signaler/etablissements?q={secret}"))
        .await
        .unwrap();
    assert_eq!(
        get("/nulle-part").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Metrics are not on the public address.
    assert_eq!(
        get("/metrics").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    let metrics = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        r#"vigie_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"} 1"#,
        r#"vigie_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/readyz""#,
        r#"route="/signaler/etablissements""#,
        r#"vigie_db_pool_connections{kind="size"}"#,
        r#"vigie_outbox_mails{kind="dead"} 0"#,
        r#"vigie_queue_cases{kind="danger"} 0"#,
        "vigie_danger_unclaimed_cases 0",
        "vigie_pending_deletions 0",
        r#"vigie_evidence_verification{kind="alerts"} 0"#,
    ] {
        assert!(metrics.contains(name), "{name} missing from:\n{metrics}");
    }
    assert!(!metrics.contains(secret) && !metrics.contains("nulle-part"));

    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = server.wait_with_output().unwrap();
    assert!(out.status.success(), "SIGTERM stops it cleanly");
    let logs = String::from_utf8_lossy(&out.stdout);
    assert!(!logs.contains(secret), "the query string was logged");
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["span"]["route"] == "/signaler/etablissements")
        .expect("a line for the school search");
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["span"]["method"], "GET");
    assert_eq!(request["fields"]["status"], 200);
    assert!(
        request["fields"]["latency"]
            .as_str()
            .unwrap()
            .ends_with("ms")
    );
    assert_eq!(request["span"]["request_id"].as_str().unwrap().len(), 36);
    // On SIGTERM the background jobs finished their round and stopped.
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "background jobs stopped")
    );
}

#[tokio::test]
async fn readiness_fails_while_the_evidence_store_does_not_answer() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    assert_eq!(b.get("/readyz").await.status, StatusCode::OK);
    std::fs::remove_dir_all(&app.evidence_dir).unwrap();
    std::fs::write(&app.evidence_dir, b"not a folder").unwrap();
    assert_eq!(
        b.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // Alive all the same: the process answers and reaches its database.
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn pages_are_compressed_assets_cached_forever_and_evidence_sent_as_is() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b
        .open_case(
            &[],
            vec![("evidence", "capture.png", crate::helpers::png())],
        )
        .await;
    let page = b.get(&format!("/school/cases/{case}")).await;
    let fetch = async |path: &str, encoding: &str| {
        b.client
            .get(format!("{}{path}", app.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap()
    };
    // The page itself, brotli or gzip as accepted.
    let html = fetch(&format!("/school/cases/{case}"), "br").await;
    assert_eq!(html.headers()["content-encoding"], "br");
    assert_eq!(html.headers()["cache-control"], "no-store");
    let html = fetch(&format!("/school/cases/{case}"), "gzip").await;
    assert_eq!(html.headers()["content-encoding"], "gzip");

    // The stylesheet under its hashed name, for a year; the plain name revalidated.
    let css = page.attr("link[rel=stylesheet]", "href").unwrap();
    let hash = css
        .trim_start_matches("/static/css/vigie.")
        .trim_end_matches(".css");
    assert!(
        hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{css}"
    );
    let r = fetch(&css, "gzip").await;
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let plain = fetch("/static/css/vigie.css", "identity").await;
    assert_eq!(plain.headers()["cache-control"], "no-cache");

    // Evidence goes byte for byte, whatever the browser accepts.
    let link = page.attr(".evidence a", "href").unwrap();
    let r = fetch(&link, "gzip, br").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap().to_vec(), crate::helpers::png());
}
