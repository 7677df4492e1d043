//! The anonymous surface is bounded: additions to a report (rate, quota),
//! what a reporter adds stays out of the case until the school attaches it,
//! floods hide no report and send one digest, the school search.

use reqwest::StatusCode;

use crate::helpers::{TestApp, png};
use crate::reports::{follow_with_code, report_fields, send_report};

/// Sends a report to the Lyon school; returns its follow-up code.
async fn reported(app: &TestApp, files: usize) -> String {
    let files = (0..files)
        .map(|i| ("evidence", if i == 0 { "a.png" } else { "b.png" }, png()))
        .collect();
    let (_, sent) = send_report(app, "0691664K", &report_fields(), files).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    sent.text(".followup-code code")
}

#[tokio::test]
async fn a_report_takes_no_more_files_than_its_quota_and_keeps_what_it_has() {
    let app = TestApp::spawn_with(|c| c.reports.max_files_per_report = 3, None).await;
    app.head_teacher("0691664K").await;
    let code = reported(&app, 2).await;
    let (reporter, page) = follow_with_code(&app, &code).await;
    let token = page.csrf();
    let add = |files: usize| {
        let files = (0..files).map(|_| ("evidence", "c.png", png())).collect();
        reporter.post_multipart("/suivi/signalement", &token, &[("text", "")], files)
    };
    let p = add(2).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#evidence-error, .error-summary")
            .contains("plus de 3 fichiers"),
        "{}",
        p.body
    );
    assert_eq!(
        app.count("report_evidence").await,
        2,
        "what was stored stays"
    );
    assert_eq!(
        app.stored_files(),
        2,
        "no file of the refused addition remains"
    );
    let p = add(1).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "one more fits");
    assert_eq!(app.count("report_evidence").await, 3);
}

