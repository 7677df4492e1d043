//! A question of e-Enfance the school leaves unanswered: flagged on the
//! dashboard past the delay and reminded once by mail, to the accounts the
//! case is open to.

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use vigie::domain::status::Role;
use vigie::mail::messages::MailContext;
use vigie::mail::reminders::remind_unanswered_questions;

use vigie::domain::ids::CaseId;

use crate::helpers::{Browser, TestApp};
use crate::smtp::SmtpServer;

/// A head teacher's case referred, claimed, and asked "Des témoins ?".
async fn question_waiting(app: &TestApp) -> (Browser, Browser, CaseId) {
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let page = format!("/school/cases/{case}");
    b.submit(&page, &format!("{page}/refer"), &[("note", "")])
        .await;
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    let asked = agent
        .submit(&h, &format!("{h}/question"), &[("text", "Des témoins ?")])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    (b, agent, case)
}

#[tokio::test]
async fn an_unanswered_question_is_flagged_and_reminded_once() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    let (b, agent, case) = question_waiting(&app).await;
    let (page, h) = (
        format!("/school/cases/{case}"),
        format!("/helpline/cases/{case}"),
    );
    let days = app.config.queue.question_days;
    assert_eq!(days, 3);
    let ctx = MailContext::of(&app.config);

    // Not before the delay; once after it, however often the job runs.
    let now = Utc::now();
    assert_eq!(
        remind_unanswered_questions(&app.db, &ctx, days, now)
            .await
            .unwrap(),
        0
    );
    let later = now + TimeDelta::days(4);
    assert_eq!(
        remind_unanswered_questions(&app.db, &ctx, days, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        remind_unanswered_questions(&app.db, &ctx, days, later)
            .await
            .unwrap(),
        0
    );
    app.deliver(later).await;
    let reminders: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.subject.starts_with("Rappel"))
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].to, ["direction-0691664k@example.org"]);
    assert!(reminders[0].body.contains(&format!("/school/cases/{case}")));
    assert!(
        !reminders[0].body.contains("témoins"),
        "the question stays in the application"
    );

    // Answered, then asked again: the new question has its own reminder.
    b.submit(
        &page,
        &format!("{page}/answer"),
        &[("note", "Deux élèves.")],
    )
    .await;
    agent
        .submit(&h, &format!("{h}/question"), &[("text", "Leurs classes ?")])
        .await;
    assert_eq!(
        remind_unanswered_questions(&app.db, &ctx, days, later)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_dashboard_flags_a_question_waiting_past_the_delay() {
    let app = TestApp::spawn_with(|c| c.queue.question_days = 0, None).await;
    let (b, _, _) = question_waiting(&app).await;
    let dashboard = b.get("/school").await;
    assert!(
        dashboard
            .text(".questions")
            .contains("Sans réponse depuis 0 jour : un rappel")
    );
}
