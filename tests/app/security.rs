//! CSRF, security headers, French error pages.

use reqwest::StatusCode;

use crate::helpers::{TestApp, png, valid_case_fields};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    for path in [
        "/",
        "/login",
        "/school",
        "/school/cases/new",
        "/nulle-part",
        "/static/css/vigie.css",
    ] {
        let p = b.get(path).await;
        let h = |n: &str| {
            p.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert!(!h("x-request-id").is_empty(), "{path}");
        if !path.starts_with("/static") {
            assert_eq!(h("cache-control"), "no-store", "{path}");
        }
    }
}

#[tokio::test]
async fn secure_cookie_when_the_public_url_is_https() {
    let app =
        TestApp::spawn_with(|c| c.public_url = "https://vigie.example.org".into(), None).await;
    let p = app.browser().get("/login").await;
    let cookie = p.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn posts_without_or_with_a_wrong_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let events = app.count("case_events").await;
    let cases = app.count("cases").await;

    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/school/cases/{case}/notes"),
            vec![("note", "Une note")],
        ),
        (
            format!("/school/cases/{case}/targets"),
            vec![("platform", "tiktok"), ("target", "@moqueur")],
        ),
        (
            format!("/school/cases/{case}/close"),
            vec![("outcome", "resolved")],
        ),
        ("/logout".to_owned(), vec![]),
    ];
    for (action, fields) in &forms {
        let p = b.post_raw(action, fields).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{action} without token");
        assert_eq!(p.text("h1"), "Formulaire expiré");
        let mut with_wrong = vec![("csrf_token", "faux-jeton")];
        with_wrong.extend_from_slice(fields);
        let p = b.post_raw(action, &with_wrong).await;
        assert_eq!(
            p.status,
            StatusCode::FORBIDDEN,
            "{action} with a wrong token"
        );
    }
    for (action, token) in [("/school/cases", ""), ("/school/cases", "faux-jeton")] {
        let p = b
            .post_multipart(
                action,
                token,
                &valid_case_fields(),
                vec![("evidence", "a.png", png())],
            )
            .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
    }
    let p = b
        .post_multipart(
            &format!("/school/cases/{case}/evidence"),
            "faux",
            &[],
            vec![("evidence", "a.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    assert_eq!(app.count("case_events").await, events);
    assert_eq!(app.count("cases").await, cases);
    assert_eq!(app.count("evidence").await, 0);
    assert_eq!(app.stored_files(), 0);
    assert_eq!(
        b.get("/school").await.status,
        StatusCode::OK,
        "still logged in"
    );
}

#[tokio::test]
async fn a_token_from_another_session_is_refused() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let other = app.browser();
    let foreign_token = other.get("/login").await.csrf();
    let p = b
        .post_raw(
            &format!("/school/cases/{case}/notes"),
            &[("csrf_token", &foreign_token), ("note", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_cross_site_post_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let token = b.get("/school").await.csrf();
    let url = format!("{}/school/cases/{case}/notes", app.base);
    let r = b
        .client
        .post(&url)
        .header("origin", "https://malveillant.example")
        .form(&[("csrf_token", token.as_str()), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf_token", token.as_str()), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let notes: i64 = sqlx::query_scalar("select count(*) from case_events where kind = 'note'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn unknown_pages_get_a_french_404() {
    let app = TestApp::spawn().await;
    let p = app.browser().get("/nulle-part").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.text("h1"), "Page introuvable");
    assert_eq!(p.attr("html", "lang").as_deref(), Some("fr"));
}

#[tokio::test]
async fn pages_need_no_javascript_and_load_no_third_party_asset() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    for path in [
        "/".to_owned(),
        "/login".to_owned(),
        "/school".to_owned(),
        "/school/cases/new".to_owned(),
        format!("/school/cases/{case}"),
    ] {
        let p = b.get(&path).await;
        let html = p.html();
        let sel = scraper::Selector::parse("script, link, img").unwrap();
        for el in html.select(&sel) {
            let src = el
                .value()
                .attr("src")
                .or(el.value().attr("href"))
                .unwrap_or("");
            assert!(src.starts_with('/'), "{path}: {src} is not served by Vigie");
        }
        assert!(
            !p.body.contains("onclick") && !p.body.contains("<script>"),
            "{path}: inline script"
        );
        // Every state-changing form posts with a token.
        let forms = scraper::Selector::parse("form[method=post]").unwrap();
        let token = scraper::Selector::parse("input[name=csrf_token]").unwrap();
        for f in html.select(&forms) {
            assert!(
                f.select(&token).next().is_some(),
                "{path}: a POST form without CSRF token"
            );
        }
    }
}

#[tokio::test]
async fn a_browser_post_with_a_null_origin_and_the_token_is_accepted() {
    // Chromium sends `Origin: null` on same-origin form posts from pages with
    // `Referrer-Policy: no-referrer`: refusing it broke every real form.
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let token = b.get("/school").await.csrf();
    let r = b
        .client
        .post(format!("{}/school/cases/{case}/notes", app.base))
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("csrf_token", token.as_str()),
            ("note", "Depuis un vrai navigateur"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = b
        .client
        .post(format!("{}/school/cases/{case}/notes", app.base))
        .header("origin", "null")
        .form(&[("csrf_token", "faux"), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a null origin does not replace the token"
    );
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::TestApp::spawn_with(
        |c| c.header_timeout = std::time::Duration::from_secs(1),
        None,
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    // A client that connects and sends nothing is cut off too.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut none = Vec::new();
    let cut = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        silent.read_to_end(&mut none),
    )
    .await;
    assert!(cut.is_ok(), "a silent connection is closed by the server");
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // The server closes the connection (perhaps after a 408) once the
    // header timeout is past; without it this read would wait for ever.
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut buf),
    )
    .await;
    assert!(closed.is_ok(), "the connection is closed by the server");
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}
