//! Accounts an administrator runs from the site: invitation by mail (a
//! single-use link), the first password, enrolling an authenticator app
//! (QR code, secret sealed at rest, recovery codes), signing in with a code
//! (never the same one twice), recovery codes (each once), limits on code
//! attempts, resetting a lost second factor, changing a role. Mails are
//! checked on the real SMTP listener.

use chrono::Utc;
use reqwest::StatusCode;
use vigie::auth::totp;
use vigie::domain::status::Role;

use crate::helpers::{Browser, PASSWORD, TestApp};
use crate::smtp::SmtpServer;

const NEW: &str = "girafe tambour nuage poivre";

/// The path of the invitation link in the last invitation mail to `to`.
fn invitation_link(smtp: &SmtpServer, to: &str) -> String {
    let mail = smtp
        .received()
        .into_iter()
        .rev()
        .find(|m| m.subject.contains("votre compte vous attend") && m.to == [to])
        .expect("an invitation mail");
    let start = mail
        .body
        .find("https://vigie.example.org/invitation/")
        .expect("a link in the mail");
    let url: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    url.trim_start_matches("https://vigie.example.org")
        .to_owned()
}

/// The code of `secret` now.
fn code_now(secret: &[u8]) -> String {
    totp::code_at_step(secret, totp::step_of(Utc::now().timestamp()))
}

/// The code of `secret` at the next step (accepted too).
fn code_next(secret: &[u8]) -> String {
    totp::code_at_step(secret, totp::step_of(Utc::now().timestamp()) + 1)
}

/// Whether the browser is logged in.
async fn logged_in(b: &Browser) -> bool {
    b.get("/compte").await.status == StatusCode::OK
}

