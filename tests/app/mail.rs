//! Mail: written in the same transaction as its cause, delivered by the
//! worker with retries, never lost when SMTP is down, never sent twice.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{Browser, PASSWORD, TestApp};
use crate::smtp::{SmtpServer, free_port};

async fn app_with_smtp(port: u16) -> TestApp {
    TestApp::spawn_with(
        move |c| {
            c.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
            c.mail.helpline_desk = "desk@3018.test".into();
            c.public_url = "https://vigie.example.org".into();
            c.mail.max_attempts = 3;
        },
        None,
    )
    .await
}

async fn refer(b: &Browser, case: vigie::domain::ids::CaseId, message: &str) {
    let page = format!("/school/cases/{case}");
    let p = b
        .submit(&page, &format!("{page}/refer"), &[("note", message)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}

#[tokio::test]
async fn the_referral_mail_reaches_the_desk_with_no_name_and_no_facts() {
    let (smtp, port) = SmtpServer::start(0);
    let app = app_with_smtp(port).await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[("urgency", "danger")], vec![]).await;
    refer(&b, case, "Merci de rappeler la famille rapidement.").await;

    let page = b.get(&format!("/school/cases/{case}")).await;
    assert_eq!(page.texts(".status-referred"), vec!["Transmis à e-Enfance"]);
    let reference = page.text("h1").trim_start_matches("Dossier ").to_owned();
    assert!(
        page.text(".timeline")
            .contains("Merci de rappeler la famille rapidement.")
    );
    assert_eq!(
        app.count("outbox").await,
        1,
        "the mail is queued with the referral"
    );
    assert!(
        smtp.received().is_empty(),
        "nothing is sent from the handler"
    );

    assert_eq!(app.deliver(Utc::now()).await, 1);
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.to, vec!["desk@3018.test"]);
    assert_eq!(
        m.subject,
        format!("[DANGER] Dossier transmis {reference} – Collège 0691664K")
    );
    assert!(m.body.contains(&format!("Référence : {reference}")));
    assert!(
        m.body
            .contains("Établissement : Collège 0691664K (0691664K)")
    );
    assert!(m.body.contains("Urgence : Danger"));
    assert!(
        m.body
            .contains(&format!("https://vigie.example.org/helpline/cases/{case}"))
    );
    // The HTML part says the same, in French, with a link that says where it goes.
    let html = m.html.as_deref().expect("an HTML part");
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains(&format!("<title>[DANGER] Dossier transmis {reference}")));
    assert!(html.contains(&format!(
        r#"href="https://vigie.example.org/helpline/cases/{case}""#
    )));
    assert!(html.contains(&format!(">Ouvrir le dossier {reference}</a>")));
    assert!(html.contains("<strong>Attention :</strong>"));
    for secret in [
        "Camille",
        "Durand",
        "messages insultants",
        "Merci de rappeler",
    ] {
        assert!(
            !m.body.contains(secret) && !m.subject.contains(secret) && !html.contains(secret),
            "{secret} leaked into the mail"
        );
    }
    let stored: (String, String, i32) =
        sqlx::query_as("select message_id, status::text, attempts from outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(m.message_id, stored.0);
    assert_eq!((stored.1.as_str(), stored.2), ("sent", 1));
    assert_eq!(
        app.deliver(Utc::now()).await,
        0,
        "a sent mail is not sent again"
    );
}

