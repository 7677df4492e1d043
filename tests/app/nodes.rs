//! Several machines: two `vigie serve` processes and one `vigie worker` (the
//! real binary) on one database and one S3 store. A session started on one
//! node continues on the other; a file uploaded on one downloads from the
//! other; mail goes out once whoever runs the outbox; purged files leave the
//! bucket, also when the store was down at the time; a node killed during
//! uploads leaves no object without a row.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use reqwest::StatusCode;
use vigie::domain::status::Role;
use vigie::storage::{S3Storage, Storage};

use crate::helpers::{Browser, PASSWORD, TempDir, TestApp, png};
use crate::s3::S3Server;
use crate::smtp::{SmtpServer, free_port};

const DESK: &str = "desk@3018.test";

/// A `vigie` process, killed with the test.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Everything a node of the test shares with the others.
struct Cluster<'a> {
    app: &'a TestApp,
    s3: &'a S3Server,
    smtp_port: u16,
}

impl Cluster<'_> {
    fn command(&self, args: &[&str], data: &TempDir) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
        c.args(args)
            .env("DATABASE_URL", &self.app.db_url)
            .env("DATA_DIR", &data.0)
            .env("SMTP_URL", format!("smtp://127.0.0.1:{}", self.smtp_port))
            .env("HELPLINE_DESK_EMAIL", DESK)
            // One key for the installation, on every machine.
            .env(
                "SIGNING_KEY",
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            )
            // The test harness seals second-factor secrets with [9; 32].
            .env(
                "TWO_FACTOR_KEY",
                "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=",
            )
            .env("RUST_LOG", "warn")
            .envs(self.s3.env())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        c
    }

    /// Starts `vigie serve` and waits until it is ready; returns its base URL.
    async fn node(&self, data: &TempDir) -> (Process, String) {
        let port = free_port();
        let child = Process(
            self.command(&["serve"], data)
                .env("BIND_ADDR", format!("127.0.0.1:{port}"))
                .spawn()
                .unwrap(),
        );
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..300 {
            if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
                assert_eq!(r.status(), StatusCode::OK, "database and S3 answer");
                return (child, base);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node did not start");
    }

    /// Runs a `vigie` command to its end; returns its standard output.
    async fn run(&self, args: &[&str], data: &TempDir) -> String {
        // Awaited, not blocking: the S3 proxy runs on this test's runtime.
        let out = tokio::process::Command::from(self.command(args, data))
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "vigie {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Waits (bounded) until `done` holds.
async fn until<F: AsyncFn() -> bool>(what: &str, done: F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn keys_in_rows(app: &TestApp) -> HashSet<String> {
    sqlx::query_scalar(
        "select storage_key from evidence union all select storage_key from report_evidence",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
async fn two_nodes_and_a_worker_share_sessions_files_mail_and_deletions() {
    let app = TestApp::spawn().await;
    let s3 = S3Server::start().await;
    let (smtp, smtp_port) = SmtpServer::start(0);
    let cluster = Cluster {
        app: &app,
        s3: &s3,
        smtp_port,
    };
    let (d1, d2, dw) = (TempDir::new(), TempDir::new(), TempDir::new());
    let (_n1, base1) = cluster.node(&d1).await;
    let (_n2, base2) = cluster.node(&d2).await;
    let _worker = Process(cluster.command(&["worker"], &dw).spawn().unwrap());

    // Logged in on node 1, still logged in on node 2.
    let school = app.school("0691664K", "Collège Lumière").await;
    app.account("direction@example.org", Role::SchoolStaff, &[school])
        .await;
    let one = app.browser().on(&base1);
    one.login("direction@example.org", PASSWORD).await;
    let two = one.on(&base2);
    assert_eq!(two.get("/school").await.status, StatusCode::OK);

    // Uploaded on node 1, read and downloaded on node 2.
    let shot: Vec<u8> = [png(), vec![0; 300_000]].concat();
    let case = one
        .open_case(
            &[("victim_name", "Deux noeuds")],
            vec![
                ("evidence", "a.png", shot.clone()),
                ("evidence", "b.png", png()),
            ],
        )
        .await;
    let page = two.get(&format!("/school/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let href = page.attr(".evidence a[download]", "href").unwrap();
    let (status, _, body) = two.get_bytes(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], &shot[..]);
    assert_eq!(s3.keys().await.len(), 2);
    assert!(app.stored_files() == 0 && d1.files() == 0 && d2.files() == 0);

    // 20 referrals across both nodes: 20 mails, each sent once although
    // both nodes and the worker run the outbox.
    for i in 0..20 {
        let b = if i % 2 == 0 { &one } else { &two };
        let c = b.open_case(&[], vec![]).await;
        let page = format!("/school/cases/{c}");
        let p = b
            .submit(&page, &format!("{page}/refer"), &[("note", "")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
    }
    let to_desk = || {
        smtp.received()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == DESK))
            .count()
    };
    until("20 referral mails", async || to_desk() >= 20).await;
    until("the outbox to empty", async || {
        sqlx::query_scalar::<_, i64>("select count(*) from outbox where status <> 'sent'")
            .fetch_one(&app.db)
            .await
            .unwrap()
            == 0
    })
    .await;
    let mails = smtp.received();
    let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), mails.len(), "no mail sent twice");
    assert_eq!(to_desk(), 20);

    // The case is closed and its time is up: a purge run by the command
    // line while S3 is down leaves its files pending, not forgotten.
    let page = format!("/school/cases/{case}");
    let p = one
        .submit(
            &page,
            &format!("{page}/close"),
            &[("outcome", "resolved"), ("note", "")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    sqlx::query("update cases set closed_at = now() - interval '4 years' where id = $1")
        .bind(case.0)
        .execute(&app.db)
        .await
        .unwrap();
    s3.set_up(false);
    let out = cluster.run(&["purge"], &dw).await;
    assert!(out.contains("Purge: 1 cases"), "{out}");
    assert!(
        out.contains("0 file(s) deleted; 2 file(s) still to delete"),
        "{out}"
    );
    s3.set_up(true);
    assert_eq!(s3.keys().await.len(), 2, "the objects wait for the store");
    // The store is back: the next round (past the back-off) deletes them.
    let store = S3Storage::new(&s3.settings()).unwrap();
    let later = Utc::now() + chrono::Duration::minutes(5);
    let (deleted, failed) = vigie::ops::files::delete_pending(&app.db, &store, later)
        .await
        .unwrap();
    assert_eq!((deleted, failed), (2, 0));
    assert!(s3.keys().await.is_empty());
    assert_eq!(app.count("pending_deletions").await, 0);
    store.check().await.unwrap();
}

/// Holds the audit table so that an upload stops after its object is
/// written and before its row commits.
async fn hold_audit(app: &TestApp) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("lock table audit_log in exclusive mode")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

#[tokio::test]
async fn a_node_killed_during_uploads_leaves_no_object_without_a_row() {
    let app = TestApp::spawn().await;
    let s3 = S3Server::start().await;
    let (_smtp, smtp_port) = SmtpServer::start(0);
    let cluster = Cluster {
        app: &app,
        s3: &s3,
        smtp_port,
    };
    let data = TempDir::new();
    let (mut node, base) = cluster.node(&data).await;
    let school = app.school("0691664K", "Collège Lumière").await;
    app.account("direction@example.org", Role::SchoolStaff, &[school])
        .await;
    let b: Browser = app.browser().on(&base);
    b.login("direction@example.org", PASSWORD).await;
    b.open_case(&[], vec![("evidence", "a.png", png())]).await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let page = format!("/school/cases/{}", b.open_case(&[], vec![]).await);
        let token = b.get(&page).await.csrf();
        cases.push((page, token));
    }

    // Three uploads under way (one of 3 MB, spooled), stopped between their
    // objects and their rows; then the node is killed.
    let held = hold_audit(&app).await;
    let big: Vec<u8> = [png(), vec![0; 3_000_000]].concat();
    for (file, (page, token)) in [png(), big.clone(), png()].into_iter().zip(cases) {
        let (b, action) = (b.on(&base), format!("{page}/evidence"));
        tokio::spawn(async move {
            let _ = b
                .post_multipart(&action, &token, &[], vec![("evidence", "x.png", file)])
                .await;
        });
    }
    until("three objects written", async || s3.keys().await.len() == 4).await;
    node.0.kill().unwrap();
    node.0.wait().unwrap();
    held.rollback().await.unwrap();
    // The killed node's transactions end (rolled back) once PostgreSQL
    // notices its connections are gone.
    until("the killed node's transactions to end", async || {
        sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null",
        )
        .fetch_one(&app.db)
        .await
        .unwrap()
            == 0
    })
    .await;

    let rows = keys_in_rows(&app).await;
    assert_eq!(rows.len(), 1, "no upload committed");
    let orphans = s3
        .keys()
        .await
        .into_iter()
        .filter(|k| !rows.contains(k))
        .count();
    assert_eq!(orphans, 3, "objects written without their rows");
    assert_eq!(app.count("pending_deletions").await, 3);

    // Once the grace delay is over, the background jobs delete them.
    let store = S3Storage::new(&s3.settings()).unwrap();
    let later = Utc::now() + chrono::Duration::hours(2);
    let (deleted, _) = vigie::ops::files::delete_pending(&app.db, &store, later)
        .await
        .unwrap();
    assert_eq!(deleted, 3);
    let left: HashSet<String> = s3.keys().await.into_iter().collect();
    assert_eq!(left, rows, "every object has its row, every row its object");
    assert_eq!(
        store.get(rows.iter().next().unwrap()).await.unwrap().len(),
        png().len()
    );
    // A node started again on that folder removes the spooled upload the
    // killed one left, once it is old enough.
    assert_eq!(data.files(), 1);
    assert_eq!(
        vigie::storage::spool::clean(&data.0.join("spool"), Duration::ZERO).unwrap(),
        1
    );
}