#[tokio::test]
async fn additions_are_limited_per_report_before_the_upload_is_read() {
    let app = TestApp::spawn_with(|c| c.reports.additions_per_report = 2, None).await;
    app.head_teacher("0691664K").await;
    let code = reported(&app, 0).await;
    let (reporter, page) = follow_with_code(&app, &code).await;
    let token = page.csrf();
    for _ in 0..2 {
        let p = reporter
            .post_multipart(
                "/suivi/signalement",
                &token,
                &[("text", "Encore un message.")],
                vec![],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
    }
    // From another browser with the same code: the report's budget is spent.
    let (other, page) = follow_with_code(&app, &code).await;
    let p = other
        .post_multipart(
            "/suivi/signalement",
            &page.csrf(),
            &[("text", "Et un autre.")],
            vec![("evidence", "c.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        p.text("main").contains("Patientez"),
        "a French page: {}",
        p.body
    );
    assert_eq!(app.count("report_messages").await, 2);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test]
async fn what_a_reporter_adds_reaches_a_case_only_when_the_school_attaches_it() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let code = reported(&app, 0).await;
    let report = head
        .get("/school/reports")
        .await
        .attr("table.reports tbody a", "href")
        .unwrap();
    let case = head
        .open_case(&[("report", report.rsplit('/').next().unwrap())], vec![])
        .await;
    let events = app.count("case_events").await;
    let (reporter, page) = follow_with_code(&app, &code).await;
    let p = reporter
        .post_multipart(
            "/suivi/signalement",
            &page.csrf(),
            &[("text", "Il a recommencé hier soir sur un autre compte.")],
            vec![("evidence", "nouveau.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("case_events").await,
        events,
        "nothing lands in the case by itself"
    );
    assert_eq!(app.count("evidence").await, 0);

    let page = head.get(&report).await;
    assert!(page.text("#messages").contains("recommencé"));
    let attach = format!("form[action='/school/cases/{case}/attach']");
    assert_eq!(
        page.texts(&format!("{attach} button")).len(),
        2,
        "one per addition"
    );
    let message = page
        .attr(&format!("{attach} input[name=message]"), "value")
        .unwrap();
    let file = page
        .attr(&format!("{attach} input[name=file]"), "value")
        .unwrap();
    let action = format!("/school/cases/{case}/attach");
    let p = head
        .submit(&report, &action, &[("message", &message)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = head.submit(&report, &action, &[("file", &file)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = head
        .submit(&report, &action, &[("message", &message)])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "attached once");

    let page = head.get(&format!("/school/cases/{case}")).await;
    let timeline = page.text(".timeline");
    assert!(timeline.contains("Complément de la personne qui a signalé : Il a recommencé"));
    assert!(timeline.contains("Pièce envoyée par la personne qui a signalé"));
    let actor: String = sqlx::query_scalar(
        "select a.email from case_events e join accounts a on a.id = e.actor_id where e.kind = 'note'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        actor, "direction-0691664k@example.org",
        "the timeline says who attached it"
    );
    assert_eq!(app.count("evidence").await, 1);
    assert!(
        head.get(&report)
            .await
            .text("#messages")
            .contains("Joint au dossier")
    );
}

#[tokio::test]
async fn a_flood_hides_no_report_and_sends_one_digest() {
    let app = TestApp::spawn_with(|c| c.reports.per_ip = 10_000, None).await;
    let (head, _) = app.head_teacher("0691664K").await;
    let flood = [
        ("description", "aaaaaaaaaaaaaaaaaaaa"),
        ("contact_email", "cible@example.net"),
    ];
    let fields = |extra: &[(&'static str, &'static str)]| {
        let mut f = report_fields();
        f.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        f.extend_from_slice(extra);
        f
    };
    for _ in 0..205 {
        let (_, p) = send_report(&app, "0691664K", &fields(&flood), vec![]).await;
        assert_eq!(p.status, StatusCode::OK);
    }
    let genuine = [
        (
            "description",
            "Ma fille est menacée sur Snapchat, c'est un vrai signalement.",
        ),
        ("contact_email", "vrai.parent@example.net"),
    ];
    let (_, p) = send_report(&app, "0691664K", &fields(&genuine), vec![]).await;
    let reference = p.text(".lead strong");

    // Every report is reachable, page by page; the counts are all there.
    let mut page = head.get("/school/reports").await;
    assert!(
        page.text(".stats").contains("Reçu : 206"),
        "{}",
        page.text(".stats")
    );
    assert!(page.text(".notice").contains("Afflux suspect"));
    let mut seen = 0;
    let found = loop {
        let rows = page.texts("table.reports tbody tr");
        seen += rows.len();
        if rows.iter().any(|r| r.contains(&reference)) {
            break true;
        }
        let Some(next) = page.attr("a.button[href*='apres=']", "href") else {
            break false;
        };
        page = head.get(&next).await;
    };
    assert!(found, "the genuine report is reachable ({seen} rows seen)");

    let mails: Vec<(String, i64)> =
        sqlx::query_as("select kind, count(*) from outbox group by kind order by kind")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        mails,
        vec![
            ("report_digest".into(), 1),
            ("report_receipt".into(), 2),
            ("report_received".into(), 20),
        ],
        "20 reports mailed one by one, then one digest; one receipt per address an hour"
    );
}

#[tokio::test]
async fn the_school_search_is_bounded() {
    let app = TestApp::spawn_with(|c| c.reports.searches_per_ip = 3, None).await;
    app.school("0691664K", "Collège Jean Moulin").await;
    let b = app.browser();
    let p = b.get(&format!("/signaler?q={}", "a".repeat(5_000))).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(
        p.attr("#q", "value").unwrap().len(),
        100,
        "the words are cut"
    );
    let p = b.get("/signaler/etablissements?q=Moulin").await;
    assert!(p.body.contains("0691664K"));
    let p = b.get("/signaler?q=Moulin").await;
    assert_eq!(p.status, StatusCode::OK);
    let p = b.get("/signaler?q=Moulin").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.text("main").contains("Trop de tentatives"));
    let indexes: i64 = sqlx::query_scalar(
        "select count(*) from pg_indexes where tablename = 'schools' and indexdef like '%gin_trgm_ops%'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(indexes, 2, "name and town searched through trigram indexes");
}

#[tokio::test]
async fn a_declined_report_takes_no_more_messages() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    reported(&app, 0).await;
    let href = head
        .get("/school/reports")
        .await
        .attr("table.reports tbody a", "href")
        .unwrap();
    let reason = [("text", "Les faits ne concernent pas l'établissement.")];
    let p = head
        .submit(&href, &format!("{href}/decline"), &reason)
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let messages = app.count("report_messages").await;
    let p = head
        .submit(
            &href,
            &format!("{href}/messages"),
            &[("text", "Encore une chose.")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.text("main").contains("plus de message"));
    assert_eq!(
        app.count("report_messages").await,
        messages,
        "nothing stored"
    );
}
