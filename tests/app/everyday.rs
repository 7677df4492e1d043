//! The everyday gaps: correcting a case, authors and sanctions, repeat
//! authors, restricted staff-victim cases, interventions, the agent told of
//! the school's answers, the helpline's files and internal notes.

use reqwest::StatusCode;
use vigie::domain::ids::CaseId;
use vigie::domain::status::Role;

use crate::helpers::{Browser, PASSWORD, TestApp, png};

/// A case of a new school, referred and claimed by a new agent.
async fn claimed_case(app: &TestApp, uai: &str) -> (Browser, Browser, CaseId) {
    let (school, _) = app.head_teacher(uai).await;
    let case = school.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");
    let p = school
        .submit(&s, &format!("{s}/refer"), &[("note", "")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    let p = agent.submit(&h, &format!("{h}/claim"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    (school, agent, case)
}

/// The correction form's fields with the case's values from the helper,
/// `urgency` changed.
fn correction(urgency: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("urgency", urgency),
        ("victim_kind", "pupil"),
        ("victim_group", "4e B"),
        (
            "description",
            "Des messages insultants circulent sur un groupe de classe depuis deux semaines.",
        ),
        ("started_on", "2026-10-01"),
        ("platforms", "snapchat"),
        ("platforms", "instagram"),
        ("kinds", "insults"),
        ("kinds", "rumours"),
    ]
}

async fn outbox(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("select kind, to_address, body_text from outbox order by id")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_head_teacher_corrects_a_case_and_the_timeline_keeps_before_and_after() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");

    let p = b
        .submit(&s, &format!("{s}/correct"), &correction("danger"))
        .await;
    assert_eq!(p.location(), format!("{s}#historique"));
    let page = b.get(&s).await;
    assert_eq!(page.texts(".subtitle .urgency-danger"), vec!["Danger"]);
    let entry = page
        .texts(".event-corrected")
        .pop()
        .expect("a correction on the timeline");
    assert!(
        entry.contains("Urgence : « Élevée » → « Danger »"),
        "{entry}"
    );
    assert!(entry.contains("direction-0691664k@example.org"), "{entry}");

    // Nothing changed: refused next to the form, nothing written.
    let events = app.count("case_events").await;
    let p = b
        .submit(&s, &format!("{s}/correct"), &correction("danger"))
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text("#correction").contains("Rien n'a changé"));
    assert_eq!(app.count("case_events").await, events);

    // Another school's head teacher cannot correct it.
    let (other, _) = app.head_teacher("0750001A").await;
    let token = other.get("/school").await.csrf();
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend(correction("normal"));
    let p = other.post_raw(&format!("{s}/correct"), &fields).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("case_events").await, events);
}

#[tokio::test]
async fn authors_are_added_after_opening_and_a_sanction_names_its_author() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    let case = b.open_case(&[], vec![]).await;
    let s = format!("/school/cases/{case}");
    let p = b
        .submit(
            &s,
            &format!("{s}/authors"),
            &[("kind", "pupil"), ("name", "Élève Y"), ("group", "3e A")],
        )
        .await;
    assert_eq!(p.location(), format!("{s}#auteurs"));
    let page = b.get(&s).await;
    assert!(page.text("#auteurs").contains("Élève Y (3e A)"));
    let author = page
        .html()
        .select(&scraper::Selector::parse("#sanction_author option").unwrap())
        .find(|o| o.text().collect::<String>().contains("Élève Y"))
        .and_then(|o| o.value().attr("value").map(str::to_owned))
        .expect("the author in the sanction form");

    let p = b
        .submit(
            &s,
            &format!("{s}/sanctions"),
            &[
                ("kind", "warning"),
                ("decided_on", "2026-11-02"),
                ("note", ""),
                ("author", &author),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let sanctions = b.get(&s).await.text("#sanctions");
    assert!(sanctions.contains("concerne Élève Y (élève"), "{sanctions}");

    // An author of another case is refused, nothing written.
    let other = b.open_case(&[], vec![]).await;
    let o = format!("/school/cases/{other}");
    let p = b
        .submit(
            &o,
            &format!("{o}/sanctions"),
            &[
                ("kind", "warning"),
                ("decided_on", "2026-11-02"),
                ("author", &author),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#sanction_author-error")
            .contains("ne fait pas partie")
    );
    assert_eq!(app.count("sanctions").await, 1);
}

/// Opens a case with these authors (kind, name) and targets (platform, value).
async fn open_with(b: &Browser, authors: &[(&str, &str)], targets: &[(&str, &str)]) -> CaseId {
    let mut fields = crate::helpers::valid_case_fields();
    fields.retain(|(k, _)| !k.starts_with("author_") && !k.starts_with("target_"));
    for (kind, name) in authors {
        fields.extend([
            ("author_kind", *kind),
            ("author_name", *name),
            ("author_group", ""),
        ]);
    }
    for (platform, value) in targets {
        fields.extend([("target_platform", *platform), ("target_value", *value)]);
    }
    let p = b
        .submit_multipart("/school/cases/new", "/school/cases", &fields, vec![])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    p.location()
        .trim_start_matches("/school/cases/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn repeat_authors_are_linked_within_the_school_only() {
    let app = TestApp::spawn().await;
    let (a, _) = app.head_teacher("0691664K").await;
    let account = ("instagram", "https://instagram.example/compte_moqueur");
    let first = open_with(&a, &[("pupil", "Élève X")], &[account]).await;
    // Same account on the same platform, differently cased; another author.
    let upper = ("instagram", "https://INSTAGRAM.example/compte_moqueur");
    let second = open_with(&a, &[("adult", "Quelqu'un d'autre")], &[upper]).await;
    let page = a.get(&format!("/school/cases/{second}")).await;
    let related = page.text(".repeat-authors");
    assert!(
        related.contains("Instagram : https://instagram.example/compte_moqueur"),
        "{related}"
    );
    assert!(page.has(&format!(".repeat-authors a[href='/school/cases/{first}']")));
    // By name, any case: the same name, differently cased.
    let third = open_with(&a, &[("pupil", "élève x")], &[]).await;
    let page = a.get(&format!("/school/cases/{third}")).await;
    assert!(page.text(".repeat-authors").contains("Élève X"));
    assert!(!page.has(&format!(".repeat-authors a[href='/school/cases/{second}']")));
    // Nothing shared, nothing shown.
    let alone = open_with(&a, &[("unknown", "")], &[("tiktok", "@autre")]).await;
    assert!(
        !a.get(&format!("/school/cases/{alone}"))
            .await
            .has(".repeat-authors")
    );

    // Another school with the same author and account sees nothing of it.
    let (b, _) = app.head_teacher("0750001A").await;
    let theirs = open_with(&b, &[("pupil", "Élève X")], &[account]).await;
    let page = b.get(&format!("/school/cases/{theirs}")).await;
    assert!(!page.has(".repeat-authors"), "{}", page.body);
}

#[tokio::test]
async fn a_restricted_staff_case_is_absent_for_other_leadership_of_the_school() {
    let app = TestApp::spawn().await;
    let (head, school) = app.head_teacher("0691664K").await;
    let deputy_id = app
        .account("adjoint@example.org", Role::SchoolStaff, &[school])
        .await;
    app.account("cpe@example.org", Role::SchoolStaff, &[school])
        .await;
    let deputy_value = deputy_id.to_string();

    // A pupil-victim case cannot be restricted.
    let p = head
        .submit_multipart(
            "/school/cases/new",
            "/school/cases",
            &[
                crate::helpers::valid_case_fields(),
                vec![("restricted_to", deputy_value.as_str())],
            ]
            .concat(),
            vec![],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.text("#restricted_to-error")
            .contains("membre du personnel")
    );

    let form = head.get("/school/cases/new").await;
    assert!(form.has(&format!("input[name=restricted_to][value='{deputy_id}']")));
    let case = head
        .open_case(
            &[
                ("victim_kind", "staff"),
                ("victim_group", "Professeur de lettres"),
                ("restricted_to", &deputy_value),
            ],
            vec![("evidence", "capture.png", png())],
        )
        .await;
    let s = format!("/school/cases/{case}");
    let page = head.get(&s).await;
    assert!(page.text(".facts").contains("adjoint@example.org"));
    let evidence = page.attr(".evidence a", "href").expect("a file");

    let deputy = app.browser();
    deputy.login("adjoint@example.org", PASSWORD).await;
    assert_eq!(deputy.get(&s).await.status, StatusCode::OK);

    let cpe = app.browser();
    cpe.login("cpe@example.org", PASSWORD).await;
    assert_eq!(cpe.get(&s).await.status, StatusCode::NOT_FOUND);
    assert_eq!(cpe.get_bytes(&evidence).await.0, StatusCode::NOT_FOUND);
    assert!(!cpe.get("/school").await.body.contains(&case.to_string()));
    let token = cpe.get("/school").await.csrf();
    let before = app.count("case_events").await;
    for action in [
        "notes",
        "targets",
        "close",
        "reopen",
        "refer",
        "withdraw",
        "answer",
        "sanctions",
        "legal-hold",
        "attach",
        "correct",
        "authors",
        "interventions",
    ] {
        let p = cpe
            .post_raw(
                &format!("{s}/{action}"),
                &[
                    ("csrf_token", token.as_str()),
                    ("note", "Texte assez long pour être valable."),
                    ("platform", "tiktok"),
                    ("target", "x"),
                    ("outcome", "resolved"),
                    ("kind", "pupil"),
                    ("decided_on", "2026-11-02"),
                    ("hold", "on"),
                    ("message", "1"),
                    ("intervention", &uuid::Uuid::new_v4().to_string()),
                    ("answer", "decline"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{action}");
    }
    let p = cpe
        .post_multipart(
            &format!("{s}/evidence"),
            &token,
            &[],
            vec![("evidence", "x.png", png())],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("case_events").await, before);

    // The helpline's question is mailed to the two accounts it is open to.
    let s_ref = format!("{s}/refer");
    head.submit(&s, &s_ref, &[("note", "")]).await;
    let agent = app.logged_in(Role::Helpline).await;
    let h = format!("/helpline/cases/{case}");
    agent.submit(&h, &format!("{h}/claim"), &[]).await;
    agent
        .submit(&h, &format!("{h}/question"), &[("text", "Des témoins ?")])
        .await;
    let mut to: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|(k, _, _)| k == "question")
        .map(|(_, to, _)| to)
        .collect();
    to.sort();
    assert_eq!(
        to,
        ["adjoint@example.org", "direction-0691664k@example.org"]
    );
}

#[tokio::test]
async fn the_school_answers_an_intervention_and_the_helpline_sees_it() {
    let app = TestApp::spawn().await;
    let (school, agent, case) = claimed_case(&app, "0691664K").await;
    let (s, h) = (
        format!("/school/cases/{case}"),
        format!("/helpline/cases/{case}"),
    );
    let p = agent
        .submit(
            &h,
            &format!("{h}/intervention"),
            &[
                ("proposed_on", "2026-12-10"),
                ("topic", "Atelier réseaux sociaux en 5e"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let page = school.get(&s).await;
    let id = page
        .attr(".interventions input[name=intervention]", "value")
        .expect("an answer form");

    // Accepting needs a date.
    let answer = |date: &'static str| {
        vec![
            ("intervention", id.clone()),
            ("answer", "accept".into()),
            ("scheduled_on", date.into()),
            ("note", "Salle polyvalente".into()),
        ]
    };
    let fields = answer("");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = school
        .submit(&s, &format!("{s}/interventions"), &refs)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.has("#iv_date-error"));

    let fields = answer("2026-12-14");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = school
        .submit(&s, &format!("{s}/interventions"), &refs)
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let seen = agent.get(&h).await.text(".interventions");
    assert!(seen.contains("Acceptée, prévue le 14/12/2026"), "{seen}");
    assert!(seen.contains("Salle polyvalente"));

    // Answered once only.
    let p = school
        .submit(&s, &format!("{s}/interventions"), &refs)
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_agent_is_mailed_when_the_school_answers_or_adds_and_the_dashboard_shows_the_question()
{
    let app = TestApp::spawn().await;
    let (school, agent, case) = claimed_case(&app, "0691664K").await;
    let (s, h) = (
        format!("/school/cases/{case}"),
        format!("/helpline/cases/{case}"),
    );
    agent
        .submit(
            &h,
            &format!("{h}/question"),
            &[("text", "La famille a-t-elle porté plainte ?")],
        )
        .await;
    let dashboard = school.get("/school").await;
    let questions = dashboard.text(".questions");
    assert!(
        questions.contains("La famille a-t-elle porté plainte ?"),
        "{questions}"
    );
    assert!(dashboard.has(&format!(
        ".questions a[href='/school/cases/{case}#actions']"
    )));

    school
        .submit(&s, &format!("{s}/answer"), &[("note", "Oui, hier.")])
        .await;
    school
        .submit(
            &s,
            &format!("{s}/notes"),
            &[("note", "Nouvelle capture reçue.")],
        )
        .await;
    let to_agent: Vec<(String, String, String)> = outbox(&app)
        .await
        .into_iter()
        .filter(|(_, to, _)| to.starts_with("helpline-"))
        .collect();
    let kinds: Vec<&str> = to_agent.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds, ["school_answered", "school_added"]);
    assert!(to_agent[0].2.contains(&format!("/helpline/cases/{case}")));
    assert!(!to_agent[0].2.contains("Oui, hier."));
    assert!(!school.get("/school").await.has(".questions"));
}

#[tokio::test]
async fn the_helpline_attaches_files_and_writes_internal_notes_the_school_never_sees() {
    let app = TestApp::spawn().await;
    let (school, agent, case) = claimed_case(&app, "0691664K").await;
    let (s, h) = (
        format!("/school/cases/{case}"),
        format!("/helpline/cases/{case}"),
    );
    let p = agent
        .submit_multipart(
            &h,
            &format!("{h}/evidence"),
            &[],
            vec![("evidence", "reponse-plateforme.png", png())],
        )
        .await;
    assert_eq!(p.location(), format!("{h}#pieces"));
    assert!(
        school
            .get(&s)
            .await
            .text("#pieces")
            .contains("reponse-plateforme.png")
    );
    // Same rules as the school's: a disguised file is refused.
    let p = agent
        .submit_multipart(
            &h,
            &format!("{h}/evidence"),
            &[],
            vec![("evidence", "x.png", b"MZ\x90\x00".to_vec())],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);

    let secret = "La mère dit au téléphone que le père ne doit pas savoir.";
    let p = agent
        .submit(&h, &format!("{h}/internal-notes"), &[("note", secret)])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let mine = agent.get(&h).await;
    assert!(mine.text(".event-internal").contains(secret));
    assert!(
        mine.text(".event-internal")
            .contains("Visible d'e-Enfance seulement")
    );
    assert!(!school.get(&s).await.body.contains(secret));
    // Nor in any mail, even once the case is returned to the school.
    let p = agent
        .submit(&h, &format!("{h}/return"), &[("text", "Comptes fermés.")])
        .await;
    assert_eq!(p.location(), "/helpline");
    assert!(!school.get(&s).await.body.contains(secret));
    assert!(
        outbox(&app)
            .await
            .iter()
            .all(|(_, _, body)| !body.contains(secret))
    );
    // The school cannot post one.
    let token = school.get(&s).await.csrf();
    let p = school
        .post_raw(
            &format!("{h}/internal-notes"),
            &[("csrf_token", &token), ("note", "x")],
        )
        .await;
    assert!(matches!(
        p.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
}
