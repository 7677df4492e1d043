//! Each server keeps sessions and the accounts behind them in memory
//! (`auth::cache`): every way a session ends still ends it at once — on the
//! server that made the change before it answers, on every other server as
//! soon as it hears the change announced by PostgreSQL.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

/// The one session stored (the cookie's value).
async fn only_session(app: &TestApp) -> String {
    sqlx::query_scalar("select id from tower_sessions.session")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// GET `path` on `base` with the session cookie `id` given by hand, as a
/// stolen or replayed cookie would be.
async fn with_cookie(base: &str, path: &str, id: &str) -> StatusCode {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}{path}"))
        .header("cookie", format!("vigie_session={id}"))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn logout_on_one_server_ends_the_session_on_every_server() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let (node, node_cache) = app.second_node_and_cache().await;
    let id = only_session(&app).await;
    // Both servers serve it, the second one from memory the second time.
    for base in [b.base(), node.base(), node.base()] {
        assert_eq!(with_cookie(base, "/school", &id).await, StatusCode::OK);
    }
    let p = b.submit("/school", "/logout", &[]).await;
    assert_eq!(p.location(), "/login");
    // The server that logged out forgot it before answering.
    assert_eq!(
        with_cookie(b.base(), "/school", &id).await,
        StatusCode::SEE_OTHER
    );
    // The other one, once it heard the deletion announced.
    node_cache.sync(&app.db).await;
    assert_eq!(
        with_cookie(node.base(), "/school", &id).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("tower_sessions.session").await, 0);
}

#[tokio::test]
async fn deactivation_and_ended_sessions_reach_every_server() {
    let app = TestApp::spawn().await;
    let (head, _) = app.head_teacher("0691664K").await;
    let (node, node_cache) = app.second_node_and_cache().await;
    let head_there = head.on(node.base());
    assert_eq!(head_there.get("/school").await.status, StatusCode::OK);
    assert_eq!(head.get("/school").await.status, StatusCode::OK);

    // The owner ends every session of the account from another browser:
    // this one is refused on both servers.
    let phone = app.browser();
    phone
        .login("direction-0691664k@example.org", PASSWORD)
        .await;
    let p = phone.submit("/compte", "/compte/sessions", &[]).await;
    assert_eq!(p.location(), "/login");
    assert_eq!(head.get("/school").await.status, StatusCode::SEE_OTHER);
    node_cache.sync(&app.db).await;
    assert_eq!(
        head_there.get("/school").await.status,
        StatusCode::SEE_OTHER
    );

    // Signed in again, then deactivated by an administrator on the first
    // server.
    head.login("direction-0691664k@example.org", PASSWORD).await;
    assert_eq!(head_there.get("/school").await.status, StatusCode::OK);
    app.account("admin@example.org", vigie::domain::status::Role::Admin, &[])
        .await;
    let admin = app.browser();
    admin.login("admin@example.org", PASSWORD).await;
    let account: uuid::Uuid = sqlx::query_scalar(
        "select id from accounts where email = 'direction-0691664k@example.org'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let page = format!("/admin/accounts/{account}");
    let off = admin
        .submit(&page, &format!("{page}/deactivate"), &[])
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(head.get("/school").await.status, StatusCode::SEE_OTHER);
    node_cache.sync(&app.db).await;
    assert_eq!(
        head_there.get("/school").await.status,
        StatusCode::SEE_OTHER
    );
}
