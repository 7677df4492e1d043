//! Logging in and out, sessions, rate limits.

use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{Browser, PASSWORD, TestApp};

fn session_cookie(p: &crate::helpers::Page) -> Option<String> {
    p.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("vigie_session="))
}

#[tokio::test]
async fn head_teacher_logs_in_with_a_new_session_and_lands_on_the_dashboard() {
    let app = TestApp::spawn().await;
    let school = app.school("0691664K", "Collège Jean Moulin").await;
    app.account("principale@example.org", Role::SchoolStaff, &[school])
        .await;
    let b = app.browser();

    let login_page = b.get("/login").await;
    let before =
        session_cookie(&login_page).expect("the login page starts a session for its CSRF token");
    assert!(before.contains("HttpOnly"), "{before}");
    assert!(before.contains("SameSite=Lax"), "{before}");
    assert!(
        !before.contains("Secure"),
        "plain-http test server: no Secure flag"
    );

    let p = b
        .post_raw(
            "/login",
            &[
                ("csrf_token", &login_page.csrf()),
                ("email", " Principale@Example.org "),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/connexion/code");
    let middle = session_cookie(&p).expect("a new session cookie after the password");
    // The password alone opens nothing.
    assert_eq!(b.get("/school").await.location(), "/login");
    let p = b.second_factor("principale@example.org").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/school");
    let after = session_cookie(&p).expect("a new session cookie at login");
    for (one, two) in [(&before, &middle), (&middle, &after)] {
        assert_ne!(
            one.split(';').next(),
            two.split(';').next(),
            "the session id changes at each step"
        );
    }

    let dash = b.get("/school").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert_eq!(dash.text("h1"), "Tableau de bord");
    assert!(dash.text(".subtitle").contains("Collège Jean Moulin"));
    let audit: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'login' and result = 'ok'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn each_role_lands_on_its_own_home() {
    let app = TestApp::spawn().await;
    for (role, home, title) in [
        (
            Role::Helpline,
            "/helpline",
            "File d'attente des dossiers transmis",
        ),
        (Role::Admin, "/admin", "Administration"),
    ] {
        let email = format!("{}@example.org", role.as_str());
        app.account(&email, role, &[]).await;
        let b = app.browser();
        let p = b
            .submit(
                "/login",
                "/login",
                &[("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(p.location(), "/connexion/code");
        assert_eq!(b.second_factor(&email).await.location(), home);
        assert_eq!(b.get(home).await.text("h1"), title);
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.account("principale@example.org", Role::Helpline, &[])
        .await;
    let b = app.browser();
    let wrong = b
        .submit(
            "/login",
            "/login",
            &[("email", "principale@example.org"), ("password", "mauvais")],
        )
        .await;
    let unknown = b
        .submit(
            "/login",
            "/login",
            &[("email", "personne@example.org"), ("password", "mauvais")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        wrong.text("[role=alert]"),
        "Adresse électronique ou mot de passe incorrect."
    );
    assert_eq!(unknown.text("[role=alert]"), wrong.text("[role=alert]"));
    // What was typed is kept, the password is not.
    assert_eq!(
        unknown.attr("#email", "value").as_deref(),
        Some("personne@example.org")
    );
    assert_eq!(unknown.attr("#password", "value"), None);
    assert_eq!(b.get("/helpline").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn login_is_rate_limited_per_account_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    app.account("cible@example.org", Role::Helpline, &[]).await;
    let b = app.browser();
    for _ in 0..5 {
        let p = b
            .submit(
                "/login",
                "/login",
                &[("email", "cible@example.org"), ("password", "devine")],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", "cible@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.text("[role=alert]").contains("Trop de tentatives"));
    // An unknown account is limited the same way: no hint that it does not exist.
    for _ in 0..5 {
        b.submit(
            "/login",
            "/login",
            &[("email", "inconnu@example.org"), ("password", "devine")],
        )
        .await;
    }
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", "inconnu@example.org"), ("password", "devine")],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn login_is_rate_limited_per_ip_across_accounts() {
    let app = TestApp::spawn_with(|c| c.login.per_ip = 3, None).await;
    app.account("vraie@example.org", Role::Helpline, &[]).await;
    let b = app.browser();
    for i in 0..3 {
        let email = format!("essai{i}@example.org");
        b.submit("/login", "/login", &[("email", &email), ("password", "x")])
            .await;
    }
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", "vraie@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn attempt_limits_are_shared_by_every_server_process() {
    let app = TestApp::spawn_with(|c| c.login.per_account = 4, None).await;
    app.account("cible@example.org", Role::Helpline, &[]).await;
    let (one, two) = (app.browser(), app.second_node().await);
    let wrong = [("email", "cible@example.org"), ("password", "devine")];
    for b in [&one, &two, &one, &two] {
        let p = b.submit("/login", "/login", &wrong).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    // The fifth attempt, on either node, is refused: one budget, not two.
    let right = [("email", "cible@example.org"), ("password", PASSWORD)];
    for b in [&one, &two] {
        assert_eq!(
            b.submit("/login", "/login", &right).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    // Nothing of the address is stored in clear.
    let stored: i64 = sqlx::query_scalar("select count(*) from rate_limits")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(stored >= 2);
    let clear: i64 = sqlx::query_scalar(
        "select count(*) from rate_limits where position('cible'::bytea in key) > 0 or position('127.0.0.1'::bytea in key) > 0",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(clear, 0);
}

#[tokio::test]
async fn logout_needs_the_token_and_ends_the_session() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let p = b.post_raw("/logout", &[]).await;
    assert_eq!(
        p.status,
        StatusCode::FORBIDDEN,
        "logout without a token is refused"
    );
    assert_eq!(
        b.get("/school").await.status,
        StatusCode::OK,
        "still logged in"
    );
    let p = b.submit("/school", "/logout", &[]).await;
    assert_eq!(p.location(), "/login");
    let p = b.get("/school").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/login");
    assert_eq!(
        app.count("tower_sessions.session").await,
        0,
        "the session is deleted from the store"
    );
}

#[tokio::test]
async fn a_session_older_than_the_absolute_timeout_is_logged_out() {
    let app = TestApp::spawn_with(|c| c.session_absolute = std::time::Duration::ZERO, None).await;
    let school = app.school("0691664K", "Collège").await;
    app.account("p@example.org", Role::SchoolStaff, &[school])
        .await;
    let b = app.browser();
    b.login("p@example.org", PASSWORD).await;
    let p = b.get("/school").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/login");
}

#[tokio::test]
async fn a_deactivated_account_loses_its_session() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    assert_eq!(b.get("/school").await.status, StatusCode::OK);
    // Changed outside the server (SQL here, or the command line): the
    // server hears it announced, and the session ends.
    sqlx::query("update accounts set active = false")
        .execute(&app.db)
        .await
        .unwrap();
    app.auth.sync(&app.db).await;
    assert_eq!(b.get("/school").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn health_check_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let p = app.browser().get("/healthz").await;
    assert_eq!(p.status, StatusCode::OK);
    app.db.close().await;
    let p = app.browser().get("/healthz").await;
    assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn the_session_cookie_ends_with_the_browser_and_the_server_ends_idle_sessions() {
    let app = TestApp::spawn_with(|c| c.session_idle = std::time::Duration::ZERO, None).await;
    let school = app.school("0691664K", "Collège").await;
    app.account("p@example.org", Role::SchoolStaff, &[school])
        .await;
    let b = app.browser();
    let token = b.get("/login").await.csrf();
    let p = b
        .post_raw(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "p@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let code = b.second_factor("p@example.org").await;
    assert_eq!(code.location(), "/school");
    let cookies: Vec<String> = [p, code]
        .iter()
        .flat_map(|p| p.headers.get_all("set-cookie").iter())
        .map(|v| v.to_str().unwrap().to_lowercase())
        .collect();
    assert!(!cookies.is_empty());
    for c in &cookies {
        assert!(c.contains("httponly") && c.contains("samesite=lax"), "{c}");
        assert!(
            !c.contains("max-age") && !c.contains("expires"),
            "a session cookie, not a persistent one: {c}"
        );
    }
    // Idle past the (here zero) timeout: logged out by the server.
    let p = b.get("/school").await;
    assert_eq!(p.location(), "/login");
}

#[tokio::test]
async fn a_guesser_cannot_keep_the_owner_out_for_more_than_fifteen_minutes() {
    use sha2::Digest;
    let app = TestApp::spawn_with(|c| c.trusted_proxies = 1, None).await;
    app.account("cible@example.org", Role::Helpline, &[]).await;
    let base = app.base.clone();
    let wrong = [("email", "cible@example.org"), ("password", "devine")];
    let right = [("email", "cible@example.org"), ("password", PASSWORD)];

    // One address guessing is stopped after five tries; the owner, from
    // their own address, is not.
    let guesser = Browser::from_ip(&base, "203.0.113.9");
    for _ in 0..5 {
        let p = guesser.submit("/login", "/login", &wrong).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    let p = guesser.submit("/login", "/login", &wrong).await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    let owner = Browser::from_ip(&base, "198.51.100.7");
    owner.login("cible@example.org", PASSWORD).await;

    // Many addresses together empty the account's budget (20 tries)...
    let mut tries = 0;
    loop {
        tries += 1;
        assert!(tries <= 20, "the account-wide budget never ran out");
        let from = Browser::from_ip(&base, &format!("192.0.2.{tries}"));
        if from.submit("/login", "/login", &wrong).await.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    let locked = Browser::from_ip(&base, "198.51.100.7");
    assert_eq!(
        locked.submit("/login", "/login", &right).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...for 15 minutes at most once they stop.
    let account = hex::encode(sha2::Sha256::digest(b"cible@example.org"));
    let limiter = vigie::auth::ratelimit::Limiter::new(
        "login_account_all",
        20,
        std::time::Duration::from_secs(45),
    );
    let wait: f64 = sqlx::query_scalar(
        "select extract(epoch from tat - now())::float8 from rate_limits where key = $1",
    )
    .bind(limiter.digest(&account))
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(wait > 0.0 && wait <= 15.0 * 60.0 + 5.0, "{wait} s");
    sqlx::query("update rate_limits set tat = tat - interval '15 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let p = locked.submit("/login", "/login", &right).await;
    assert_eq!(p.location(), "/connexion/code");
}
