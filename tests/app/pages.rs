//! Lists that can grow page through everything: no case is out of reach.

use std::collections::HashSet;

use vigie::domain::ids::SchoolId;

use crate::helpers::{Browser, TestApp};

#[tokio::test]
async fn the_dashboard_pages_through_every_case_in_its_order() {
    let app = TestApp::spawn().await;
    let (head, school) = app.head_teacher("0691664K").await;
    // 250 cases: some waiting for the school, some closed, some in danger,
    // several sharing the same last activity (the id breaks the tie).
    sqlx::query(
        "insert into cases (id, reference, school_id, status, urgency, victim_kind, victim_name, description,
                            last_activity_at)
         select gen_random_uuid(), 'T-' || lpad(i::text, 4, '0'), $1,
                (array['open', 'returned', 'closed', 'awaiting_school', 'open'])[1 + i % 5]::case_status,
                (array['normal', 'danger', 'high'])[1 + i % 3]::urgency, 'pupil', 'V. ' || i, 'Faits',
                now() - make_interval(mins => i / 3)
         from generate_series(1, 250) i",
    )
    .bind(school.0)
    .execute(&app.db)
    .await
    .unwrap();
    let mut page = head.get("/school").await;
    let mut seen: Vec<String> = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        seen.extend(page.texts("table.cases tbody tr td:first-child a"));
        let Some(next) = page.attr("a.button[href*='apres=']", "href") else {
            break;
        };
        page = head.get(&next).await;
    }
    assert_eq!(pages, 3, "100 + 100 + 50");
    assert_eq!(seen.len(), 250);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        250,
        "each case once"
    );
    // The order holds across pages: what waits for the school first, closed last.
    let (first, last) = (seen[0].clone(), seen[249].clone());
    let statuses: Vec<(String, String)> =
        sqlx::query_as("select reference, status::text from cases where reference = any($1)")
            .bind(vec![first.clone(), last.clone()])
            .fetch_all(&app.db)
            .await
            .unwrap();
    let of = |r: &str| statuses.iter().find(|(x, _)| x == r).unwrap().1.clone();
    assert!(["returned", "awaiting_school"].contains(&of(&first).as_str()));
    assert_eq!(of(&last), "closed");
    // A status filter pages too, and keeps its filter: 100 open cases make
    // one full page, then an empty one.
    let p = head.get("/school?status=open").await;
    assert_eq!(p.texts("table.cases tbody tr").len(), 100);
    let next = p.attr("a.button[href*='apres=']", "href").unwrap();
    assert!(next.contains("status=open"));
    assert!(
        head.get(&next)
            .await
            .texts("table.cases tbody tr")
            .is_empty()
    );
}

/// Follows the "next" links from `path`; returns the first cell of every
/// row of `table` on every page, and the number of pages.
async fn walk(b: &crate::helpers::Browser, path: &str, table: &str) -> (Vec<String>, usize) {
    let mut page = b.get(path).await;
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        pages += 1;
        seen.extend(page.texts(&format!("{table} tbody tr td:first-child")));
        let Some(next) = page.attr("a.button[href*='apres=']", "href") else {
            break;
        };
        page = b.get(&next.replace("&amp;", "&")).await;
    }
    (seen, pages)
}

