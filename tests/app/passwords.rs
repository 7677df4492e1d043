//! An owner and their password: "forgotten" by mail (single-use link, an
//! hour, the same answer for unknown addresses), changed from "Mon compte",
//! every session ended; mails checked on the real SMTP listener.

use chrono::Utc;
use reqwest::StatusCode;
use sha2::Digest;

use crate::helpers::{Browser, PASSWORD, TestApp};
use crate::smtp::SmtpServer;

const EMAIL: &str = "direction-0691664k@example.org";
const NEW: &str = "girafe tambour nuage poivre";

/// Whether the browser is still logged in.
async fn logged_in(b: &Browser) -> bool {
    b.get("/compte").await.status == StatusCode::OK
}

async fn ask_link(b: &Browser, email: &str) -> crate::helpers::Page {
    b.submit(
        "/mot-de-passe-oublie",
        "/mot-de-passe-oublie",
        &[("email", email)],
    )
    .await
}

/// The reset path in the last mail to EMAIL with that subject.
fn link_in(smtp: &SmtpServer) -> String {
    let mail = smtp
        .received()
        .into_iter()
        .rev()
        .find(|m| m.subject.contains("nouveau mot de passe"))
        .expect("a reset mail");
    assert_eq!(mail.to, [EMAIL]);
    let start = mail
        .body
        .find("https://vigie.example.org/mot-de-passe/")
        .unwrap();
    let url: String = mail.body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    url.trim_start_matches("https://vigie.example.org")
        .to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_by_a_single_use_link_that_ends_every_session() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    let (other_session, _) = app.head_teacher("0691664K").await;
    let anyone = app.browser();
    let login = anyone.get("/login").await;
    assert!(login.has("a[href='/mot-de-passe-oublie']"));

    // The same answer whether the address has an account or not.
    let known = ask_link(&anyone, EMAIL).await;
    let unknown = ask_link(&anyone, "personne@example.org").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(known.text(".notice"), unknown.text(".notice"));
    assert!(
        known
            .text(".notice")
            .contains("Si un compte Vigie utilise cette adresse")
    );
    assert_eq!(
        app.deliver(Utc::now()).await,
        1,
        "one mail, to the account only"
    );
    let link = link_in(&smtp);
    let token = link.trim_start_matches("/mot-de-passe/");
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select token_hash from account_tokens")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        stored,
        [sha2::Sha256::digest(token.as_bytes()).to_vec()],
        "only a hash"
    );
    let kept: i64 = sqlx::query_scalar(
        "select count(*) from outbox where position($1 in body_text) > 0 or position($1 in body_html) > 0",
    )
    .bind(token)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(kept, 0, "a sent reset link is not kept in the outbox");

    // Opening the link uses nothing; a refused password keeps it usable.
    assert_eq!(anyone.get(&link).await.status, StatusCode::OK);
    let form = anyone.get(&link).await;
    assert!(form.has("input#password[autocomplete='new-password']"));
    let weak = anyone
        .submit(
            &link,
            &link,
            &[("password", "password1234"), ("confirm", "password1234")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text("#password-error").contains("plus utilisés"));
    let mismatch = anyone
        .submit(
            &link,
            &link,
            &[("password", NEW), ("confirm", "autre chose encore")],
        )
        .await;
    assert!(mismatch.text("#confirm-error").contains("pas identiques"));
    let done = anyone
        .submit(&link, &link, &[("password", NEW), ("confirm", NEW)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.text(".notice")
            .contains("Votre mot de passe est enregistré")
    );

    // Used once; every session ended; only the new password works.
    // (the used link's page has no form: the token comes from another page)
    let token = anyone.get("/login").await.csrf();
    let fields = [
        ("csrf_token", token.as_str()),
        ("password", NEW),
        ("confirm", NEW),
    ];
    let again = anyone.post_raw(&link, &fields).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.text("h1").contains("n'est plus valable"));
    assert!(!logged_in(&other_session).await);
    let fresh = app.browser();
    let refused = fresh
        .submit(
            "/login",
            "/login",
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    fresh.login(EMAIL, NEW).await;
    app.deliver(Utc::now()).await;
    assert!(
        smtp.received()
            .iter()
            .any(|m| m.to == [EMAIL] && m.subject.contains("votre mot de passe a été changé"))
    );

    // An expired link is refused; the audit trail has each step.
    ask_link(&anyone, EMAIL).await;
    app.deliver(Utc::now()).await;
    let late = link_in(&smtp);
    assert_ne!(late, link);
    sqlx::query("update account_tokens set expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(anyone.get(&late).await.status, StatusCode::GONE);
    let steps: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'password%' order by chain_seq",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        steps,
        [
            "password_reset_asked",
            "password_reset",
            "password_reset_asked"
        ]
    );

    // Asking again and again for one address is slowed down.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(ask_link(&anyone, EMAIL).await.status);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn the_owner_changes_the_password_and_ends_every_session() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let c = app.browser();
    c.login(EMAIL, PASSWORD).await;
    let page = b.get("/compte").await;
    assert!(page.body.contains(EMAIL) && page.body.contains("Collège 0691664K"));
    assert!(b.get("/school").await.has("a[href='/compte']"));

    let wrong = b
        .submit(
            "/compte",
            "/compte/mot-de-passe",
            &[
                ("current", "pas le bon mot de passe"),
                ("password", NEW),
                ("confirm", NEW),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text("#current-error")
            .contains("pas votre mot de passe actuel")
    );
    let personal = "direction-0691664k et mon chat";
    let refused = b
        .submit(
            "/compte",
            "/compte/mot-de-passe",
            &[
                ("current", PASSWORD),
                ("password", personal),
                ("confirm", personal),
            ],
        )
        .await;
    assert!(refused.text("#password-error").contains("votre adresse"));
    let changed = b
        .submit(
            "/compte",
            "/compte/mot-de-passe",
            &[("current", PASSWORD), ("password", NEW), ("confirm", NEW)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(
        changed
            .text(".notice")
            .contains("Votre mot de passe est changé")
    );
    // This session goes on; the other one is over.
    assert!(logged_in(&b).await);
    assert!(!logged_in(&c).await);

    // "Log out everywhere" from a new session ends both.
    c.login(EMAIL, NEW).await;
    let out = c.submit("/compte", "/compte/sessions", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!logged_in(&c).await);
    assert!(!logged_in(&b).await);

    // A deactivated account's session ends at its next request.
    let d = app.browser();
    d.login(EMAIL, NEW).await;
    assert!(logged_in(&d).await);
    sqlx::query("update accounts set active = false")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(!logged_in(&d).await);
}