/// Invites a head teacher of `uai` as the administrator `admin`; the new
/// account's page.
async fn invite(admin: &Browser, email: &str, uai: &str) -> String {
    let p = admin
        .submit(
            "/admin/accounts/new",
            "/admin/accounts/new",
            &[
                ("email", email),
                ("display_name", "Mme Garnier, principale"),
                ("role", "school_staff"),
                ("schools", uai),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    p.location()
}

#[tokio::test]
async fn an_invited_head_teacher_chooses_a_password_enrols_an_app_and_signs_in_with_codes() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    let school = app.school("0691664K", "Collège Jean Moulin").await;
    let admin = app.logged_in(Role::Admin).await;
    const EMAIL: &str = "garnier@example.org";

    let page_url = invite(&admin, EMAIL, "0691664K").await;
    let page = admin.get(&page_url).await;
    assert!(page.text("main").contains("Invitation en attente"));
    assert!(page.text("main").contains("Collège Jean Moulin"));
    assert_eq!(app.deliver(Utc::now()).await, 1);
    let link = invitation_link(&smtp, EMAIL);
    // Only a hash of the link is stored; a sent invitation keeps no copy.
    let token = link.trim_start_matches("/invitation/");
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from account_tokens where purpose = 'invitation' and token_hash = sha256($1::bytea)",
    )
    .bind(token.as_bytes())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, 1);
    let copies: i64 = sqlx::query_scalar(
        "select count(*) from outbox where position($1 in body_text) > 0 or position($1 in body_html) > 0",
    )
    .bind(token)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(copies, 0);
    // No password yet: nothing to sign in with.
    let p = app
        .browser()
        .submit("/login", "/login", &[("email", EMAIL), ("password", "")])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);

    // Opening the link twice changes nothing; a weak password is refused.
    let invited = app.browser();
    assert_eq!(invited.get(&link).await.status, StatusCode::OK);
    let form = invited.get(&link).await;
    assert!(form.text("main").contains(EMAIL));
    let weak = invited
        .submit(
            &link,
            &link,
            &[("password", "motdepasse"), ("confirm", "motdepasse")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.has("#password-error"));
    let p = invited
        .submit(&link, &link, &[("password", NEW), ("confirm", NEW)])
        .await;
    assert_eq!(p.location(), "/connexion/activation");
    assert_eq!(
        app.browser().get(&link).await.status,
        StatusCode::GONE,
        "the link works once"
    );
    assert!(
        !logged_in(&invited).await,
        "no access before the second factor"
    );

    // Enrolment: a QR code drawn on the server, the secret in text.
    let enrol = invited.get("/connexion/activation").await;
    assert_eq!(enrol.status, StatusCode::OK);
    assert!(enrol.has(".qr svg"));
    let again = invited.get("/connexion/activation").await;
    assert_eq!(
        again.text("#secret"),
        enrol.text("#secret"),
        "same secret on reload"
    );
    let secret = totp::secret_from_text(&enrol.text("#secret")).expect("base32 secret");
    // Sealed at rest: neither the secret nor its text is in the row.
    let sealed: Vec<u8> = sqlx::query_scalar("select totp_secret from accounts where email = $1")
        .bind(EMAIL)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!sealed.windows(secret.len()).any(|w| w == secret.as_slice()));
    let wrong = invited
        .submit(
            "/connexion/activation",
            "/connexion/activation",
            &[("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.has("#code-error"));
    let first = code_now(&secret);
    let done = invited
        .submit(
            "/connexion/activation",
            "/connexion/activation",
            &[("code", &first)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let codes = done.texts("#recovery-codes li");
    assert_eq!(codes.len(), 10);
    assert_eq!(done.attr("a.button", "href").as_deref(), Some("/school"));
    // The school's cases are open to the new head teacher.
    let dash = invited.get("/school").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.text(".subtitle").contains("Collège Jean Moulin"));
    let hashes: i64 = sqlx::query_scalar(
        "select count(*) from recovery_codes r join accounts a on a.id = r.account_id where a.email = $1",
    )
    .bind(EMAIL)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(hashes, 10);

    // Next login: password, then a code; the code just used is refused.
    let b = app.browser();
    let p = b
        .submit("/login", "/login", &[("email", EMAIL), ("password", NEW)])
        .await;
    assert_eq!(p.location(), "/connexion/code");
    let reused = b
        .submit("/connexion/code", "/connexion/code", &[("code", &first)])
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert!(reused.text("#code-error").contains("déjà utilisé"));
    assert!(!logged_in(&b).await);
    let p = b
        .submit(
            "/connexion/code",
            "/connexion/code",
            &[("code", &code_next(&secret))],
        )
        .await;
    assert_eq!(p.location(), "/school");
    assert!(logged_in(&b).await);

    // A recovery code works once, typed loosely.
    let c = app.browser();
    c.submit("/login", "/login", &[("email", EMAIL), ("password", NEW)])
        .await;
    let loose = codes[3].to_lowercase().replace('-', " ");
    let p = c
        .submit("/connexion/code", "/connexion/code", &[("code", &loose)])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text("main").contains("Il vous reste 9 codes"));
    assert!(logged_in(&c).await);
    let d = app.browser();
    d.submit("/login", "/login", &[("email", EMAIL), ("password", NEW)])
        .await;
    let p = d
        .submit("/connexion/code", "/connexion/code", &[("code", &codes[3])])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);

    // Every step is in the audit trail, and the owner was told by mail.
    for (action, result, n) in [
        ("invitation_sent", "ok", 1),
        ("invitation_accepted", "ok", 1),
        ("two_factor_enrolled", "denied", 1),
        ("two_factor_enrolled", "ok", 1),
        ("second_factor", "denied", 2),
        ("second_factor", "ok", 2),
    ] {
        let found: i64 = sqlx::query_scalar(
            "select count(*) from audit_log where action = $1 and result = $2 and record_id = (select id from accounts where email = $3)",
        )
        .bind(action)
        .bind(result)
        .bind(EMAIL)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(found, n, "{action} {result}");
    }
    app.deliver(Utc::now()).await;
    assert!(smtp.received().iter().any(|m| {
        m.to == [EMAIL]
            && m.body
                .contains("application d'authentification a été enregistrée")
    }));
    let _ = school;
}

#[tokio::test]
async fn code_attempts_are_limited_per_account() {
    let app = TestApp::spawn().await;
    app.account("cible@example.org", Role::Helpline, &[]).await;
    let b = app.browser();
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", "cible@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), "/connexion/code");
    for _ in 0..10 {
        let p = b
            .submit("/connexion/code", "/connexion/code", &[("code", "123456")])
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    }
    // The right code now waits too, from this browser or another one.
    let right = crate::helpers::next_code(&app.base, "cible@example.org");
    let p = b
        .submit("/connexion/code", "/connexion/code", &[("code", &right)])
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.text("#code-error").contains("Trop de codes"));
    assert!(!logged_in(&b).await);
    // A new budget lets the owner in (the limiter's clock moved on).
    sqlx::query("update rate_limits set tat = tat - interval '30 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let p = b
        .submit("/connexion/code", "/connexion/code", &[("code", &right)])
        .await;
    assert_eq!(p.location(), "/helpline");
}

