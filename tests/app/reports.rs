//! Parents and victims report without an account and follow with a code; the
//! school handles the report; no report is silently ignored.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{Browser, Page, TestApp, pdf, png};
use crate::smtp::SmtpServer;

pub fn report_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("reporter_kind", "parent"),
        ("danger", "no"),
        (
            "description",
            "Ma fille reçoit des messages humiliants sur un groupe Snapchat de sa classe.",
        ),
        ("platforms", "snapchat"),
        ("kinds", "insults"),
        ("started_on", "2026-10-10"),
        ("victim_first_name", "Inès"),
        ("victim_class", "5e A"),
        ("contact_email", "parent@example.net"),
        ("website", ""),
    ]
}

/// Submits a report to the school `uai` from a fresh visitor; returns the page.
pub async fn send_report(
    app: &TestApp,
    uai: &str,
    fields: &[(&str, &str)],
    files: Vec<(&str, &str, Vec<u8>)>,
) -> (Browser, Page) {
    let visitor = app.browser();
    let from = format!("/signaler/{uai}");
    let p = visitor.submit_multipart(&from, &from, fields, files).await;
    (visitor, p)
}

pub async fn follow_with_code(app: &TestApp, code: &str) -> (Browser, Page) {
    let b = app.browser();
    let p = b.submit("/suivi", "/suivi", &[("code", code)]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = b.get("/suivi/signalement").await;
    (b, page)
}

#[tokio::test]
async fn a_parent_reports_the_school_opens_a_case_and_the_parent_sees_it() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::spawn_with(
        move |c| c.mail.smtp_url = format!("smtp://127.0.0.1:{port}"),
        None,
    )
    .await;
    let (head, _) = app.head_teacher("0691664K").await;

    // Find the school without JavaScript, then the form.
    let visitor = app.browser();
    let search = visitor.get("/signaler?q=0691664k").await;
    assert_eq!(
        search.attr(".choice-list a", "href").as_deref(),
        Some("/signaler/0691664K")
    );
    let by_name = visitor.get("/signaler?q=coll%C3%A8ge%200691").await;
    assert_eq!(by_name.texts(".choice-list li").len(), 1);
    let json = visitor
        .client
        .get(format!("{}/signaler/etablissements?q=0691664K", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(json.contains("\"uai\":\"0691664K\""), "{json}");

    let (_, sent) = send_report(
        &app,
        "0691664K",
        &report_fields(),
        vec![
            ("evidence", "capture.png", png()),
            ("evidence", "message.pdf", pdf()),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = sent.text(".followup-code code");
    assert_eq!(code.len(), 24, "{code}");
    assert!(
        sent.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    let reference = sent.text(".lead strong");
    assert!(reference.starts_with('S'), "{reference}");

    // Mails: the school's leadership, and a receipt to the parent with no content and no code.
    app.deliver(Utc::now()).await;
    let mails = smtp.received();
    let to_school = mails
        .iter()
        .find(|m| m.to == ["direction-0691664k@example.org"])
        .expect("the school is told");
    assert!(to_school.subject.contains(&reference));
    let receipt = mails
        .iter()
        .find(|m| m.to == ["parent@example.net"])
        .expect("a receipt");
    for m in [to_school, receipt] {
        assert!(
            !m.body.contains("Inès") && !m.body.contains("humiliants") && !m.body.contains(&code)
        );
    }

    // The school sees it first on its dashboard and in its inbox.
    let dash = head.get("/school").await;
    assert!(dash.text(".notice").contains("1 signalement"));
    let inbox = head.get("/school/reports").await;
    let row = inbox.text("table.reports tbody tr");
    assert!(
        row.contains(&reference) && row.contains("Nouveau") && row.contains("Un parent"),
        "{row}"
    );
    let href = inbox.attr("table.reports tbody a", "href").unwrap();
    let report = head.get(&href).await;
    assert!(report.text(".prewrap").contains("messages humiliants"));
    assert_eq!(report.texts(".evidence").len(), 2);

    // The parent sees that the school read it.
    let (_, follow) = follow_with_code(&app, &code.to_lowercase()).await;
    assert!(
        follow
            .text(".status-line")
            .contains("Pris en compte par l'établissement")
    );

    // The school turns it into a case: the form is pre-filled.
    let new_case = report
        .attr("a.button[href^='/school/cases/new']", "href")
        .unwrap();
    let form = head.get(&new_case).await;
    assert_eq!(form.attr("#victim_name", "value").as_deref(), Some("Inès"));
    assert_eq!(form.attr("#victim_group", "value").as_deref(), Some("5e A"));
    assert!(form.text("#description").contains("messages humiliants"));
    assert!(form.has("input[name=platforms][value=snapchat][checked]"));
    let report_id = form.attr("input[name=report]", "value").unwrap();
    let fields = [
        ("report", report_id.as_str()),
        ("urgency", "high"),
        ("victim_kind", "pupil"),
        ("victim_name", "Inès"),
        ("victim_group", "5e A"),
        (
            "description",
            "Messages humiliants sur Snapchat (signalement de la mère).",
        ),
        ("platforms", "snapchat"),
        ("kinds", "insults"),
    ];
    let p = head
        .submit_multipart(&new_case, "/school/cases", &fields, vec![])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let case_page = head.get(&p.location()).await;
    assert_eq!(
        case_page.texts(".evidence").len(),
        2,
        "the report's files are carried over"
    );
    assert!(
        case_page
            .text(".timeline")
            .contains(&format!("Ouvert à partir du signalement {reference}"))
    );
    assert_eq!(
        app.stored_files(),
        4,
        "copies: report files stay with the report"
    );

    // The parent sees "case opened", and gets a decision mail.
    let (_, follow) = follow_with_code(&app, &code).await;
    assert!(
        follow
            .text(".status-line")
            .contains("Dossier ouvert par l'établissement")
    );
    app.deliver(Utc::now()).await;
    assert!(
        smtp.received()
            .iter()
            .any(|m| m.to == ["parent@example.net"] && m.subject.contains("décision"))
    );

    // Referred to e-Enfance: the parent sees it too.
    let case_url = p.location();
    head.submit(&case_url, &format!("{case_url}/refer"), &[("note", "")])
        .await;
    let (_, follow) = follow_with_code(&app, &code).await;
    assert!(follow.text(".status-line").contains("transmis à e-Enfance"));

    // A second decision on the same report is refused.
    let p = head
        .submit_multipart("/school", "/school/cases", &fields, vec![])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_code_is_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    app.head_teacher("0691664K").await;
    let (_, sent) = send_report(&app, "0691664K", &report_fields(), vec![]).await;
    let code = sent.text(".followup-code code");
    let canonical = code.replace('-', "");
    follow_with_code(&app, &code).await;
    let dump: String = sqlx::query_scalar(
        r#"select string_agg(t, ' ') from (
               select row_to_json(r)::text as t from reports r
               union all select row_to_json(a)::text from audit_log a
               union all select row_to_json(o)::text from outbox o
               union all select encode(data, 'escape') from tower_sessions.session
           ) x"#,
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        !dump.contains(&code) && !dump.contains(&canonical),
        "the code is stored in clear"
    );
    let hash_len: i32 = sqlx::query_scalar("select length(code_hash) from reports")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(hash_len, 32);
}

#[tokio::test]
async fn guessing_codes_is_limited_per_ip_with_a_generic_answer() {
    let app = TestApp::spawn_with(|c| c.reports.lookups_per_ip = 3, None).await;
    app.head_teacher("0691664K").await;
    let (_, sent) = send_report(&app, "0691664K", &report_fields(), vec![]).await;
    let code = sent.text(".followup-code code");
    let b = app.browser();
    for guess in [
        "AAAA-AAAA-AAAA-AAAA-AAAA",
        "pas un code",
        "BBBB-BBBB-BBBB-BBBB-BBBB",
    ] {
        let p = b.submit("/suivi", "/suivi", &[("code", guess)]).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            p.text("[data-error-summary]")
                .contains("ne correspond à aucun signalement")
        );
    }
    let p = b.submit("/suivi", "/suivi", &[("code", &code)]).await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(p.text("[data-error-summary]").contains("Patientez"));
    assert_eq!(b.get("/suivi/signalement").await.location(), "/suivi");
}

#[tokio::test]
async fn a_report_missing_everything_comes_back_in_french_with_nothing_stored() {
    let app = TestApp::spawn().await;
    app.head_teacher("0691664K").await;
    let fields = [
        ("description", "court"),
        ("contact_email", "pas-une-adresse"),
        ("contact_phone", "12"),
        ("website", ""),
    ];
    let (_, p) = send_report(
        &app,
        "0691664K",
        &fields,
        vec![(
            "evidence",
            "page.html",
            b"<html><script>x</script></html>".to_vec(),
        )],
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, words) in [
        ("reporter_kind", "qui vous êtes"),
        ("danger", "danger"),
        ("description", "10 caractères"),
        ("platforms", "réseau"),
        ("kinds", "ce qui se passe"),
        ("victim_first_name", "prénom"),
        ("contact_email", "adresse"),
        ("contact_phone", "numéro"),
        ("evidence", "page.html"),
    ] {
        assert!(
            p.text(&format!("#{field}-error")).contains(words),
            "{field}"
        );
    }
    assert_eq!(p.text("#description"), "court");
    assert_eq!(
        p.attr("#contact_email", "value").as_deref(),
        Some("pas-une-adresse")
    );
    assert_eq!(app.count("reports").await, 0);
    assert_eq!(app.stored_files(), 0);
    // A witness need not name the victim.
    let mut witness = report_fields();
    witness.retain(|(k, _)| !["reporter_kind", "victim_first_name", "victim_class"].contains(k));
    witness.push(("reporter_kind", "witness"));
    let (_, p) = send_report(&app, "0691664K", &witness, vec![]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
}

#[tokio::test]
async fn robots_and_floods_get_a_clear_answer_and_keep_what_was_typed() {
    let app = TestApp::spawn_with(|c| c.reports.per_ip = 2, None).await;
    app.head_teacher("0691664K").await;
    let mut bot = report_fields();
    bot.retain(|(k, _)| *k != "website");
    bot.push(("website", "http://spam.example"));
    let (_, p) = send_report(&app, "0691664K", &bot, vec![]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("[data-error-summary]")
            .contains("n'a pas pu être accepté")
    );
    assert_eq!(app.count("reports").await, 0);
    for _ in 0..2 {
        let (_, p) = send_report(&app, "0691664K", &report_fields(), vec![]).await;
        assert_eq!(p.status, StatusCode::OK);
    }
    let (_, p) = send_report(&app, "0691664K", &report_fields(), vec![]).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        p.text("[data-error-summary]")
            .contains("Patientez quelques minutes")
    );
    assert!(
        p.text("#description").contains("messages humiliants"),
        "what was typed is kept"
    );
    assert_eq!(app.count("reports").await, 2);
}

#[tokio::test]
async fn a_school_sees_only_its_own_reports() {
    let app = TestApp::spawn().await;
    let (head_a, _) = app.head_teacher("0691664K").await;
    let (head_b, _) = app.head_teacher("0750656P").await;
    send_report(
        &app,
        "0691664K",
        &report_fields(),
        vec![("evidence", "c.png", png())],
    )
    .await;
    let inbox = head_a.get("/school/reports").await;
    let href = inbox.attr("table.reports tbody a", "href").unwrap();
    let file = head_a.get(&href).await.attr(".evidence a", "href").unwrap();
    assert_eq!(head_a.get(&file).await.status, StatusCode::OK);
    assert!(head_b.get("/school/reports").await.has("p.empty"));
    assert_eq!(head_b.get(&href).await.status, StatusCode::NOT_FOUND);
    assert_eq!(head_b.get(&file).await.status, StatusCode::NOT_FOUND);
    for (action, fields) in [
        (
            format!("{href}/decline"),
            [("text", "Pas chez nous du tout")],
        ),
        (format!("{href}/messages"), [("text", "Bonjour")]),
    ] {
        assert_eq!(
            head_b.submit("/school", &action, &fields).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let id = href.trim_start_matches("/school/reports/");
    assert_eq!(
        head_b
            .get(&format!("/school/cases/new?report={id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let helpline = app.logged_in(Role::Helpline).await;
    assert_eq!(helpline.get(&href).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("report_messages").await, 0);
    let audit: Vec<(String, String)> = sqlx::query_as("select action, result from audit_log where record_type = 'report' and action like '%report%' order by id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(
        audit.contains(&("view_report".into(), "ok".into())),
        "{audit:?}"
    );
    assert!(
        audit.contains(&("view_report".into(), "denied".into())),
        "school B's attempt is recorded: {audit:?}"
    );
    assert!(
        audit.contains(&("download_report_evidence".into(), "denied".into())),
        "{audit:?}"
    );
}

#[tokio::test]
async fn declining_keeps_the_reason_for_the_reporter_and_erases_the_rest() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let (_, sent) = send_report(
        &app,
        "0691664K",
        &report_fields(),
        vec![("evidence", "c.png", png())],
    )
    .await;
    let code = sent.text(".followup-code code");
    let href = head
        .get("/school/reports")
        .await
        .attr("table.reports tbody a", "href")
        .unwrap();
    // The school writes; the reporter reads and answers with a file.
    head.submit(
        &href,
        &format!("{href}/messages"),
        &[("text", "Pouvez-vous préciser le nom du groupe ?")],
    )
    .await;
    let (reporter, page) = follow_with_code(&app, &code).await;
    assert!(
        page.text("#messages")
            .contains("Pouvez-vous préciser le nom du groupe ?")
    );
    let token = page.csrf();
    let p = reporter
        .post_multipart(
            "/suivi/signalement",
            &token,
            &[("text", "Le groupe s'appelle « 5eA officiel ».")],
            vec![("evidence", "groupe.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let report = head.get(&href).await;
    assert!(report.text("#messages").contains("5eA officiel"));
    assert_eq!(report.texts(".evidence").len(), 2);

    let p = head
        .submit(&href, &format!("{href}/decline"), &[("text", "")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#reason-error").contains("pourquoi"));
    let p = head
        .submit(
            &href,
            &format!("{href}/decline"),
            &[(
                "text",
                "Les faits concernent un autre établissement : contactez-le directement.",
            )],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let (_, page) = follow_with_code(&app, &code).await;
    assert!(page.text(".status-line").contains("Non retenu"));
    assert!(
        page.text("main")
            .contains("concernent un autre établissement")
    );
    assert!(
        !page.has("form[action='/suivi/signalement']"),
        "a declined report takes no addition"
    );
    let kept: (String, String, Option<String>) =
        sqlx::query_as("select description, victim_first_name, contact_email from reports")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        kept,
        (String::new(), String::new(), None),
        "the content is erased"
    );
    assert_eq!(app.count("report_evidence").await, 0);
    assert_eq!(app.stored_files(), 0, "and so are the files");
}

#[tokio::test]
async fn an_unhandled_report_is_flagged_and_the_helpline_is_mailed_once() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::spawn_with(
        move |c| {
            c.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
            c.mail.helpline_desk = "desk@3018.test".into();
        },
        None,
    )
    .await;
    let (head, _) = app.head_teacher("0691664K").await;
    let mut danger = report_fields();
    danger.retain(|(k, _)| *k != "danger");
    danger.push(("danger", "yes"));
    let (_, sent) = send_report(&app, "0691664K", &danger, vec![]).await;
    assert!(sent.text(".emergency").contains("17"));
    let reference = sent.text(".lead strong");
    let ctx = vigie::mail::messages::MailContext::of(&app.config);
    let desk = &app.config.mail.helpline_desk;
    // Not yet due: 4 hours for danger.
    assert_eq!(
        vigie::mail::messages::flag_overdue_reports(
            &app.db,
            &ctx,
            desk,
            Utc::now() + TimeDelta::hours(3)
        )
        .await
        .unwrap(),
        0
    );
    let later = Utc::now() + TimeDelta::hours(5);
    assert_eq!(
        vigie::mail::messages::flag_overdue_reports(&app.db, &ctx, desk, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        vigie::mail::messages::flag_overdue_reports(&app.db, &ctx, desk, later)
            .await
            .unwrap(),
        0,
        "once"
    );
    app.deliver(later).await;
    let to_desk: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.to == ["desk@3018.test"])
        .collect();
    assert_eq!(to_desk.len(), 1);
    assert!(to_desk[0].subject.contains(&reference) && to_desk[0].subject.contains("non traité"));
    assert!(!to_desk[0].body.contains("Inès"));
    // The school sees it flagged once past due.
    sqlx::query("update reports set due_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(
        head.get("/school/reports")
            .await
            .text("table.reports")
            .contains("Délai dépassé")
    );
}

#[tokio::test]
async fn the_guide_and_the_privacy_notice_are_there_in_french() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    assert!(head.get("/school").await.has("a[href='/guide']"));
    assert!(head.get("/school/cases/new").await.has("a[href='/guide']"));
    let guide = app.browser().get("/guide").await;
    assert_eq!(guide.text("h1"), "Guide des procédures");
    let steps = guide.texts("main h2");
    assert!(
        steps
            .iter()
            .any(|s| s.contains("Mettre la victime en sécurité"))
            && steps.iter().any(|s| s.contains("Conserver les preuves"))
    );
    let privacy = app.browser().get("/confidentialite").await;
    assert!(privacy.text("main").contains("Combien de temps"));
    let home = app.browser().get("/").await;
    assert!(home.has("a[href='/signaler']") && home.has("a[href='/suivi']"));
}

#[tokio::test]
async fn a_report_cannot_become_a_case_of_another_school() {
    let app = TestApp::spawn().await;
    let a = app.school("0691664K", "Collège A").await;
    let b = app.school("0750656P", "Lycée B").await;
    app.account("deux-ecoles@example.org", Role::SchoolStaff, &[a, b])
        .await;
    let head = app.browser();
    head.login("deux-ecoles@example.org", crate::helpers::PASSWORD)
        .await;
    send_report(
        &app,
        "0691664K",
        &report_fields(),
        vec![("evidence", "c.png", png())],
    )
    .await;
    let href = head
        .get("/school/reports")
        .await
        .attr("table.reports tbody a", "href")
        .unwrap();
    let report_id = href.trim_start_matches("/school/reports/").to_owned();
    let fields = [
        ("report", report_id.as_str()),
        ("school", &b.to_string()),
        ("urgency", "normal"),
        ("victim_kind", "pupil"),
        ("victim_name", "Inès"),
        ("victim_group", "5e A"),
        ("description", "Messages humiliants sur Snapchat."),
        ("platforms", "snapchat"),
        ("kinds", "insults"),
    ];
    let p = head
        .submit_multipart("/school/cases/new", "/school/cases", &fields, vec![])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.text("main").contains("un autre de vos établissements"));
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(
        app.stored_files(),
        1,
        "no copy of the report's file was left behind"
    );
}