#[tokio::test]
async fn administrators_page_through_every_school_account_and_unsent_mail() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in(vigie::domain::status::Role::Admin).await;
    sqlx::query(
        "insert into schools (id, uai, name, town, academie)
         select gen_random_uuid(), lpad(i::text, 7, '0') || 'X', 'Collège ' || (i % 7), 'Ville', 'Académie ' || (i % 3)
         from generate_series(1, 250) i",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (schools, pages) = walk(&admin, "/admin/schools", "table.admin-schools").await;
    assert_eq!((schools.len(), pages), (250, 3));
    assert_eq!(
        schools.iter().collect::<HashSet<_>>().len(),
        250,
        "each school once"
    );
    assert!(
        admin
            .get("/admin/schools")
            .await
            .text("main")
            .contains("250 établissements")
    );
    // A search pages too, and keeps its words.
    let (found, _) = walk(
        &admin,
        "/admin/schools?q=Coll%C3%A8ge+3",
        "table.admin-schools",
    )
    .await;
    let expected: i64 = sqlx::query_scalar("select count(*) from schools where name = 'Collège 3'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(found.len() as i64, expected);

    sqlx::query(
        "insert into accounts (id, email, display_name, role, password_hash)
         select gen_random_uuid(), 'agent' || i || '@example.org', 'Agent ' || i, 'helpline', 'x'
         from generate_series(1, 249) i",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (accounts, pages) = walk(&admin, "/admin/accounts", "table.admin-accounts").await;
    assert_eq!((accounts.len(), pages), (250, 3));
    assert_eq!(accounts.iter().collect::<HashSet<_>>().len(), 250);

    sqlx::query(
        "insert into outbox (message_id, kind, to_address, subject, body_text, status, created_at)
         select '<m' || i || '@t>', 'referral', 'desk@example.org', 'Sujet ' || i, 'x', 'dead', now() - make_interval(secs => i % 10)
         from generate_series(1, 250) i",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (mails, pages) = walk(&admin, "/admin/mail", "table").await;
    assert_eq!((mails.len(), pages), (250, 3));
    assert_eq!(mails.iter().collect::<HashSet<_>>().len(), 250);
}

/// The dashboard's count of cases per status (its filter) against a count
/// of the cases themselves.
async fn shown_and_counted(app: &TestApp, b: &Browser, school: SchoolId) {
    let page = b.get("/school").await;
    for status in ["open", "awaiting_school", "closed"] {
        let counted: i64 = sqlx::query_scalar(
            "select count(*) from cases c join accounts a on a.email = 'direction-0691664k@example.org'
             where c.school_id = $1 and c.status = $2::case_status
               and (not c.restricted or exists (select 1 from case_access x where x.case_id = c.id and x.account_id = a.id))",
        )
        .bind(school.0)
        .bind(status)
        .fetch_one(&app.db)
        .await
        .unwrap();
        let option = page.text(&format!("select[name=status] option[value={status}]"));
        assert!(
            option.ends_with(&format!("({counted})")),
            "{status}: {option} / {counted}"
        );
    }
}

#[tokio::test]
async fn the_dashboard_counts_each_status_as_the_cases_stand() {
    let app = TestApp::spawn().await;
    let (b, school) = app.head_teacher("0691664K").await;
    let cases = [
        b.open_case(&[], vec![]).await,
        b.open_case(&[], vec![]).await,
        b.open_case(&[], vec![]).await,
        b.open_case(&[], vec![]).await,
    ];
    // Changed behind the site's back: a question, a closure, a case
    // restricted to its reader and one restricted to someone else.
    for (sql, case) in [
        (
            "update cases set status = 'awaiting_school', referred_at = now() where id = $1",
            cases[0],
        ),
        (
            "update cases set status = 'closed', closed_at = now(), outcome = 'resolved' where id = $1",
            cases[1],
        ),
        ("update cases set restricted = true where id = $1", cases[2]),
        (
            "insert into case_access select $1, id from accounts where email = 'direction-0691664k@example.org'",
            cases[2],
        ),
        ("update cases set restricted = true where id = $1", cases[3]),
    ] {
        sqlx::query(sql)
            .bind(case.0)
            .execute(&app.db)
            .await
            .unwrap();
    }
    shown_and_counted(&app, &b, school).await;
    assert!(vigie::db::cases::fold_status_counts(&app.db).await.unwrap() > 0);
    shown_and_counted(&app, &b, school).await;
    sqlx::query("update cases set restricted = false where id = $1")
        .bind(cases[3].0)
        .execute(&app.db)
        .await
        .unwrap();
    shown_and_counted(&app, &b, school).await;
    let page = b.get("/school").await;
    assert!(
        page.text("select[name=status] option[value=open]")
            .ends_with("(2)")
    );
}