#[tokio::test]
async fn a_second_factor_reset_by_an_administrator_ends_the_sessions_and_asks_for_a_new_app() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    let admin = app.logged_in(Role::Admin).await;
    let (head, _) = app.head_teacher("0691664K").await;
    let email = "direction-0691664k@example.org";
    let id: uuid::Uuid = sqlx::query_scalar("select id from accounts where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page_url = format!("/admin/accounts/{id}");
    assert!(
        admin
            .get(&page_url)
            .await
            .text("main")
            .contains("Application enregistrée le")
    );
    let p = admin
        .submit(&page_url, &format!("{page_url}/second-factor/reset"), &[])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(!logged_in(&head).await, "sessions end at once");
    assert_eq!(
        app.count("recovery_codes").await,
        20,
        "the admin's own codes only"
    );

    // The next login goes to enrolment, with a new secret.
    let b = app.browser();
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), "/connexion/activation");
    let enrol = b.get("/connexion/activation").await;
    let secret = totp::secret_from_text(&enrol.text("#secret")).unwrap();
    assert_ne!(secret, crate::helpers::TOTP_SECRET);
    let done = b
        .submit(
            "/connexion/activation",
            "/connexion/activation",
            &[("code", &code_now(&secret))],
        )
        .await;
    assert_eq!(done.texts("#recovery-codes li").len(), 10);
    assert!(logged_in(&b).await);
    app.deliver(Utc::now()).await;
    assert!(smtp.received().iter().any(|m| {
        m.to == [email]
            && m.body
                .contains("deuxième facteur de votre compte Vigie a été réinitialisé")
    }));
}

#[tokio::test]
async fn new_recovery_codes_need_a_current_code_and_replace_the_old_ones() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let email = "direction-0691664k@example.org";
    let page = head.get("/compte").await;
    assert!(
        page.text("main")
            .contains("Codes de secours encore utilisables : 20")
    );
    let p = head
        .submit("/compte", "/compte/codes-de-secours", &[("code", "000000")])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.has("#code-error"));
    let code = crate::helpers::next_code(&app.base, email);
    let p = head
        .submit("/compte", "/compte/codes-de-secours", &[("code", &code)])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let codes = p.texts("#recovery-codes li");
    assert_eq!(codes.len(), 10);
    assert_eq!(app.count("recovery_codes").await, 10);
    assert!(
        head.get("/compte")
            .await
            .text("main")
            .contains("utilisables : 10")
    );
}

#[tokio::test]
async fn where_the_operator_turns_it_off_school_staff_sign_in_with_a_password_and_may_enrol() {
    let app = TestApp::spawn_with(|c| c.two_factor.school_staff = false, None).await;
    let school = app.school("0691664K", "Collège").await;
    app.account("p@example.org", Role::SchoolStaff, &[school])
        .await;
    sqlx::query("update accounts set totp_secret = null, totp_enrolled_at = null")
        .execute(&app.db)
        .await
        .unwrap();
    let b = app.browser();
    let p = b
        .submit(
            "/login",
            "/login",
            &[("email", "p@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), "/school");
    let page = b.get("/compte").await;
    assert!(page.text("main").contains("Non activée"));
    let p = b.submit("/compte", "/compte/deux-etapes", &[]).await;
    assert_eq!(p.location(), "/connexion/activation");
    let enrol = b.get("/connexion/activation").await;
    let secret = totp::secret_from_text(&enrol.text("#secret")).unwrap();
    b.submit(
        "/connexion/activation",
        "/connexion/activation",
        &[("code", &code_now(&secret))],
    )
    .await;
    assert!(
        b.get("/compte")
            .await
            .text("main")
            .contains("Active depuis")
    );
    // Enrolled, the code is asked at every login.
    let c = app.browser();
    let p = c
        .submit(
            "/login",
            "/login",
            &[("email", "p@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), "/connexion/code");
    // Helpline accounts need it whatever the setting.
    app.account("agent@example.org", Role::Helpline, &[]).await;
    sqlx::query("update accounts set totp_secret = null, totp_enrolled_at = null where email = 'agent@example.org'")
        .execute(&app.db)
        .await
        .unwrap();
    let p = app
        .browser()
        .submit(
            "/login",
            "/login",
            &[("email", "agent@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(p.location(), "/connexion/activation");
}
