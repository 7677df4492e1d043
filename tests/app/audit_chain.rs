//! The tamper-evident audit trail: rows chained by hash in the order their
//! writers took the head; changes and deletions refused by the database;
//! a row altered, deleted or forged behind its back is named by `vigie
//! audit verify`; the purge leaves a signed checkpoint; concurrent writers
//! keep one chain.

use std::process::Command;
use std::time::Instant;

use chrono::Utc;
use vigie::domain::seal::Seal;
use vigie::ops::audit_chain::verify;

use crate::helpers::{TempDir, TestApp, png};

async fn sql(app: &TestApp, statement: &str) -> Result<u64, sqlx::Error> {
    sqlx::query(statement)
        .execute(&app.db)
        .await
        .map(|r| r.rows_affected())
}

/// Runs `statement` with the triggers off, as someone with full database
/// access could.
async fn behind_its_back(app: &TestApp, statement: &str) {
    let mut tx = app.db.begin().await.unwrap();
    sqlx::query("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(statement).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

fn cli_verify(app: &TestApp) -> (bool, String) {
    let dir = TempDir::new();
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.db_url)
        .env("DATA_DIR", &dir.0)
        .env(
            "SIGNING_KEY",
            "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
        )
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn the_chain_names_the_first_row_altered_deleted_or_forged() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![("evidence", "a.png", png())]).await;
    for _ in 0..3 {
        b.get(&format!("/school/cases/{case}")).await;
    }
    let seal = &app.config.seal;
    let report = verify(&app.db, seal).await.unwrap();
    let rows = app.count("audit_log").await;
    assert!(rows >= 6, "{rows}");
    assert_eq!((report.rows, report.first_break), (rows, None));
    let (ok, said) = cli_verify(&app);
    assert!(
        ok && said.contains("Intact") && said.contains("from the start"),
        "{said}"
    );

    // The database refuses changes and deletions.
    assert!(
        sql(&app, "update audit_log set result = 'ok'")
            .await
            .is_err()
    );
    assert!(
        sql(&app, "delete from audit_log where chain_seq = 2")
            .await
            .is_err()
    );
    assert!(sql(&app, "truncate audit_log").await.is_err());

    // Altered behind its back: that row is named; put back, intact again.
    let id: i64 = sqlx::query_scalar("select id from audit_log where chain_seq = 3")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let action: String = sqlx::query_scalar("select action from audit_log where chain_seq = 3")
        .fetch_one(&app.db)
        .await
        .unwrap();
    behind_its_back(
        &app,
        "update audit_log set action = 'login' where chain_seq = 3",
    )
    .await;
    let broken = verify(&app.db, seal).await.unwrap().first_break.unwrap();
    assert_eq!((broken.id, broken.seq), (Some(id), 3));
    let (ok, said) = cli_verify(&app);
    assert!(
        !ok && said.contains(&format!("First break: entry 3 (row id {id})")),
        "{said}"
    );
    behind_its_back(
        &app,
        &format!("update audit_log set action = '{action}' where chain_seq = 3"),
    )
    .await;
    assert_eq!(verify(&app.db, seal).await.unwrap().first_break, None);

    // A forged row at the end, written without the trigger.
    behind_its_back(
        &app,
        &format!(
        "insert into audit_log (action, record_type, result, chain_seq, canonical, prev_hash, hash)
         values ('login', 'account', 'ok', {}, 'v1', '\\x00', '\\x00')", rows + 1),
    )
    .await;
    let forged: i64 = sqlx::query_scalar("select max(id) from audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let broken = verify(&app.db, seal).await.unwrap().first_break.unwrap();
    assert_eq!((broken.id, broken.seq), (Some(forged), rows + 1));
    behind_its_back(&app, &format!("delete from audit_log where id = {forged}")).await;

    // A row deleted: the next one is named.
    behind_its_back(&app, "delete from audit_log where chain_seq = 4").await;
    let broken = verify(&app.db, seal).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(broken.why.contains("missing"));

    // The last rows deleted: the head says so.
    let app = TestApp::spawn().await;
    app.logged_in(vigie::domain::status::Role::Helpline).await;
    app.logged_in(vigie::domain::status::Role::Helpline).await;
    let last: i64 = sqlx::query_scalar("select max(chain_seq) from audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    behind_its_back(
        &app,
        &format!("delete from audit_log where chain_seq = {last}"),
    )
    .await;
    let broken = verify(&app.db, seal).await.unwrap().first_break.unwrap();
    assert_eq!((broken.id, broken.seq), (None, last));
}

#[tokio::test]
async fn the_purge_leaves_a_signed_checkpoint_and_the_rest_verifies() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        sql(&app, "insert into audit_log (at, action, record_type, result) values (now() - interval '400 days', 'login', 'account', 'ok')").await.unwrap();
    }
    let (b, _) = app.head_teacher("0691664K").await;
    b.open_case(&[], vec![]).await;
    let before = app.count("audit_log").await;
    let storage = vigie::storage::LocalStorage::new(&app.evidence_dir).unwrap();
    let counts = vigie::jobs::purge(&app.db, &storage, &app.config, Utc::now())
        .await
        .unwrap();
    assert_eq!(counts.audit, 3);
    assert_eq!(app.count("audit_log").await, before - 3);
    let report = verify(&app.db, &app.config.seal).await.unwrap();
    assert_eq!(report.from_checkpoint, Some(3));
    assert_eq!((report.rows, report.first_break), (before - 3, None));
    let (ok, said) = cli_verify(&app);
    assert!(
        ok && said.contains("from the signed checkpoint after entry 3"),
        "{said}"
    );

    // A checkpoint not signed by this installation is not trusted.
    let other = Seal::from_seed([1; 32]);
    let broken = verify(&app.db, &other).await.unwrap().first_break.unwrap();
    assert!(broken.why.contains("signature"));
    // Nor one whose hash was changed.
    behind_its_back(&app, "update audit_checkpoints set hash = '\\x00'").await;
    let broken = verify(&app.db, &app.config.seal)
        .await
        .unwrap()
        .first_break
        .unwrap();
    assert!(broken.why.contains("signature"));
}

