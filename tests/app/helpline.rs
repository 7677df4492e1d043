//! The helpline: queue, claim, the procedure's actions, scope.

use reqwest::StatusCode;
use vigie::domain::ids::CaseId;
use vigie::domain::status::Role;

use crate::helpers::{Browser, TestApp};

async fn referred_case(app: &TestApp, uai: &str, extra: &[(&str, &str)]) -> (Browser, CaseId) {
    let (b, _) = app.head_teacher(uai).await;
    let case = b.open_case(extra, vec![]).await;
    let page = format!("/school/cases/{case}");
    let p = b
        .submit(&page, &format!("{page}/refer"), &[("note", "")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    (b, case)
}

#[tokio::test]
async fn the_whole_procedure_from_referral_to_closure() {
    let app = TestApp::spawn().await;
    let (school, case) = referred_case(&app, "0691664K", &[]).await;
    let agent = app.logged_in(Role::Helpline).await;

    // The queue lists the case.
    let queue = agent.get("/helpline").await;
    let rows = queue.texts("table.queue tbody tr");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].contains("Collège 0691664K")
            && rows[0].contains("Non attribué")
            && rows[0].contains("Snapchat, Instagram")
    );
    let h = format!("/helpline/cases/{case}");
    let s = format!("/school/cases/{case}");

    // Claim.
    assert_eq!(
        agent
            .submit(&h, &format!("{h}/claim"), &[])
            .await
            .location(),
        format!("{h}#actions")
    );
    let page = agent.get(&h).await;
    assert_eq!(
        page.texts(".status-in_progress"),
        vec!["Pris en charge par e-Enfance"]
    );

    // Advice, a platform request on the case's target, its outcome.
    let p = agent
        .submit(
            &h,
            &format!("{h}/advice"),
            &[
                ("kind", "technical"),
                ("advice", "Bloquer le compte et signaler la publication."),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let target = page
        .attr("#request_target option:nth-child(2)", "value")
        .unwrap();
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let p = agent
        .submit(
            &h,
            &format!("{h}/requests"),
            &[
                ("target", &target),
                ("kind", "account_closure"),
                ("sent_on", &today),
                ("reference", "IG-4471"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = agent.get(&h).await;
    let request = page.text("table.requests tbody tr");
    assert!(
        request.contains("Instagram")
            && request.contains("Fermeture du compte")
            && request.contains("IG-4471")
            && request.contains("En attente depuis 0 jour"),
        "{request}"
    );
    let outcome_action = page.attr("table.requests form", "action").unwrap();
    let p = agent
        .submit(
            &h,
            &outcome_action,
            &[("outcome", "done"), ("outcome_on", &today)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // Pharos and an intervention.
    assert_eq!(
        agent
            .submit(
                &h,
                &format!("{h}/escalation"),
                &[("reference", "PHAROS-2026-123"), ("escalated_on", &today)]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        agent
            .submit(
                &h,
                &format!("{h}/intervention"),
                &[
                    ("proposed_on", "2027-01-15"),
                    ("topic", "Usages des réseaux sociaux en 4e")
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // A question: the school must answer; its dashboard puts the case first.
    assert_eq!(
        agent
            .submit(
                &h,
                &format!("{h}/question"),
                &[("text", "La famille a-t-elle porté plainte ?")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let dash = school.get("/school").await;
    assert!(dash.text("table.cases tbody tr").contains("Question posée"));
    let page = school.get(&s).await;
    assert!(
        page.text(".notice")
            .contains("La famille a-t-elle porté plainte ?")
    );
    assert_eq!(
        school
            .submit(
                &s,
                &format!("{s}/answer"),
                &[("note", "Oui, hier au commissariat.")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    // Return with conclusions.
    let p = agent
        .submit(
            &h,
            &format!("{h}/return"),
            &[(
                "text",
                "Compte fermé par Instagram ; signalement Pharos fait.",
            )],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let page = school.get(&s).await;
    assert_eq!(
        page.texts(".status-returned"),
        vec!["Retourné par e-Enfance"]
    );
    let request = page.text("table.requests tbody tr");
    assert!(
        request.contains("Obtenu le") && request.contains("(0 jour)"),
        "the school sees the outcome: {request}"
    );

    // Sanction and closure.
    let p = school
        .submit(
            &s,
            &format!("{s}/sanctions"),
            &[
                ("kind", "responsibility_measure"),
                ("decided_on", &today),
                ("note", "Travail sur le respect en ligne"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = school
        .submit(&s, &format!("{s}/close"), &[("outcome", "sanctioned")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    let page = school.get(&s).await;
    assert!(
        page.text("#sanctions")
            .contains("Mesure de responsabilisation")
    );
    assert_eq!(
        page.texts(".timeline .event-head strong"),
        vec![
            "Dossier ouvert",
            "Transmis à e-Enfance",
            "Pris en charge par e-Enfance",
            "Conseil donné",
            "Demande à une plateforme",
            "Réponse d'une plateforme",
            "Signalement à Pharos / OCLCTIC",
            "Intervention proposée",
            "Question à l'établissement",
            "Réponse de l'établissement",
            "Retourné à l'établissement",
            "Sanction éducative",
            "Dossier clos",
        ]
    );
    // Returned, the case is the school's again: the helpline no longer reads it.
    assert_eq!(agent.get(&h).await.status, StatusCode::NOT_FOUND);
    assert!(agent.get("/helpline").await.has("p.empty"));
}

#[tokio::test]
async fn helpline_access_ends_with_the_return_and_comes_back_with_a_new_referral() {
    let app = TestApp::spawn().await;
    let (school, case) = referred_case(&app, "0691664K", &[]).await;
    let agent = app.logged_in(Role::Helpline).await;
    let (h, s) = (
        format!("/helpline/cases/{case}"),
        format!("/school/cases/{case}"),
    );
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    let p = agent
        .submit(
            &h,
            &format!("{h}/return"),
            &[("text", "Conclusions : compte fermé.")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let evidence: uuid::Uuid = sqlx::query_scalar("select id from evidence limit 1")
        .fetch_optional(&app.db)
        .await
        .unwrap()
        .unwrap_or_default();
    for (action, fields) in [
        ("close", vec![("outcome", "resolved")]),
        ("reopen", vec![]),
        (
            "notes",
            vec![("note", "Le père de l'élève a appelé : menaces reprises.")],
        ),
    ] {
        let p = school.submit(&s, &format!("{s}/{action}"), &fields).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{action}");
    }
    // What the school wrote after the return stays the school's.
    let p = agent.get(&h).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(!p.body.contains("menaces reprises"));
    let file = format!("/cases/{case}/evidence/{evidence}");
    assert_eq!(agent.get(&file).await.status, StatusCode::NOT_FOUND);
    for filter in ["", "?status=open", "?status=closed", "?status=returned"] {
        let queue = agent.get(&format!("/helpline{filter}")).await;
        assert!(queue.has("p.empty"), "queue{filter} is empty");
    }
    // Referred again, the case is the helpline's again.
    let p = school
        .submit(&s, &format!("{s}/refer"), &[("note", "")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = agent.get(&h).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("menaces reprises"),
        "the school sent it with the case"
    );
    assert_eq!(
        agent
            .get("/helpline")
            .await
            .texts("table.queue tbody tr")
            .len(),
        1
    );
}

#[tokio::test]
async fn when_two_agents_claim_at_once_one_wins_and_the_other_is_told_who() {
    let app = TestApp::spawn().await;
    let (_, case) = referred_case(&app, "0691664K", &[]).await;
    let a = app.logged_in(Role::Helpline).await;
    let b = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    let (ta, tb) = (a.get(&h).await.csrf(), b.get(&h).await.csrf());
    let claim = format!("{h}/claim");
    let (fa, fb) = ([("csrf_token", ta.as_str())], [("csrf_token", tb.as_str())]);
    let (ra, rb) = tokio::join!(a.post_raw(&claim, &fa), b.post_raw(&claim, &fb));
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    let loser = if ra.status == StatusCode::CONFLICT {
        &ra
    } else {
        &rb
    };
    assert!(
        loser
            .text("main")
            .contains("vient d'être pris en charge par helpline-"),
        "{}",
        loser.body
    );
    let claimed: i64 =
        sqlx::query_scalar("select count(*) from case_events where kind = 'claimed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn the_helpline_sees_only_referred_cases_and_only_the_claimer_acts() {
    let app = TestApp::spawn().await;
    let (school, case) = referred_case(&app, "0691664K", &[]).await;
    let unreferred = school.open_case(&[], vec![]).await;
    let a = app.logged_in(Role::Helpline).await;
    let other = app.logged_in(Role::Helpline).await;
    assert_eq!(
        a.get(&format!("/helpline/cases/{unreferred}")).await.status,
        StatusCode::NOT_FOUND
    );
    let h = format!("/helpline/cases/{case}");

    // School staff cannot take helpline actions, even on their own case.
    let p = school.submit("/school", &format!("{h}/claim"), &[]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // Nobody records before claiming.
    let p = a
        .submit(
            &h,
            &format!("{h}/advice"),
            &[("kind", "legal"), ("advice", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);

    a.submit(&h, &format!("{h}/claim"), &[]).await;
    // Another agent may not act on a case someone holds...
    let p = other
        .submit(
            &h,
            &format!("{h}/advice"),
            &[("kind", "legal"), ("advice", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.text("main").contains("Seul l'écoutant"));
    let p = other
        .submit(&h, &format!("{h}/return"), &[("text", "x")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // ...and the school may no longer withdraw it.
    let s = format!("/school/cases/{case}");
    let p = school.submit(&s, &format!("{s}/withdraw"), &[]).await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    // The status machine refuses out-of-turn moves on the server.
    let p = school
        .submit(&s, &format!("{s}/answer"), &[("note", "rien")])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p = school
        .submit(&s, &format!("{s}/close"), &[("outcome", "resolved")])
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let agents_page = a.get(&h).await;
    assert!(agents_page.has(&format!("form[action='{h}/release']")));
    assert!(
        !other
            .get(&h)
            .await
            .has(&format!("form[action='{h}/release']")),
        "the form is offered only to the claimer"
    );

    // Reassign to the other agent: now they act.
    let other_id: uuid::Uuid = sqlx::query_scalar("select id from accounts where role = 'helpline' and id <> (select claimed_by from cases where id = $1)")
        .bind(case.0)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let p = a
        .submit(
            &h,
            &format!("{h}/reassign"),
            &[("agent", &other_id.to_string())],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = other
        .submit(
            &h,
            &format!("{h}/advice"),
            &[("kind", "legal"), ("advice", "Conserver les preuves.")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let nothing =
        sqlx::query_scalar::<_, i64>("select count(*) from case_events where kind = 'advice'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(nothing, 1);
}

#[tokio::test]
async fn a_withdrawn_referral_leaves_the_helpline() {
    let app = TestApp::spawn().await;
    let (school, case) = referred_case(&app, "0691664K", &[]).await;
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    assert_eq!(agent.get(&h).await.status, StatusCode::OK);
    let s = format!("/school/cases/{case}");
    assert_eq!(
        school
            .submit(
                &s,
                &format!("{s}/withdraw"),
                &[("note", "Réglé en interne")]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(agent.get(&h).await.status, StatusCode::NOT_FOUND);
    assert!(agent.get("/helpline").await.has("p.empty"));
}

#[tokio::test]
async fn helpline_forms_with_errors_keep_what_was_typed() {
    let app = TestApp::spawn().await;
    let (_, case) = referred_case(&app, "0691664K", &[]).await;
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    let p = agent
        .submit(
            &h,
            &format!("{h}/requests"),
            &[
                ("target", "new"),
                ("value", "@compte"),
                ("kind", ""),
                ("sent_on", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#request_platform-error").contains("plateforme"));
    assert!(p.text("#request_kind-error").contains("type de demande"));
    assert!(p.text("#request_sent_on-error").contains("futur"));
    assert_eq!(
        p.attr("#request_value", "value").as_deref(),
        Some("@compte")
    );
    assert_eq!(app.count("platform_requests").await, 0);
    assert_eq!(
        app.count("online_targets").await,
        1,
        "no half-stored new target"
    );
}

/// Inserts `n` referred cases directly, `minutes_ago` apart, for queue tests.
async fn seed_queue(app: &TestApp, n: i64) {
    let uai = vigie::domain::values::Uai::parse("0130001A").unwrap();
    let school = vigie::db::schools::upsert_school(
        &app.db,
        &uai,
        "Collège Marseille",
        "Marseille",
        "Aix-Marseille",
    )
    .await
    .unwrap();
    sqlx::query(
        r#"insert into cases (id, reference, school_id, status, urgency, victim_kind, victim_name, description,
                              platforms, kinds, referred_at)
           select gen_random_uuid(), '2026-' || lpad(i::text, 6, '0'), $1, 'referred',
                  case when i % 10 = 0 then 'danger' else 'normal' end::urgency, 'pupil', 'X', 'Des faits décrits.',
                  case when i % 2 = 0 then array['tiktok'] else array['discord'] end, array['insults'],
                  now() - make_interval(hours => i::int)
           from generate_series(1, $2) as i"#,
    )
    .bind(school.0)
    .bind(n)
    .execute(&app.db)
    .await
    .unwrap();
    // The references above were made by hand: move the sequence past them.
    sqlx::query("select setval('case_reference_seq', 1000)")
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_queue_puts_danger_first_then_the_oldest_pages_by_keyset_and_filters() {
    let app = TestApp::spawn().await;
    seed_queue(&app, 60).await;
    let (_, other) = referred_case(&app, "0691664K", &[("urgency", "high")]).await;
    let agent = app.logged_in(Role::Helpline).await;

    let first = agent.get("/helpline").await;
    let refs: Vec<String> = first.texts("table.queue tbody tr td:nth-child(2) a");
    assert_eq!(refs.len(), 50);
    // Danger (i multiple of 10) first, oldest referral first: 60, 50, …, 10.
    assert_eq!(
        &refs[..6],
        [
            "2026-000060",
            "2026-000050",
            "2026-000040",
            "2026-000030",
            "2026-000020",
            "2026-000010"
        ]
    );
    assert_eq!(refs[6], "2026-000059");
    let next = first.attr(".pager a.button", "href").expect("a next page");
    let second = agent.get(&next.replace("&amp;", "&")).await;
    let refs2 = second.texts("table.queue tbody tr td:nth-child(2) a");
    assert_eq!(refs2.len(), 11);
    assert!(refs2.last().unwrap() != "2026-000001" || refs2.len() == 11);
    assert!(!refs2.iter().any(|r| refs.contains(r)), "no row twice");
    assert!(second.has(".pager a"), "a way back to the start");

    let danger = agent.get("/helpline?urgency=danger").await;
    assert_eq!(danger.texts("table.queue tbody tr").len(), 6);
    let tiktok = agent.get("/helpline?platform=tiktok").await;
    assert_eq!(tiktok.texts("table.queue tbody tr").len(), 30);
    let lyon = agent.get("/helpline?academie=Lyon").await;
    let lyon_rows = lyon.texts("table.queue tbody tr");
    assert_eq!(lyon_rows.len(), 1);
    assert!(lyon_rows[0].contains("Collège 0691664K"));
    let by_uai = agent.get("/helpline?uai=0691664k").await;
    assert_eq!(by_uai.texts("table.queue tbody tr").len(), 1);
    let by_name = agent.get("/helpline?q=marseille").await;
    assert_eq!(by_name.texts("table.queue tbody tr").len(), 50);
    let by_ref = agent.get("/helpline?q=2026-000033").await;
    assert_eq!(
        by_ref.texts("table.queue tbody tr td:nth-child(2) a"),
        vec!["2026-000033"]
    );

    let h = format!("/helpline/cases/{other}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    let mine = agent.get("/helpline?assigned=mine").await;
    assert_eq!(mine.texts("table.queue tbody tr").len(), 1);
    let unassigned = agent
        .get("/helpline?assigned=unassigned&platform=discord")
        .await;
    assert_eq!(unassigned.texts("table.queue tbody tr").len(), 30);
    let junk = agent
        .get("/helpline?after=n'importe-quoi&status=rien")
        .await;
    assert_eq!(
        junk.status,
        StatusCode::OK,
        "bad parameters fall back to the first page"
    );
}

#[tokio::test]
async fn overdue_items_stand_out() {
    let app = TestApp::spawn().await;
    seed_queue(&app, 30).await;
    let agent = app.logged_in(Role::Helpline).await;
    let page = agent.get("/helpline").await;
    let rows = page.texts("table.queue tbody tr");
    // Unclaimed past 24 h (i > 24), and danger past 1 h (every danger row).
    let flagged: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains("Non pris en charge à temps"))
        .collect();
    assert_eq!(
        flagged.len(),
        3 + 6,
        "danger 10/20/30 and normal 25..29 except 25..30 danger: {rows:?}"
    );

    // A platform request without outcome for 8 days.
    let case: uuid::Uuid =
        sqlx::query_scalar("select id from cases where reference = '2026-000001'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    sqlx::query(
        r#"with t as (insert into online_targets (id, case_id, platform, target) values (gen_random_uuid(), $1, 'tiktok', '@x') returning id)
           insert into platform_requests (id, case_id, target_id, kind, sent_on) select gen_random_uuid(), $1, t.id, 'content_removal', current_date - 8 from t"#,
    )
    .bind(case)
    .execute(&app.db)
    .await
    .unwrap();
    let page = agent.get("/helpline").await;
    let row = page
        .texts("table.queue tbody tr")
        .into_iter()
        .find(|r| r.contains("2026-000001"))
        .unwrap();
    assert!(row.contains("Demande sans réponse"), "{row}");
}
