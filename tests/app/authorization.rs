//! Who may see what: route × role, and school B never sees school A's case.

use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{Browser, TestApp, png};

struct World {
    app: TestApp,
    head_a: Browser,
    head_b: Browser,
    helpline: Browser,
    admin: Browser,
    anonymous: Browser,
    case: String,
    evidence: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (head_a, _) = app.head_teacher("0691664K").await;
    let (head_b, _) = app.head_teacher("0750656P").await;
    let helpline = app.logged_in(Role::Helpline).await;
    let admin = app.logged_in(Role::Admin).await;
    let anonymous = app.browser();
    let case = head_a
        .open_case(&[], vec![("evidence", "capture.png", png())])
        .await
        .to_string();
    let evidence: uuid::Uuid = sqlx::query_scalar("select id from evidence")
        .fetch_one(&app.db)
        .await
        .unwrap();
    World {
        app,
        head_a,
        head_b,
        helpline,
        admin,
        anonymous,
        case,
        evidence: evidence.to_string(),
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    let w = world().await;
    let (c, e) = (&w.case, &w.evidence);
    let case_page = format!("/school/cases/{c}");
    let download = format!("/cases/{c}/evidence/{e}");
    let preview = format!("/cases/{c}/evidence/{e}/preview");
    let consultations = format!("/school/cases/{c}/consultations");
    let ok = StatusCode::OK;
    let nf = StatusCode::NOT_FOUND;
    let login = StatusCode::SEE_OTHER;
    // route, head teacher A, head teacher B, helpline, admin, anonymous
    let table: Vec<(&str, [StatusCode; 5])> = vec![
        ("/school", [ok, ok, nf, nf, login]),
        ("/school/cases/new", [ok, ok, nf, nf, login]),
        (&case_page, [ok, nf, nf, nf, login]),
        (&download, [ok, nf, nf, nf, login]),
        (&preview, [ok, nf, nf, nf, login]),
        ("/helpline", [nf, nf, ok, nf, login]),
        ("/admin", [nf, nf, nf, ok, login]),
        ("/admin/audit", [nf, nf, nf, ok, login]),
        (&consultations, [ok, nf, nf, nf, login]),
        ("/", [ok, ok, ok, ok, ok]),
    ];
    let who = [&w.head_a, &w.head_b, &w.helpline, &w.admin, &w.anonymous];
    for (route, expected) in &table {
        for (i, b) in who.iter().enumerate() {
            let got = b.get(route).await.status;
            assert_eq!(got, expected[i], "{route} as caller #{i}");
        }
    }
    let p = w.anonymous.get(&case_page).await;
    assert_eq!(p.location(), "/login");
}

#[tokio::test]
async fn staff_of_another_school_get_404_and_change_nothing() {
    let w = world().await;
    let c = &w.case;
    let before = (
        w.app.count("case_events").await,
        w.app.count("online_targets").await,
        w.app.count("evidence").await,
    );
    let p = w.head_b.get(&format!("/school/cases/{c}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(!p.body.contains("Camille"), "nothing of the case leaks");

    for (action, fields) in [
        (
            format!("/school/cases/{c}/notes"),
            vec![("note", "intrusion")],
        ),
        (
            format!("/school/cases/{c}/targets"),
            vec![("platform", "tiktok"), ("target", "@x")],
        ),
        (
            format!("/school/cases/{c}/close"),
            vec![("outcome", "resolved")],
        ),
        (format!("/school/cases/{c}/reopen"), vec![]),
        (
            format!("/school/cases/{c}/refer"),
            vec![("note", "intrusion")],
        ),
        (format!("/school/cases/{c}/withdraw"), vec![]),
        (
            format!("/school/cases/{c}/answer"),
            vec![("note", "intrusion")],
        ),
        (
            format!("/school/cases/{c}/sanctions"),
            vec![
                ("kind", "responsibility_measure"),
                ("decided_on", "2026-01-05"),
                ("note", "intrusion"),
            ],
        ),
        (
            format!("/school/cases/{c}/legal-hold"),
            vec![("hold", "on")],
        ),
    ] {
        let p = w.head_b.submit("/school", &action, &fields).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{action}");
    }
    let token = w.head_b.get("/school").await.csrf();
    let p = w
        .head_b
        .post_multipart(
            &format!("/school/cases/{c}/evidence"),
            &token,
            &[],
            vec![("evidence", "b.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    let after = (
        w.app.count("case_events").await,
        w.app.count("online_targets").await,
        w.app.count("evidence").await,
    );
    assert_eq!(before, after);
    assert_eq!(w.app.stored_files(), 1, "the refused upload left no file");
    let status: String = sqlx::query_scalar("select status::text from cases")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(status, "open");
    let (held, sanctions, mails): (bool, i64, i64) = sqlx::query_as(
        "select legal_hold, (select count(*) from sanctions), (select count(*) from outbox) from cases",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(
        (held, sanctions, mails),
        (false, 0, 0),
        "no hold, sanction or referral mail"
    );
    let denied: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'view_case' and result = 'denied'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(denied, 1, "the attempt is in the audit trail");
}

#[tokio::test]
async fn the_helpline_sees_evidence_only_once_the_case_was_referred() {
    let w = world().await;
    let download = format!("/cases/{}/evidence/{}", w.case, w.evidence);
    assert_eq!(
        w.helpline.get(&download).await.status,
        StatusCode::NOT_FOUND
    );
    sqlx::query("update cases set status = 'referred', referred_at = now()")
        .execute(&w.app.db)
        .await
        .unwrap();
    assert_eq!(w.helpline.get(&download).await.status, StatusCode::OK);
    assert_eq!(w.head_b.get(&download).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.admin.get(&download).await.status,
        StatusCode::NOT_FOUND,
        "administrators never read case content"
    );
}

#[tokio::test]
async fn a_made_up_case_id_is_a_404_like_a_foreign_one() {
    let w = world().await;
    let made_up = uuid::Uuid::new_v4();
    let p = w.head_a.get(&format!("/school/cases/{made_up}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let foreign = w.head_b.get(&format!("/school/cases/{}", w.case)).await;
    assert_eq!(p.body, foreign.body, "the two 404s cannot be told apart");
    assert_eq!(
        w.head_a.get("/school/cases/pas-un-id").await.body,
        p.body,
        "a malformed id is the same 404"
    );
}