#[tokio::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let before = app.count("audit_log").await;
    let page = format!("/school/cases/{case}");
    let started = Instant::now();
    let views: Vec<_> = (0..64)
        .map(|_| {
            let (b, page) = (b.on(&app.base), page.clone());
            tokio::spawn(async move { b.get(&page).await.status })
        })
        .collect();
    for v in views {
        assert_eq!(v.await.unwrap(), reqwest::StatusCode::OK);
    }
    eprintln!("64 concurrent audited page views: {:?}", started.elapsed());
    assert_eq!(app.count("audit_log").await, before + 64);
    let report = verify(&app.db, &app.config.seal).await.unwrap();
    assert_eq!((report.rows, report.first_break), (before + 64, None));
}

#[tokio::test]
async fn a_head_teacher_sees_who_opened_a_case_and_its_files() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let (other, _) = app.head_teacher("0750656P").await;
    let case = b
        .open_case(&[], vec![("evidence", "capture.png", png())])
        .await;
    let page = format!("/school/cases/{case}");
    let shown = b.get(&page).await;
    let href = shown.attr(".evidence a[download]", "href").unwrap();
    assert_eq!(b.get_bytes(&href).await.0, reqwest::StatusCode::OK);
    let p = b
        .submit(&page, &format!("{page}/refer"), &[("note", "")])
        .await;
    assert_eq!(p.status, reqwest::StatusCode::SEE_OTHER);
    let agent = app.logged_in(vigie::domain::status::Role::Helpline).await;
    assert_eq!(
        agent.get(&format!("/helpline/cases/{case}")).await.status,
        reqwest::StatusCode::OK
    );

    let log = b.get(&format!("{page}/consultations")).await;
    assert_eq!(log.status, reqwest::StatusCode::OK);
    let rows = log.texts("tbody tr");
    assert!(
        rows[0].contains("e-Enfance (3018)") && rows[0].contains("a ouvert le dossier"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("a téléchargé « capture.png »"))
    );
    assert!(
        rows.iter().any(|r| r.contains("Direction d'établissement")
            && r.contains("direction-0691664k@example.org"))
    );
    assert!(b.get(&page).await.body.contains("/consultations"));

    // Another school: not found; the helpline: not its page.
    let outside = other.get(&format!("{page}/consultations")).await;
    assert_eq!(outside.status, reqwest::StatusCode::NOT_FOUND);
    assert_ne!(
        agent.get(&format!("{page}/consultations")).await.status,
        reqwest::StatusCode::OK
    );
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'view_access_log'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 2, "read and refused, both audited");
}

#[tokio::test]
async fn administrators_read_the_trail_by_account_date_and_action_page_by_page() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b
        .open_case(&[("victim_name", "Nom Confidentiel")], vec![])
        .await;
    b.get(&format!("/school/cases/{case}")).await;
    let admin = app.logged_in(vigie::domain::status::Role::Admin).await;
    let reference: String = sqlx::query_scalar("select reference from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let p = admin
        .get("/admin/audit?compte=direction-0691664k%40example.org&action=view_case")
        .await;
    let rows = p.texts("tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("Lecture d'un dossier") && rows[0].contains(&reference));
    assert!(!p.body.contains("Nom Confidentiel"));
    let all = admin.get("/admin/audit").await.texts("tbody tr");
    assert!(
        all.iter()
            .any(|r| r.contains("Connexion") && r.contains("compte"))
    );

    // A wrong date or an unknown account comes back next to its field.
    let p = admin
        .get("/admin/audit?du=hier&compte=personne%40example.org")
        .await;
    assert_eq!(
        p.text("#du-error"),
        "Erreur : Saisissez une date au format AAAA-MM-JJ."
    );
    assert!(p.text("#compte-error").contains("Aucun compte"));
    assert_eq!(
        p.attr("#du", "aria-describedby").as_deref(),
        Some("du-error")
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        !admin
            .get(&format!("/admin/audit?du={today}"))
            .await
            .texts("tbody tr")
            .is_empty()
    );
    assert!(
        admin
            .get(&format!("/admin/audit?du={tomorrow}"))
            .await
            .texts("tbody tr")
            .is_empty()
    );

    // 250 entries: three pages, each entry once, newest first.
    for _ in 0..250 {
        sql(&app, "insert into audit_log (action, record_type, result) values ('follow_up', 'report', 'denied')").await.unwrap();
    }
    let mut seen = Vec::new();
    let mut path = "/admin/audit?action=follow_up".to_owned();
    loop {
        let p = admin.get(&path).await;
        seen.extend(p.texts("tbody tr td:first-child"));
        match p.attr(".pager a.button", "href") {
            Some(next) => path = next,
            None => break,
        }
    }
    let numbers: Vec<i64> = seen.iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(numbers.len(), 250);
    assert!(numbers.windows(2).all(|w| w[0] > w[1]));
}
