//! Legal notices, the accessibility statement and each audience's footer.

use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn legal_notices_and_the_accessibility_statement_are_linked_in_every_footer() {
    let app = TestApp::spawn().await;
    let anonymous = app.browser();
    let (school, _) = app.head_teacher("0691664K").await;
    let agent = app.logged_in(Role::Helpline).await;
    for (b, path) in [
        (&anonymous, "/"),
        (&anonymous, "/signaler"),
        (&school, "/school"),
        (&agent, "/helpline"),
    ] {
        let page = b.get(path).await;
        assert!(page.has("footer a[href='/mentions-legales']"), "{path}");
        assert_eq!(
            page.text("footer a[href='/accessibilite']"),
            "Accessibilité : non conforme",
            "{path}"
        );
    }
    let legal = anonymous.get("/mentions-legales").await;
    assert_eq!(legal.status, StatusCode::OK);
    let notices = legal.text("main");
    let l = &app.config.legal;
    for fact in [
        &l.publisher,
        &l.director,
        &l.host,
        &l.controller,
        &l.dpo_contact,
    ] {
        assert!(notices.contains(fact.as_str()), "{fact}");
    }
    let statement = anonymous.get("/accessibilite").await;
    assert!(statement.text("main").contains("non conforme"));
    assert!(statement.text("main").contains(&l.accessibility_contact));
    // The measured state: every page the browser suite checks with axe.
    assert_eq!(
        statement.texts(".checked-pages li"),
        vigie::web::public::AXE_CHECKED_PAGES
            .iter()
            .map(|(_, label)| label.to_string())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn each_footer_helps_the_person_in_front_of_it() {
    let app = TestApp::spawn().await;
    let public = app.browser().get("/").await.text(".footer-help");
    assert!(
        public.contains("3018") && public.contains("captures d'écran"),
        "{public}"
    );
    let (school, _) = app.head_teacher("0691664K").await;
    let staff = school.get("/school").await;
    assert!(staff.has(".footer-help a[href='/guide']"));
    assert!(!staff.text(".footer-help").contains("captures d'écran où"));
    let agent = app.logged_in(Role::Helpline).await;
    assert!(
        agent
            .get("/helpline")
            .await
            .text(".footer-help")
            .contains("notes internes")
    );
}

#[tokio::test]
async fn the_texts_state_the_delays_configured() {
    let app = TestApp::spawn_with(
        |c| {
            c.retention.closed_no_follow_up_days = 30;
            c.retention.closed_with_follow_up_days = 730;
            c.reports.due_working_days = 3;
            c.reports.danger_due_hours = 2;
            c.queue.question_days = 5;
        },
        None,
    )
    .await;
    let anyone = app.browser();
    let privacy = anyone.get("/confidentialite").await.text("main");
    assert!(
        privacy.contains("effacé 30 jours après sa clôture")
            && privacy.contains("au plus tard 2 ans"),
        "{privacy}"
    );
    let guide = anyone.get("/guide").await.text("main");
    assert!(
        guide.contains("sous 3 jours ouvrés")
            && guide.contains("2 heures en cas de danger")
            && guide.contains("Sans réponse sous 5 jours"),
        "{guide}"
    );
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let page = b
        .get(&format!("/school/cases/{case}"))
        .await
        .text("#conservation");
    assert!(
        page.contains("effacé 30 jours après sa clôture s'il est sans suite, 2 ans au plus"),
        "{page}"
    );
}
