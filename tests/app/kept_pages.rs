//! A case page's lists and a school's dashboard are kept in the server's
//! memory with their revision (migration 0028): every change, whoever makes
//! it (the site, SQL by hand), shows on the next load.

use reqwest::StatusCode;
use vigie::domain::ids::CaseId;

use crate::helpers::{Browser, TestApp, png};

async fn sql(app: &TestApp, statement: &str, case: CaseId) {
    sqlx::query(statement)
        .bind(case.0)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn timeline(b: &Browser, page: &str) -> Vec<String> {
    b.get(page).await.texts("ol.timeline li")
}

#[tokio::test]
async fn a_kept_case_page_shows_every_change_on_the_next_load() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let case = head
        .open_case(&[], vec![("evidence", "capture.png", png())])
        .await;
    let page = format!("/school/cases/{case}");
    let first = head.get(&page).await;
    assert!(first.body.contains("Intégrité pas encore revérifiée"));
    assert!(!first.body.contains("Élève Y"));

    sql(
        &app,
        "insert into case_events (case_id, actor_id, kind, note, data)
         select id, created_by, 'note', 'Écrit en SQL', '{}' from cases where id = $1",
        case,
    )
    .await;
    assert!(
        timeline(&head, &page)
            .await
            .iter()
            .any(|e| e.contains("Écrit en SQL"))
    );

    sql(
        &app,
        "insert into case_authors (id, case_id, position, kind, name, group_name)
         values (gen_random_uuid(), $1, 9, 'pupil', 'Élève Y', '4e B')",
        case,
    )
    .await;
    assert!(head.get(&page).await.body.contains("Élève Y"));

    sql(
        &app,
        "insert into file_checks select storage_key, now() from evidence where case_id = $1",
        case,
    )
    .await;
    assert!(head.get(&page).await.body.contains("Intégrité vérifiée le"));

    sql(
        &app,
        "update accounts set display_name = 'Principale Renommée'
         where id = (select created_by from cases where id = $1)",
        case,
    )
    .await;
    let events = timeline(&head, &page).await;
    assert!(
        events
            .iter()
            .all(|e| !e.contains(" · ") || e.contains("Principale Renommée")),
        "{events:?}"
    );
}

#[tokio::test]
async fn each_audience_keeps_its_own_case_lists() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let case = head.open_case(&[], vec![]).await;
    let school_page = format!("/school/cases/{case}");
    let p = head
        .submit(
            &school_page,
            &format!("{school_page}/refer"),
            &[("note", "")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let agent = app.logged_in(vigie::domain::status::Role::Helpline).await;
    let helpline_page = format!("/helpline/cases/{case}");
    // Both pages kept, then an internal note added behind the site's back.
    timeline(&head, &school_page).await;
    timeline(&agent, &helpline_page).await;
    sql(
        &app,
        "insert into case_events (case_id, actor_id, kind, note, data, internal)
         select id, created_by, 'note', 'Note interne en SQL', '{}', true from cases where id = $1",
        case,
    )
    .await;
    let seen = |events: Vec<String>| events.iter().any(|e| e.contains("Note interne en SQL"));
    assert!(seen(timeline(&agent, &helpline_page).await));
    assert!(!seen(timeline(&head, &school_page).await));
}

async fn school_revision(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select coalesce(sum(n), 0)::bigint from school_touches
         where school_id = (select id from schools where uai = '0691664K')",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_kept_dashboard_shows_every_change_on_the_next_load() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let case = head.open_case(&[], vec![]).await;
    let first = head.get("/school").await;
    assert!(!first.body.contains("signalement de famille"));
    assert!(!first.body.contains("e-Enfance attend votre réponse"));

    sqlx::query(
        "insert into reports (id, reference, school_id, reporter_kind, danger, code_hash, due_at)
         select gen_random_uuid(), 'SIG-SQL', id, 'parent', false, sha256('code'), now() + interval '2 days'
         from schools where uai = '0691664K'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert!(
        head.get("/school")
            .await
            .body
            .contains("1 signalement de famille ou de victime à traiter")
    );

    sqlx::query("update schools set name = 'Collège Lumière' where uai = '0691664K'")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(head.get("/school").await.body.contains("Collège Lumière"));

    // A question of the helpline, written in one transaction.
    let before = school_revision(&app).await;
    let mut tx = app.db.begin().await.unwrap();
    for statement in [
        "update cases set status = 'awaiting_school', referred_at = now() where id = $1",
        "insert into case_events (case_id, actor_id, kind, note, data)
         select id, created_by, 'question', 'Question en SQL ?', '{}' from cases where id = $1",
    ] {
        sqlx::query(statement)
            .bind(case.0)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(school_revision(&app).await, before + 1);
    let page = head.get("/school").await;
    assert!(page.body.contains("Question en SQL ?"));
    assert!(
        page.text("select[name=status] option[value=awaiting_school]")
            .ends_with("(1)")
    );

    // Folding the touches keeps the revision, and the page.
    let rows = vigie::db::school_overview::fold_touches(&app.db)
        .await
        .unwrap();
    assert!(rows >= 1);
    assert_eq!(school_revision(&app).await, before + 1);
    assert!(head.get("/school").await.body.contains("Question en SQL ?"));
    // The case moves to another school: it leaves this dashboard.
    app.school("0750001A", "Collège Ailleurs").await;
    sql(
        &app,
        "update cases set school_id = (select id from schools where uai = '0750001A') where id = $1",
        case,
    )
    .await;
    let page = head.get("/school").await;
    assert!(!page.body.contains("Question en SQL ?"));
    assert!(page.texts("table.cases tbody tr").is_empty());
}
