//! Administrators manage accounts in the site: deactivate and reactivate
//! (sessions end at once), attach and detach schools (the dashboard follows
//! at once); every change audited and mailed to the owner.

use chrono::Utc;
use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::{PASSWORD, TestApp};
use crate::smtp::SmtpServer;

#[tokio::test]
async fn an_administrator_moves_a_head_teacher_and_deactivates_the_account() {
    let (smtp, port) = SmtpServer::start(0);
    let app = TestApp::with_smtp(port).await;
    let (head, _) = app.head_teacher("0691664K").await;
    let (other, _) = app.head_teacher("0750656P").await;
    let here = head.open_case(&[], vec![]).await;
    let there = other.open_case(&[], vec![]).await;
    let reference = |id| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("select reference from cases where id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let (ref_here, ref_there) = (reference(here.0).await, reference(there.0).await);
    app.account("admin@example.org", Role::Admin, &[]).await;
    let admin = app.browser();
    admin.login("admin@example.org", PASSWORD).await;

    // The list links to the account; its page shows its school.
    let id_of = |sql: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let account =
        id_of("select id from accounts where email = 'direction-0691664k@example.org'").await;
    let page_url = format!("/admin/accounts/{account}");
    let list = admin.get("/admin/accounts").await;
    assert!(list.has(&format!("a[href='{page_url}']")));
    let page = admin.get(&page_url).await;
    assert!(page.body.contains("0691664K"));

    // Refusals say why and change nothing.
    let bad = admin
        .submit(
            &page_url,
            &format!("{page_url}/schools"),
            &[("uai", "PASUNUAI")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("#uai-error"));
    let unknown = admin
        .submit(
            &page_url,
            &format!("{page_url}/schools"),
            &[("uai", "0130001A")],
        )
        .await;
    assert!(unknown.text("#uai-error").contains("Aucun établissement"));

    // Attached to the second school: its cases appear; detached from the
    // first: its cases are gone at once.
    let done = admin
        .submit(
            &page_url,
            &format!("{page_url}/schools"),
            &[("uai", "0750656P")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let dashboard = head.get("/school").await;
    assert!(dashboard.body.contains(&ref_here) && dashboard.body.contains(&ref_there));
    let first_school = id_of("select id from schools where uai = '0691664K'").await;
    let detach = format!("{page_url}/schools/{first_school}/detach");
    assert!(
        admin
            .get(&page_url)
            .await
            .has(&format!("form[action='{detach}']"))
    );
    assert_eq!(
        admin.submit(&page_url, &detach, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let dashboard = head.get("/school").await;
    assert!(!dashboard.body.contains(&ref_here) && dashboard.body.contains(&ref_there));
    assert_eq!(
        head.get(&format!("/school/cases/{here}")).await.status,
        StatusCode::NOT_FOUND
    );

    // Another role cannot do it.
    let before = app.count("account_schools").await;
    let token = head.get("/school").await.csrf();
    let p = head
        .post_raw(&format!("{page_url}/deactivate"), &[("csrf_token", &token)])
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("account_schools").await, before);

    // Deactivated: the session ends at once, no login; reactivated: back.
    let off = admin
        .submit(&page_url, &format!("{page_url}/deactivate"), &[])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(head.get("/school").await.status, StatusCode::SEE_OTHER);
    let again = app.browser();
    let refused = again
        .submit(
            "/login",
            "/login",
            &[
                ("email", "direction-0691664k@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        admin
            .get("/admin/accounts")
            .await
            .body
            .contains("Désactivé")
    );
    admin
        .submit(&page_url, &format!("{page_url}/reactivate"), &[])
        .await;
    again
        .login("direction-0691664k@example.org", PASSWORD)
        .await;

    // Not one's own account.
    let me = id_of("select id from accounts where email = 'admin@example.org'").await;
    let mine = format!("/admin/accounts/{me}");
    let p = admin
        .submit(&mine, &format!("{mine}/deactivate"), &[])
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#active-error").contains("propre compte"));

    // Audited, and the owner was told each time.
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where record_type = 'account' and action not in ('login', 'second_factor') order by chain_seq",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "school_attached",
            "school_detached",
            "account_deactivated",
            "account_reactivated"
        ]
    );
    app.deliver(Utc::now()).await;
    let told = smtp
        .received()
        .into_iter()
        .filter(|m| {
            m.to == ["direction-0691664k@example.org"]
                && m.subject.contains("votre compte a été modifié")
        })
        .count();
    assert_eq!(told, 4);
}
