//! Bulk triage from the queue: each selected case claimed or given to an
//! agent through the one-case operation; refusals said case by case.

use reqwest::StatusCode;
use vigie::domain::ids::CaseId;
use vigie::domain::status::Role;

use crate::helpers::{Browser, TestApp};

async fn referred(b: &Browser) -> CaseId {
    let case = b.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");
    let p = b.submit(&s, &format!("{s}/refer"), &[("note", "")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    case
}

async fn claimed_by(app: &TestApp, case: CaseId) -> Option<String> {
    sqlx::query_scalar(
        "select a.email from cases c left join accounts a on a.id = c.claimed_by where c.id = $1",
    )
    .bind(case.0)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_agent_claims_several_cases_at_once_and_sees_which_were_refused() {
    let app = TestApp::spawn().await;
    let (school, _) = app.head_teacher("0691664K").await;
    let (a, b, c) = (
        referred(&school).await,
        referred(&school).await,
        referred(&school).await,
    );
    let me = app.logged_in(Role::Helpline).await;
    let other = app.logged_in(Role::Helpline).await;
    // Someone else took `c` first.
    let h = format!("/helpline/cases/{c}");
    other.submit(&h, &format!("{h}/claim"), &[]).await;

    let queue = me.get("/helpline").await;
    assert!(queue.has(&format!("input[name=cases][value='{a}'][form=triage]")));
    assert!(queue.has(&format!("label[for='sel-{a}']")));
    let (sa, sb, sc) = (a.to_string(), b.to_string(), c.to_string());
    let p = me
        .submit(
            "/helpline",
            "/helpline/selection",
            &[
                ("action", "claim"),
                ("cases", &sa),
                ("cases", &sb),
                ("cases", &sc),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.text("h1").contains("Prise en charge : 2 dossiers"),
        "{}",
        p.text("h1")
    );
    let refused = p.text(".warning");
    assert!(
        refused.contains("vient d'être pris en charge par helpline-"),
        "{refused}"
    );
    let mine = claimed_by(&app, a).await.unwrap();
    assert!(mine.starts_with("helpline-"));
    assert_eq!(claimed_by(&app, b).await.as_deref(), Some(mine.as_str()));
    assert_ne!(claimed_by(&app, c).await.as_deref(), Some(mine.as_str()));
}

#[tokio::test]
async fn an_agent_gives_several_cases_to_a_colleague() {
    let app = TestApp::spawn().await;
    let (school, _) = app.head_teacher("0691664K").await;
    let (a, b) = (referred(&school).await, referred(&school).await);
    let unreferred = school.open_case(&[], vec![]).await;
    let colleague = app
        .account("ecoutante@example.org", Role::Helpline, &[])
        .await;
    let me = app.logged_in(Role::Helpline).await;
    let queue = me.get("/helpline").await;
    assert!(queue.has(&format!("#triage-agent option[value='{colleague}']")));
    let (sa, sb, su) = (a.to_string(), b.to_string(), unreferred.to_string());
    let to = colleague.to_string();
    let p = me
        .submit(
            "/helpline",
            "/helpline/selection",
            &[
                ("action", "assign"),
                ("agent", &to),
                ("cases", &sa),
                ("cases", &sb),
                ("cases", &su),
            ],
        )
        .await;
    assert!(
        p.text("h1")
            .contains("Confiés à ecoutante@example.org : 2 dossiers")
    );
    assert!(p.text(".warning").contains("n'est plus transmis"));
    for case in [a, b] {
        assert_eq!(
            claimed_by(&app, case).await.as_deref(),
            Some("ecoutante@example.org")
        );
    }
    assert_eq!(claimed_by(&app, unreferred).await, None);
    let events: i64 =
        sqlx::query_scalar("select count(*) from case_events where kind = 'reassigned'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(events, 2);

    // School staff cannot use it.
    let token = school.get("/school").await.csrf();
    let p = school
        .post_raw(
            "/helpline/selection",
            &[("csrf_token", &token), ("action", "claim"), ("cases", &su)],
        )
        .await;
    assert!(matches!(
        p.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
}

#[tokio::test]
async fn after_the_demo_seed_every_role_has_work_to_do() {
    use std::sync::Arc;
    use vigie::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, seed};
    let app = TestApp::spawn().await;
    let storage = Arc::new(vigie::storage::LocalStorage::new(&app.evidence_dir).unwrap());
    let ops = vigie::ops::Ops::new(app.db.clone(), Arc::new(app.config.clone()), storage);
    seed(&ops).await.unwrap();
    seed(&ops).await.unwrap(); // a second run changes nothing
    let login = async |i: usize| {
        let b = app.browser();
        b.login(DEMO_ACCOUNTS[i].0, DEMO_PASSWORD).await;
        b
    };

    // The collège: a question to answer first, a returned case, the inbox.
    let college = login(0).await;
    let dashboard = college.get("/school").await;
    assert!(
        dashboard
            .text(".questions")
            .contains("La famille a-t-elle déposé plainte")
    );
    assert_eq!(dashboard.texts("table.cases tbody tr").len(), 4);
    assert!(
        dashboard
            .text("main")
            .contains("2 signalements de famille ou de victime")
    );
    assert!(dashboard.has(".status-returned"));
    let inbox = college.get("/school/reports").await;
    assert_eq!(inbox.status, StatusCode::OK);

    // The lycée: its case in progress and one report.
    let lycee = login(1).await;
    let dashboard = lycee.get("/school").await;
    assert!(dashboard.has(".status-in_progress"));
    assert!(
        dashboard
            .text("main")
            .contains("1 signalement de famille ou de victime")
    );

    // The agent: cases of both schools, one unclaimed, and her own.
    let agent = login(2).await;
    let queue = agent.get("/helpline").await;
    let rows = queue.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("Non attribué")));
    assert!(rows.iter().any(|r| r.contains("Léa Dubois")));

    // The administrator: figures and the mail list.
    let admin = login(3).await;
    assert_eq!(admin.get("/admin").await.status, StatusCode::OK);
    assert!(app.count("outbox").await > 0);
    assert_eq!(app.count("cases").await, 5);
    assert_eq!(app.count("reports").await, 3);
}

async fn queue_version(app: &TestApp) -> i64 {
    sqlx::query_scalar("select version from queue_version")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The first page is kept in the server's memory: every change, whoever
/// makes it (the site, SQL by hand), shows on the next load.
#[tokio::test]
async fn the_kept_first_page_is_never_staler_than_the_database() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let (one, two) = (referred(&head).await, referred(&head).await);
    let agent = app.logged_in(Role::Helpline).await;
    let rows = agent.get("/helpline").await.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.contains("Non attribué")), "{rows:?}");

    sqlx::query("update schools set name = 'Collège Lumière' where uai = '0691664K'")
        .execute(&app.db)
        .await
        .unwrap();
    let rows = agent.get("/helpline").await.texts("table.queue tbody tr");
    assert!(
        rows.iter().all(|r| r.contains("Collège Lumière")),
        "{rows:?}"
    );

    let other = app.logged_in(Role::Helpline).await;
    let case = format!("/helpline/cases/{one}");
    let p = other.submit(&case, &format!("{case}/claim"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    sqlx::query("update accounts set display_name = 'Écoutante Camille' where id = (select claimed_by from cases where id = $1)")
        .bind(one.0)
        .execute(&app.db)
        .await
        .unwrap();
    let rows = agent.get("/helpline").await.texts("table.queue tbody tr");
    assert!(
        rows.iter().any(|r| r.contains("Écoutante Camille")),
        "{rows:?}"
    );

    // Two cases changed in one transaction move the version once.
    let before = queue_version(&app).await;
    sqlx::query("update cases set status = 'returned' where id = any($1)")
        .bind(vec![one.0, two.0])
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(queue_version(&app).await, before + 1);
    let page = agent.get("/helpline").await;
    assert!(page.texts("table.queue tbody tr").is_empty());
    assert!(page.body.contains("Aucun dossier transmis en attente."));
}
