//! Upload limits, type detection from the bytes, and no half-stored case.

use reqwest::StatusCode;

use crate::helpers::{TestApp, pdf, png, valid_case_fields};

async fn submit_case(app: &TestApp, files: Vec<(&str, &str, Vec<u8>)>) -> crate::helpers::Page {
    let (b, _) = app.head_teacher("0691664K").await;
    b.submit_multipart(
        "/school/cases/new",
        "/school/cases",
        &valid_case_fields(),
        files,
    )
    .await
}

#[tokio::test]
async fn hostile_or_lying_files_are_refused_with_a_french_message() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dessin.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            "n'est pas accepté",
        ),
        (
            "page.html",
            b"<!doctype html><html><script>alert(1)</script></html>".to_vec(),
            "n'est pas accepté",
        ),
        (
            "notes.txt",
            b"  <html><body>x</body></html>".to_vec(),
            "n'est pas accepté",
        ),
        (
            "programme.exe",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec(),
            "n'est pas accepté",
        ),
        ("photo.jpg", png(), "ne correspond pas à son extension"),
        (
            "capture.png",
            b"ceci n'est pas une image".to_vec(),
            "ne correspond pas à son extension",
        ),
    ];
    for (name, bytes, message) in cases {
        let p = b
            .submit_multipart(
                "/school/cases/new",
                "/school/cases",
                &valid_case_fields(),
                vec![("evidence", "ok.png", png()), ("evidence", name, bytes)],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let err = p.text("#evidence-error");
        assert!(err.contains(name) && err.contains(message), "{name}: {err}");
        assert_eq!(
            p.attr("#victim_name", "value").as_deref(),
            Some("Camille Durand"),
            "typed values kept"
        );
    }
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test]
async fn pdf_and_text_are_accepted_and_served_as_attachments_with_their_detected_type() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b
        .open_case(
            &[],
            vec![
                ("evidence", "plainte.pdf", pdf()),
                (
                    "evidence",
                    "messages",
                    "Tu vas voir demain.".as_bytes().to_vec(),
                ),
            ],
        )
        .await;
    let p = b.get(&format!("/school/cases/{case}")).await;
    let items = p.texts(".evidence");
    assert!(
        items[0].contains("Document PDF") && items[1].contains("Texte"),
        "{items:?}"
    );
    assert!(!p.has(".evidence img"), "no preview for PDF or text");
    let hrefs: Vec<String> = {
        let sel = scraper::Selector::parse(".evidence a[download]").unwrap();
        p.html()
            .select(&sel)
            .map(|a| a.value().attr("href").unwrap().to_owned())
            .collect()
    };
    let (status, headers, _) = b.get_bytes(&hrefs[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"plainte.pdf\"")
    );
    let (_, headers, _) = b.get_bytes(&hrefs[1]).await;
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    // Only images have an inline preview.
    let (status, _, _) = b.get_bytes(&format!("{}/preview", hrefs[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn image_preview_is_inline_and_sandboxed() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b
        .open_case(&[], vec![("evidence", "capture.png", png())])
        .await;
    let src = b
        .get(&format!("/school/cases/{case}"))
        .await
        .attr("img.thumb", "src")
        .unwrap();
    let (status, headers, body) = b.get_bytes(&src).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body[..], &png()[..]);
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_next_to_the_field() {
    let app = TestApp::spawn_with(|c| c.uploads.max_file_bytes = 1024 * 1024, None).await;
    let mut big = png();
    big.resize(1024 * 1024 + 1, 0);
    let p = submit_case(&app, vec![("evidence", "grande.png", big)]).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#evidence-error")
            .contains("dépasse la taille maximale de 1 Mo")
    );
    assert_eq!(
        p.attr("#victim_name", "value").as_deref(),
        Some("Camille Durand")
    );
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test]
async fn too_many_files_are_refused() {
    let app = TestApp::spawn_with(|c| c.uploads.max_files = 3, None).await;
    let files = (0..4).map(|_| ("evidence", "c.png", png())).collect();
    let p = submit_case(&app, files).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#evidence-error").contains("au plus 3 fichiers"));
    assert_eq!(app.count("cases").await, 0);
}

#[tokio::test]
async fn a_request_over_the_total_limit_is_refused_in_french() {
    let app = TestApp::spawn_with(
        |c| {
            c.uploads.max_request_bytes = 2 * 1024 * 1024;
            c.uploads.max_file_bytes = 2 * 1024 * 1024;
        },
        None,
    )
    .await;
    let mut part = png();
    part.resize(900 * 1024, 0);
    let p = submit_case(
        &app,
        vec![
            ("evidence", "a.png", part.clone()),
            ("evidence", "b.png", part.clone()),
            ("evidence", "c.png", part),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        p.text("main").contains("taille maximale de 2 Mo par envoi"),
        "{}",
        p.body
    );
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.stored_files(), 0);
}

#[tokio::test]
async fn a_storage_failure_on_the_second_file_leaves_no_case_and_no_file() {
    let app = TestApp::spawn_with(|_| {}, Some(2)).await;
    let p = submit_case(
        &app,
        vec![
            ("evidence", "a.png", png()),
            ("evidence", "b.png", png()),
            ("evidence", "c.png", png()),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(p.text("main").contains("rien n'a été enregistré"));
    assert!(!p.body.contains("disk full"), "no internal detail shown");
    for table in [
        "cases",
        "case_events",
        "case_authors",
        "online_targets",
        "evidence",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    assert_eq!(app.stored_files(), 0, "the first file was deleted again");
}

/// A case's files are written before its transaction opens: a case refused
/// inside it (its school closed meanwhile) leaves none of them behind.
#[tokio::test]
async fn a_case_refused_in_its_transaction_leaves_none_of_its_files() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    sqlx::query("update schools set closed_at = now() where uai = '0691664K'")
        .execute(&app.db)
        .await
        .unwrap();
    let p = head
        .submit_multipart(
            "/school/cases/new",
            "/school/cases",
            &valid_case_fields(),
            vec![("evidence", "a.png", png()), ("evidence", "b.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Cet établissement est fermé"));
    assert_eq!(app.count("cases").await, 0);
    assert_eq!(app.count("evidence").await, 0);
    assert_eq!(app.stored_files(), 0);
    assert_eq!(app.count("pending_deletions").await, 0);
}
