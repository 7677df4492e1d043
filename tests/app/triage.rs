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
