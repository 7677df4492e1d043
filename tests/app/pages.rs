//! Lists that can grow page through everything: no case is out of reach.

use std::collections::HashSet;

use crate::helpers::TestApp;

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
