//! The retention purge applies the privacy defaults (README) and never touches a
//! case under legal hold.

use chrono::Utc;
use reqwest::StatusCode;
use vigie::domain::ids::CaseId;

use crate::helpers::{Browser, TestApp, png};

async fn close(b: &Browser, case: CaseId, outcome: &str) {
    let page = format!("/school/cases/{case}");
    let p = b
        .submit(&page, &format!("{page}/close"), &[("outcome", outcome)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn closed_cases_go_after_their_delay_with_their_files_unless_held() {
    let app = TestApp::spawn().await;
    // An audit entry of long ago, first in the chain (the purge removes
    // the oldest part of the chain only).
    sqlx::query("insert into audit_log (at, action, record_type, result) values (now() - interval '400 days', 'view_case', 'case', 'ok')")
        .execute(&app.db)
        .await
        .unwrap();
    let (b, _) = app.head_teacher("0691664K").await;
    let (other_school, _) = app.head_teacher("0750656P").await;
    let no_follow_up = b
        .open_case(
            &[("victim_name", "A effacer")],
            vec![("evidence", "a.png", png())],
        )
        .await;
    let sanctioned = b
        .open_case(
            &[("victim_name", "Avec suite")],
            vec![("evidence", "b.png", png())],
        )
        .await;
    let held = b.open_case(&[("victim_name", "Procedure")], vec![]).await;
    let open = b.open_case(&[("victim_name", "Ouvert")], vec![]).await;
    close(&b, no_follow_up, "no_follow_up").await;
    close(&b, sanctioned, "sanctioned").await;
    close(&b, held, "no_follow_up").await;

    // Legal hold, from the case page, even once closed; not for another school.
    let page = format!("/school/cases/{held}");
    let p = other_school
        .submit("/school", &format!("{page}/legal-hold"), &[("hold", "on")])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = b
        .submit(&page, &format!("{page}/legal-hold"), &[("hold", "on")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let shown = b.get(&page).await;
    assert!(shown.text(".facts").contains("Conservé pour une procédure"));
    assert!(
        shown
            .text(".timeline")
            .contains("Conservé pour une procédure")
    );

    // Three months later.
    sqlx::query("update cases set closed_at = now() - interval '90 days' where status = 'closed'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.stored_files(), 2);
    let storage = vigie::storage::LocalStorage::new(&app.evidence_dir).unwrap();
    let counts = vigie::jobs::purge(&app.db, &storage, &app.config, Utc::now())
        .await
        .unwrap();
    assert_eq!((counts.cases, counts.audit), (1, 1));

    let left: Vec<String> =
        sqlx::query_scalar("select victim_name from cases order by victim_name")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(left, vec!["Avec suite", "Ouvert", "Procedure"]);
    assert_eq!(
        app.stored_files(),
        1,
        "the purged case's file is gone, the other stays"
    );
    let orphan_events: i64 =
        sqlx::query_scalar("select count(*) from case_events where case_id = $1")
            .bind(no_follow_up.0)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(orphan_events, 0, "its timeline went with it");
    assert_eq!(
        b.get(&format!("/school/cases/{no_follow_up}")).await.status,
        StatusCode::NOT_FOUND
    );
    let run: (i32, i32, i32) =
        sqlx::query_as("select cases_deleted, files_deleted, audit_deleted from purge_runs")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(run, (1, 1, 1), "what the purge did is recorded, in counts");
    // Timeline entries stay append-only outside the purge.
    assert!(
        sqlx::query("delete from case_events")
            .execute(&app.db)
            .await
            .is_err()
    );

    // Three years later, the case with a follow-up goes too; the held one and the open one stay.
    sqlx::query(
        "update cases set closed_at = now() - interval '1100 days' where status = 'closed'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let counts = vigie::jobs::purge(&app.db, &storage, &app.config, Utc::now())
        .await
        .unwrap();
    assert_eq!(counts.cases, 1);
    let left: Vec<String> =
        sqlx::query_scalar("select victim_name from cases order by victim_name")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(left, vec!["Ouvert", "Procedure"]);
    assert_eq!(app.stored_files(), 0);
    let _ = open;
}

#[tokio::test]
async fn old_mail_goes_and_administrators_never_see_a_reporters_address() {
    let app = TestApp::spawn().await;
    app.head_teacher("0691664K").await;
    let visitor = app.browser();
    let from = "/signaler/0691664K";
    let fields = [
        ("reporter_kind", "parent"),
        ("danger", "no"),
        ("description", "Des insultes sur un groupe de classe."),
        ("platforms", "sms"),
        ("kinds", "insults"),
        ("victim_first_name", "Lou"),
        ("victim_class", "6e A"),
        ("contact_email", "maman@example.net"),
    ];
    assert_eq!(
        visitor
            .submit_multipart(from, from, &fields, vec![])
            .await
            .status,
        StatusCode::OK
    );
    let admin = app.logged_in(vigie::domain::status::Role::Admin).await;
    let page = admin.get("/admin/mail").await;
    assert!(page.text("table").contains("adresse masquée"));
    assert!(!page.body.contains("maman@example.net"));

    sqlx::query("update outbox set status = 'sent', created_at = now() - interval '40 days'")
        .execute(&app.db)
        .await
        .unwrap();
    let storage = vigie::storage::LocalStorage::new(&app.evidence_dir).unwrap();
    let counts = vigie::jobs::purge(&app.db, &storage, &app.config, Utc::now())
        .await
        .unwrap();
    assert_eq!(counts.mail, 2, "the school's mail and the receipt");
    assert_eq!(app.count("outbox").await, 0);
}

/// A storage whose deletions fail (a disk or an object store unavailable).
struct Undeletable(vigie::storage::LocalStorage);

#[async_trait::async_trait]
impl vigie::storage::Storage for Undeletable {
    async fn put(&self, key: &str, blob: vigie::storage::Blob<'_>) -> anyhow::Result<()> {
        self.0.put(key, blob).await
    }
    async fn open(&self, key: &str) -> anyhow::Result<vigie::storage::ByteStream> {
        self.0.open(key).await
    }
    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        self.0.copy(from, to).await
    }
    async fn delete(&self, _key: &str) -> anyhow::Result<()> {
        anyhow::bail!("storage unavailable (test)")
    }
    async fn check(&self) -> anyhow::Result<()> {
        anyhow::bail!("storage unavailable (test)")
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_deleted_now_is_deleted_later() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b
        .open_case(
            &[("victim_name", "A effacer")],
            vec![("evidence", "a.png", png())],
        )
        .await;
    close(&b, case, "no_follow_up").await;
    sqlx::query("update cases set closed_at = now() - interval '90 days'")
        .execute(&app.db)
        .await
        .unwrap();
    let local = || vigie::storage::LocalStorage::new(&app.evidence_dir).unwrap();
    let counts = vigie::jobs::purge(&app.db, &Undeletable(local()), &app.config, Utc::now())
        .await
        .unwrap();
    assert_eq!(counts.cases, 1, "the rows go at once");
    assert_eq!(app.stored_files(), 1, "the file could not be deleted yet");
    let (pending, attempts): (i64, i32) =
        sqlx::query_as("select count(*), max(attempts) from pending_deletions")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (pending, attempts),
        (1, 1),
        "it is kept, with the failure counted"
    );

    // Later, with the storage back: the background jobs delete it.
    let later = Utc::now() + chrono::TimeDelta::hours(1);
    let (deleted, failed) = vigie::ops::files::delete_pending(&app.db, &local(), later)
        .await
        .unwrap();
    assert_eq!((deleted, failed), (1, 0));
    assert_eq!(app.stored_files(), 0);
    assert_eq!(app.count("pending_deletions").await, 0);
}