#[tokio::test]
async fn smtp_down_loses_no_mail_and_sends_each_once_when_back() {
    let port = free_port();
    let app = app_with_smtp(port).await;
    let (b, _) = app.head_teacher("0691664K").await;
    for _ in 0..10 {
        let case = b.open_case(&[], vec![]).await;
        refer(&b, case, "").await;
    }
    let referred: i64 = sqlx::query_scalar("select count(*) from cases where status = 'referred'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(referred, 10, "the referrals succeed while SMTP is down");

    assert_eq!(app.deliver(Utc::now()).await, 0);
    let failing: Vec<(String, i32, Option<String>)> =
        sqlx::query_as("select status::text, attempts, last_error from outbox")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(failing.len(), 10);
    for (status, attempts, error) in &failing {
        assert_eq!((status.as_str(), *attempts), ("queued", 1));
        assert!(error.as_deref().is_some_and(|e| !e.is_empty()));
    }
    // The retry waits: nothing is due right now.
    assert_eq!(app.deliver(Utc::now()).await, 0);
    let attempts: i64 = sqlx::query_scalar("select sum(attempts) from outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(attempts, 10, "back-off: no new attempt before the delay");

    let (smtp, _) = SmtpServer::start(port);
    let later = Utc::now() + TimeDelta::hours(2);
    assert_eq!(app.deliver(later).await, 10);
    assert_eq!(app.deliver(later).await, 0);
    let mails = smtp.received();
    assert_eq!(mails.len(), 10);
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10, "each mail once");
}

#[tokio::test]
async fn two_workers_together_send_no_duplicate() {
    let (smtp, port) = SmtpServer::start(0);
    let app = app_with_smtp(port).await;
    let (b, _) = app.head_teacher("0691664K").await;
    for _ in 0..10 {
        let case = b.open_case(&[], vec![]).await;
        refer(&b, case, "").await;
    }
    let now = Utc::now();
    let (a, c) = tokio::join!(app.deliver(now), app.deliver(now));
    assert_eq!(a + c, 10);
    let mails = smtp.received();
    assert_eq!(mails.len(), 10);
    let mut ids: Vec<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10);
}

#[tokio::test]
async fn a_mail_dies_after_its_attempts_and_an_administrator_can_retry_it() {
    let port = free_port();
    let app = app_with_smtp(port).await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    refer(&b, case, "").await;
    let mut now = Utc::now();
    for _ in 0..3 {
        app.deliver(now).await;
        now += TimeDelta::days(1);
    }
    let (status, attempts): (String, i32) =
        sqlx::query_as("select status::text, attempts from outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("dead", 3));
    assert_eq!(
        app.deliver(now + TimeDelta::days(30)).await,
        0,
        "a dead mail is not retried by itself"
    );

    // SMTP errors quote addresses: administrators see them masked.
    sqlx::query("update outbox set last_error = '550 5.1.1 <parent.secret@exemple.fr>: rejected'")
        .execute(&app.db)
        .await
        .unwrap();
    let admin = app.logged_in(Role::Admin).await;
    let page = admin.get("/admin/mail").await;
    assert!(
        !page.body.contains("parent.secret"),
        "the quoted address is masked"
    );
    assert!(
        page.text("tbody tr")
            .contains("<[adresse masquée]>: rejected")
    );
    assert!(page.text(".stats").contains("En échec définitif : 1"));
    let row = page.text("tbody tr");
    assert!(
        row.contains("Dossier transmis")
            && row.contains("En échec")
            && row.contains("desk@3018.test"),
        "{row}"
    );
    assert!(!page.body.contains("Camille"));
    let action = page.attr("tbody form", "action").unwrap();
    let p = admin.submit("/admin/mail", &action, &[]).await;
    assert_eq!(p.location(), "/admin/mail");
    let (smtp, _) = SmtpServer::start(port);
    assert_eq!(app.deliver(Utc::now()).await, 1);
    assert_eq!(smtp.received().len(), 1);
    // Only administrators see the mail page.
    assert_eq!(b.get("/admin/mail").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_question_and_a_return_mail_every_leadership_account_of_the_school() {
    let (smtp, port) = SmtpServer::start(0);
    let app = app_with_smtp(port).await;
    let (b, school) = app.head_teacher("0691664K").await;
    app.account("adjoint@example.org", Role::SchoolStaff, &[school])
        .await;
    let case = b.open_case(&[], vec![]).await;
    refer(&b, case, "").await;
    let agent = app.logged_in(Role::Helpline).await;
    let page = format!("/helpline/cases/{case}");
    assert_eq!(
        agent
            .submit(&page, &format!("{page}/claim"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        agent
            .submit(
                &page,
                &format!("{page}/question"),
                &[("text", "La famille a-t-elle porté plainte ?")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.deliver(Utc::now()).await;
    let to_school: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.subject.starts_with("Question"))
        .collect();
    let mut to: Vec<_> = to_school.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec!["adjoint@example.org", "direction-0691664k@example.org"]
    );
    assert!(
        to_school[0]
            .body
            .contains(&format!("https://vigie.example.org/school/cases/{case}"))
    );
    assert!(
        !to_school[0].body.contains("plainte"),
        "the question itself stays in the application"
    );
    let _ = PASSWORD;
}
