//! Opening, following and closing a case as a head teacher.

use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, jpeg, png};

#[tokio::test]
async fn a_case_opened_with_two_screenshots_shows_everything_and_is_on_the_dashboard() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let shot1 = png();
    let shot2 = jpeg();
    let case = b
        .open_case(
            &[
                ("target_platform", "tiktok"),
                ("target_value", "@faux_compte"),
            ],
            vec![
                ("evidence", "capture 1.png", shot1.clone()),
                ("evidence", "capture-2.jpg", shot2.clone()),
            ],
        )
        .await;

    let p = b.get(&format!("/school/cases/{case}")).await;
    assert_eq!(p.status, StatusCode::OK);
    let reference = p.text("h1");
    assert!(
        reference.starts_with("Dossier 20") && reference.len() == "Dossier 2026-000001".len(),
        "{reference}"
    );
    assert!(p.text(".facts").contains("Camille Durand · Élève · 4e B"));
    assert!(p.text(".facts").contains("Snapchat, Instagram"));
    assert!(p.text(".facts").contains("Insultes ou moqueries, Rumeurs"));
    assert!(p.text(".facts").contains("01/10/2026"));
    assert_eq!(p.texts(".status-open"), vec!["Ouvert"]);
    assert!(
        p.text("#auteurs-titre + ul")
            .contains("Élève de l'établissement : Élève X (4e C)")
    );
    let targets = p.texts(".targets li");
    assert_eq!(
        targets,
        vec![
            "Instagram : https://instagram.example/compte_moqueur",
            "TikTok : @faux_compte"
        ]
    );

    // Evidence: names, detected types, sizes, hashes, who and when.
    let items = p.texts(".evidence");
    assert_eq!(items.len(), 2);
    assert!(
        items[0].contains("capture 1.png")
            && items[0].contains("Image PNG")
            && items[0].contains(&format!("{} octets", shot1.len()))
    );
    assert!(items[0].contains(&hex::encode(Sha256::digest(&shot1))));
    assert!(items[1].contains("capture-2.jpg") && items[1].contains("Image JPEG"));
    assert!(items[1].contains(&hex::encode(Sha256::digest(&shot2))));
    assert!(items[0].contains("ajouté par direction-0691664k@example.org le"));
    assert_eq!(
        p.texts(".evidence img.thumb").len(),
        2,
        "each image has a preview"
    );

    // Timeline.
    let events = p.texts(".timeline .event-head strong");
    assert_eq!(events, vec!["Dossier ouvert", "Pièces ajoutées"]);

    // The files download intact.
    let href = p.attr(".evidence a[download]", "href").unwrap();
    let (status, headers, body) = b.get_bytes(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], &shot1[..]);
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");

    // The dashboard lists it.
    let dash = b.get("/school").await;
    let rows = dash.texts("table.cases tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains(reference.trim_start_matches("Dossier ")));
    assert!(
        rows[0].contains("Camille Durand")
            && rows[0].contains("Élevée")
            && rows[0].contains("Ouvert")
    );

    // Stored: the case, two files outside static/, the audit of creation and reads.
    assert_eq!(app.count("cases").await, 1);
    assert_eq!(app.stored_files(), 2);
    let audit: Vec<(String, String)> = sqlx::query_as("select action, record_type from audit_log where record_type in ('case','evidence') order by id")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "add_evidence",
            "add_evidence",
            "create_case",
            "view_case",
            "download_evidence"
        ]
    );
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_what_was_typed_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let p = b
        .submit_multipart(
            "/school/cases/new",
            "/school/cases",
            &[
                ("victim_name", "Camille"),
                ("description", "court"),
                ("started_on", "2999-01-01"),
                ("author_name", "Sans type"),
                ("target_value", "@sans_plateforme"),
            ],
            vec![("evidence", "capture.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let field_error = |id: &str| p.text(&format!("#{id}-error"));
    assert!(field_error("victim_kind").contains("élève ou un membre du personnel"));
    assert!(field_error("victim_group").contains("classe"));
    assert!(field_error("description").contains("10 caractères"));
    assert!(field_error("started_on").contains("futur"));
    assert!(field_error("platforms").contains("au moins une plateforme"));
    assert!(field_error("kinds").contains("au moins un type"));
    assert!(field_error("author_0").contains("Précisez qui"));
    assert!(field_error("target_0").contains("plateforme"));
    // Errors are tied to their fields and summarised with links.
    assert_eq!(
        p.attr("#description", "aria-describedby").as_deref(),
        Some("description-hint description-error")
    );
    assert_eq!(
        p.attr("#description", "aria-invalid").as_deref(),
        Some("true")
    );
    let links: Vec<String> = {
        let sel = scraper::Selector::parse(".error-summary a").unwrap();
        p.html()
            .select(&sel)
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect()
    };
    assert_eq!(links.first().map(String::as_str), Some("#victim_kind"));
    assert!(links.contains(&"#platforms".to_owned()));
    // What was typed is kept.
    assert_eq!(p.attr("#victim_name", "value").as_deref(), Some("Camille"));
    assert_eq!(p.text("#description"), "court");
    assert_eq!(
        p.attr("#author_name_0", "value").as_deref(),
        Some("Sans type")
    );
    assert_eq!(
        p.attr("#target_value_0", "value").as_deref(),
        Some("@sans_plateforme")
    );
    // Nothing stored.
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.count("evidence").await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test]
async fn danger_shows_the_emergency_numbers_at_once() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let form = b.get("/school/cases/new").await;
    // Present in the page without JavaScript.
    let emergency = form.text("[data-emergency] .emergency");
    assert!(emergency.contains("17") && emergency.contains("112") && emergency.contains("3018"));
    let case = b.open_case(&[("urgency", "danger")], vec![]).await;
    let p = b.get(&format!("/school/cases/{case}")).await;
    let box_ = p.text(".emergency");
    assert!(box_.contains("17") && box_.contains("112") && box_.contains("3018"));
    let urgency: String = sqlx::query_scalar("select urgency::text from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(urgency, "danger");
    assert!(
        b.get("/school")
            .await
            .text("table.cases")
            .contains("Danger")
    );
}

#[tokio::test]
async fn notes_targets_evidence_close_and_reopen_are_in_the_timeline() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let page = format!("/school/cases/{case}");

    let p = b
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("note", "Famille reçue ce matin.")],
        )
        .await;
    assert_eq!(p.location(), format!("{page}#historique"));
    let p = b
        .submit(
            &page,
            &format!("{page}/targets"),
            &[("platform", "tiktok"), ("target", "@moqueur")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let token = b.get(&page).await.csrf();
    let p = b
        .post_multipart(
            &format!("{page}/evidence"),
            &token,
            &[],
            vec![("evidence", "suite.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // Closing needs an outcome.
    let p = b
        .submit(
            &page,
            &format!("{page}/close"),
            &[("outcome", ""), ("note", "Commentaire gardé")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#outcome-error").contains("Choisissez l'issue"));
    assert_eq!(p.text("#close_note"), "Commentaire gardé");
    let p = b
        .submit(
            &page,
            &format!("{page}/close"),
            &[("outcome", "resolved"), ("note", "Excuses présentées.")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let p = b.get(&page).await;
    assert_eq!(p.texts(".status-closed"), vec!["Clos"]);
    assert!(p.text(".facts").contains("Situation résolue"));
    assert!(
        !p.has(&format!("form[action='{page}/notes']")),
        "a closed case takes no note"
    );
    // A closed case refuses a note posted anyway.
    let p2 = b
        .submit(&page, &format!("{page}/notes"), &[("note", "trop tard")])
        .await;
    assert_eq!(p2.status, StatusCode::CONFLICT);
    let p = b
        .submit(
            &page,
            &format!("{page}/reopen"),
            &[("note", "Nouveaux messages")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let p = b.get(&page).await;
    assert_eq!(p.texts(".status-open"), vec!["Ouvert"]);
    let events = p.texts(".timeline .event-head strong");
    assert_eq!(
        events,
        vec![
            "Dossier ouvert",
            "Note",
            "Cible en ligne ajoutée",
            "Pièces ajoutées",
            "Dossier clos",
            "Dossier rouvert"
        ]
    );
    assert!(p.text(".timeline").contains("Famille reçue ce matin."));
    assert_eq!(p.texts(".targets li").len(), 2);
    let outcome: Option<String> = sqlx::query_scalar("select outcome from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(outcome, None, "reopening clears the outcome");
}

#[tokio::test]
async fn a_note_with_an_error_keeps_the_page_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let page = format!("/school/cases/{case}");
    let events = app.count("case_events").await;
    let p = b
        .submit(&page, &format!("{page}/notes"), &[("note", "   ")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#note-error").contains("Écrivez la note"));
    let p = b
        .submit(
            &page,
            &format!("{page}/targets"),
            &[("platform", ""), ("target", "@garde")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.attr("#target_value", "value").as_deref(), Some("@garde"));
    assert!(p.text("#target_platform-error").contains("plateforme"));
    assert_eq!(app.count("case_events").await, events);
}

#[tokio::test]
async fn events_and_evidence_cannot_be_rewritten_in_the_database() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    b.open_case(&[], vec![("evidence", "a.png", png())]).await;
    assert!(
        sqlx::query("update case_events set note = 'x'")
            .execute(&app.db)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("delete from case_events")
            .execute(&app.db)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("update evidence set sha256 = repeat('0', 64)")
            .execute(&app.db)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_dashboard_puts_waiting_cases_first_and_filters() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let first = b.open_case(&[], vec![]).await;
    b.open_case(&[("victim_name", "Sacha Petit")], vec![]).await;
    // The helpline asked the first case a question (set directly until the helpline pages exist).
    sqlx::query("update cases set status = 'awaiting_school', referred_at = now() where id = $1")
        .bind(first.0)
        .execute(&app.db)
        .await
        .unwrap();

    let dash = b.get("/school").await;
    let rows = dash.texts("table.cases tbody tr");
    assert!(
        rows[0].contains("Camille Durand") && rows[0].contains("Question posée"),
        "{rows:?}"
    );
    assert!(dash.has("tr.row-waiting"));
    assert!(
        dash.text(".notice")
            .contains("1 dossier attend votre action")
    );

    let only_open = b.get("/school?status=open").await;
    assert_eq!(
        b.submit("/school", "/school", &[("status", "open")])
            .await
            .texts("table.cases tbody tr")
            .len(),
        1
    );
    assert_eq!(only_open.texts("table.cases tbody tr").len(), 1);
    assert!(only_open.text("table.cases").contains("Sacha Petit"));
    // Searches by name go by POST: the name stays out of the URL.
    assert_eq!(dash.attr("form.filters", "method").as_deref(), Some("post"));
    assert_eq!(
        b.get("/school?q=sacha")
            .await
            .texts("table.cases tbody tr")
            .len(),
        2,
        "a name in a URL is ignored"
    );
    let search = b.submit("/school", "/school", &[("q", "sacha")]).await;
    assert_eq!(search.texts("table.cases tbody tr").len(), 1);
    let reference: String = sqlx::query_scalar("select reference from cases where id = $1")
        .bind(first.0)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let by_ref = b.submit("/school", "/school", &[("q", &reference)]).await;
    assert_eq!(by_ref.texts("table.cases tbody tr").len(), 1);
    assert!(by_ref.text("table.cases").contains("Camille"));
    let none = b.submit("/school", "/school", &[("q", "personne")]).await;
    assert!(none.text(".empty").contains("Aucun dossier ne correspond"));
}

#[tokio::test]
async fn references_stay_unique_past_a_million() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    sqlx::query("select setval('case_reference_seq', 999999)")
        .execute(&app.db)
        .await
        .unwrap();
    let first = b.open_case(&[], vec![]).await;
    let second = b.open_case(&[], vec![]).await;
    let refs: Vec<String> =
        sqlx::query_scalar("select reference from cases where id = any($1) order by reference")
            .bind(vec![first.0, second.0])
            .fetch_all(&app.db)
            .await
            .unwrap();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(
        refs,
        vec![format!("{year}-1000000"), format!("{year}-1000001")]
    );
}

#[tokio::test]
async fn every_upload_form_warns_against_sexual_images_of_minors() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let visitor = app.browser();
    let mut pages = vec![
        b.get("/school/cases/new").await,
        b.get(&format!("/school/cases/{case}")).await,
        visitor.get("/signaler/0691664K").await,
    ];
    let (_, sent) = {
        let from = "/signaler/0691664K";
        let fields = [
            ("reporter_kind", "witness"),
            ("danger", "no"),
            ("description", "Des insultes sur un groupe de classe."),
            ("platforms", "sms"),
            ("kinds", "insults"),
        ];
        (
            visitor.clone(),
            visitor.submit_multipart(from, from, &fields, vec![]).await,
        )
    };
    let code = sent.text(".followup-code code");
    visitor.submit("/suivi", "/suivi", &[("code", &code)]).await;
    pages.push(visitor.get("/suivi/signalement").await);
    for page in &pages {
        let uploads = page.texts("input[type=file]").len();
        assert!(uploads > 0, "an upload form: {}", page.text("h1"));
        let warning = page.text("form[enctype='multipart/form-data'] .warning");
        assert!(
            warning.contains("Ne téléversez jamais d'images à caractère sexuel d'un mineur"),
            "{warning}"
        );
        assert!(
            warning.contains("Pharos") && warning.contains("3018"),
            "{warning}"
        );
    }
}

#[tokio::test]
async fn an_over_long_optional_note_comes_back_instead_of_being_dropped() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let page = format!("/school/cases/{case}");
    let long = "x".repeat(10_001);
    let p = b
        .submit(&page, &format!("{page}/refer"), &[("note", &long)])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#refer_note-error").contains("10 000 caractères"));
    assert_eq!(p.text("#refer_note").len(), 10_001, "the text is kept");
    let status: String = sqlx::query_scalar("select status::text from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "open", "nothing happened");
}
