//! Figures as charts, tables and CSV: helpline supervision (the queue now:
//! unclaimed by age, danger, each agent's load; claims and returns per
//! week) and platform outcomes, for the desk and national administrators
//! only; a school's own figures with small counts masked.

use reqwest::StatusCode;
use vigie::domain::status::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_desk_sees_its_queue_by_age_its_load_and_its_weeks() {
    let app = TestApp::spawn().await;
    let (school, _) = app.head_teacher("0691664K").await;
    let mut cases = Vec::new();
    for urgency in ["danger", "high", "normal", "normal"] {
        let case = school.open_case(&[("urgency", urgency)], vec![]).await;
        let page = format!("/school/cases/{case}");
        let p = school
            .submit(&page, &format!("{page}/refer"), &[("note", "")])
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        cases.push(case);
    }
    // Ages: the danger case waits for 2 days, one case for 5 days.
    for (case, age) in [(cases[0], "2 days"), (cases[3], "5 days")] {
        sqlx::query(&format!(
            "update cases set referred_at = now() - interval '{age}' where id = $1"
        ))
        .bind(case.0)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let agent = app.logged_in(Role::Helpline).await;
    // One claimed and returned, one claimed and kept.
    for case in [cases[1], cases[2]] {
        let h = format!("/helpline/cases/{case}");
        let p = agent.submit(&h, &format!("{h}/claim"), &[]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
    }
    let h = format!("/helpline/cases/{}", cases[1]);
    let p = agent
        .submit(&h, &format!("{h}/return"), &[("text", "Comptes fermés.")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let page = agent.get("/helpline/supervision").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text("#attente-titre").contains(": 2"),
        "{}",
        page.text("#attente-titre")
    );
    let ages = page.texts("#attente-titre ~ .table-wrap tbody td");
    assert_eq!(ages, ["0", "0", "1", "1"]);
    assert!(
        page.text(".warning")
            .contains("1 dossier signalé « danger » en attente")
    );
    let load = page.texts("#charge-titre ~ .table-wrap tbody td");
    assert_eq!(
        load,
        ["1", "0", "0"],
        "one case in hand, not danger, not waiting"
    );
    // The chart and its table: this week, 2 claims and 1 return.
    assert!(page.has("svg[role=img] title"));
    assert_eq!(page.texts("svg rect").len(), 24, "12 weeks × 2 series");
    let this_week = page.texts("#semaines-titre ~ details tbody tr:last-child td");
    assert_eq!(this_week, ["2", "1"]);
    let (status, headers, body) = agent.get_bytes("/helpline/supervision.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = String::from_utf8(body.to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 13);
    assert!(csv.lines().last().unwrap().ends_with(";2;1"), "{csv}");

    // National administrators see it; school staff and académie
    // administrators do not.
    let admin = app.logged_in(Role::Admin).await;
    assert_eq!(
        admin.get("/helpline/supervision").await.status,
        StatusCode::OK
    );
    assert_eq!(
        school.get("/helpline/supervision").await.status,
        StatusCode::NOT_FOUND
    );
    let b = app.lyon_administrator().await;
    assert_eq!(
        b.get("/helpline/supervision").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get("/helpline/supervision.csv").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn platforms_answers_are_counted_per_platform_and_request_with_their_delays() {
    let app = TestApp::spawn().await;
    let (school, _) = app.head_teacher("0691664K").await;
    let case = school.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");
    school
        .submit(&s, &format!("{s}/refer"), &[("note", "")])
        .await;
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    let page = agent.get(&h).await;
    let target = page
        .attr("#request_target option:nth-child(2)", "value")
        .unwrap();
    // Three requests sent 40 days ago: obtained after 4 days, refused after
    // 2, and one still pending (late).
    let sent = chrono::Utc::now().date_naive() - chrono::Days::new(40);
    let day = |d: u64| (sent + chrono::Days::new(d)).format("%Y-%m-%d").to_string();
    for kind in ["account_closure", "content_removal", "data_preservation"] {
        let p = agent
            .submit(
                &h,
                &format!("{h}/requests"),
                &[
                    ("target", &target),
                    ("kind", kind),
                    ("sent_on", &day(0)),
                    ("reference", ""),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let page = agent.get(&h).await;
    let forms: Vec<String> = page
        .html()
        .select(&scraper::Selector::parse("table.requests form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect();
    assert_eq!(forms.len(), 3);
    for (action, outcome, after) in [(&forms[0], "done", 4), (&forms[1], "refused", 2)] {
        let p = agent
            .submit(
                &h,
                action,
                &[("outcome", outcome), ("outcome_on", &day(after))],
            )
            .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }

    app.refresh_statistics().await;
    let period = format!(
        "annee={}&mois={}",
        chrono::Datelike::year(&sent),
        chrono::Datelike::month(&sent)
    );
    let page = agent.get(&format!("/helpline/plateformes?{period}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("table.platforms tbody tr").len(), 3);
    assert!(page.has("svg[role=img]"));
    let (status, _, body) = agent
        .get_bytes(&format!("/helpline/plateformes.csv?{period}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(body.to_vec()).unwrap();
    let line = |kind: &str| {
        csv.lines()
            .find(|l| l.contains(kind))
            .unwrap_or_else(|| panic!("no {kind} in {csv}"))
            .split(';')
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line("Fermeture du compte"),
        [
            "Instagram",
            "Fermeture du compte",
            "1",
            "1",
            "0",
            "0",
            "0",
            "0",
            "4,0",
            "4,0"
        ]
    );
    assert_eq!(
        line("Retrait du contenu"),
        [
            "Instagram",
            "Retrait du contenu",
            "1",
            "0",
            "1",
            "0",
            "0",
            "0",
            "2,0",
            "2,0"
        ]
    );
    assert_eq!(
        line("Conservation des données"),
        [
            "Instagram",
            "Conservation des données",
            "1",
            "0",
            "0",
            "0",
            "1",
            "1",
            "—",
            "—"
        ]
    );
    // Another period: nothing.
    let empty = agent.get("/helpline/plateformes?annee=2020").await;
    assert!(empty.text("main").contains("Aucune demande envoyée"));
    // Not for school staff.
    assert_eq!(
        school.get("/helpline/plateformes").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_school_sees_its_own_figures_with_small_counts_masked() {
    let app = TestApp::spawn().await;
    let (school, _) = app.head_teacher("0691664K").await;
    let (other, _) = app.head_teacher("0750656P").await;
    other.open_case(&[], vec![]).await;
    for i in 0..6 {
        let extra: &[(&str, &str)] = if i == 0 {
            &[("platforms", "tiktok")]
        } else {
            &[]
        };
        let case = school.open_case(extra, vec![]).await;
        if i < 2 {
            let page = format!("/school/cases/{case}");
            school
                .submit(&page, &format!("{page}/refer"), &[("note", "")])
                .await;
        }
    }
    app.refresh_statistics().await;
    let page = school.get("/school/chiffres").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text("#total-cases"),
        "6",
        "the other school's case is not counted"
    );
    assert_eq!(page.text("#total-referred"), "< 5");
    assert!(
        !page.text("#total-titre ~ ul").contains('%'),
        "no share from a small count"
    );
    assert_eq!(page.texts("table.months tbody tr:last-child td"), ["6"]);
    let platforms = page.texts("table.by-platform tbody tr");
    assert!(
        platforms
            .iter()
            .any(|r| r.contains("Snapchat") && r.ends_with('6')),
        "{platforms:?}"
    );
    assert!(
        platforms
            .iter()
            .any(|r| r.contains("TikTok") && r.ends_with("< 5")),
        "{platforms:?}"
    );
    assert_eq!(page.texts("svg rect").len(), 36);
    let (status, _, body) = school.get_bytes("/school/chiffres.csv").await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(body.to_vec()).unwrap();
    assert!(csv.contains("total;transmis à e-Enfance;< 5\r\n"), "{csv}");
    assert!(csv.contains("plateforme;TikTok;< 5\r\n"), "{csv}");
    assert!(csv.contains("total;dossiers;6\r\n"), "{csv}");
    assert!(!csv.contains(";1\r\n") && !csv.contains(";2\r\n"), "{csv}");
    let agent = app.logged_in(Role::Helpline).await;
    assert_eq!(
        agent.get("/school/chiffres").await.status,
        StatusCode::NOT_FOUND
    );
}
