//! Demo data: two schools, one account per role, a few cases. Only on request
//! and never in production (the CLI checks).

use anyhow::Context;
use sqlx::PgPool;

use crate::auth::{Actor, CaseScope, password};
use crate::db::{self, cases::NewAuthor, cases::NewCase};
use crate::domain::case::{AuthorKind, EventKind, HarassmentKind, Platform, Urgency, VictimKind};
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;
use crate::domain::values::{EmailAddress, Uai};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "vigie-demo-2026";

/// Demo schools: UAI, name, town, académie.
pub const DEMO_SCHOOLS: [(&str, &str, &str, &str); 2] = [
    ("0691664K", "Collège Jean Moulin", "Lyon", "Lyon"),
    ("0750656P", "Lycée Victor Hugo", "Paris", "Paris"),
];

/// Demo accounts: e-mail, name, role, index of the school.
pub const DEMO_ACCOUNTS: [(&str, &str, Role, Option<usize>); 4] = [
    (
        "principale@college-jean-moulin.example.org",
        "Claire Martin (principale)",
        Role::SchoolStaff,
        Some(0),
    ),
    (
        "proviseur@lycee-victor-hugo.example.org",
        "Karim Benali (proviseur)",
        Role::SchoolStaff,
        Some(1),
    ),
    (
        "ecoutante@3018.example.org",
        "Léa Dubois (e-Enfance)",
        Role::Helpline,
        None,
    ),
    (
        "admin@academie.example.org",
        "Administration académique",
        Role::Admin,
        None,
    ),
];

/// Loads the demo data; running it again changes nothing.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let first = EmailAddress::parse(DEMO_ACCOUNTS[0].0).expect("valid demo e-mail");
    if db::accounts::find_for_login(pool, &first).await?.is_some() {
        tracing::info!("demo data already present");
        return Ok(());
    }
    let hash = password::hash_password(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = pool.begin().await?;
    let mut schools = Vec::new();
    for (uai, name, town, academie) in DEMO_SCHOOLS {
        let uai = Uai::parse(uai).expect("valid demo UAI");
        schools.push(db::schools::upsert_school(&mut *tx, &uai, name, town, academie).await?);
    }
    let mut heads = Vec::new();
    for (email, name, role, school) in DEMO_ACCOUNTS {
        let email = EmailAddress::parse(email).expect("valid demo e-mail");
        let id = db::accounts::upsert_account(&mut *tx, &email, name, role, &hash).await?;
        if let Some(i) = school {
            db::accounts::attach_school(&mut *tx, id, schools[i]).await?;
            heads.push((id, name, schools[i]));
        }
    }
    for (id, name, school) in heads {
        seed_cases(&mut tx, id, name, school).await?;
    }
    tx.commit().await.context("demo data")?;
    Ok(())
}

async fn seed_cases(
    tx: &mut db::Tx<'_>,
    head: AccountId,
    name: &str,
    school: SchoolId,
) -> anyhow::Result<()> {
    let actor = Actor {
        id: head,
        role: Role::SchoolStaff,
        display_name: name.to_owned(),
        schools: vec![school],
        csrf: String::new(),
    };
    let scope = CaseScope::of(&actor).expect("school scope");
    let cases = [
        (
            Urgency::Danger,
            VictimKind::Pupil,
            "L. B.",
            "4e B",
            "Une élève reçoit depuis une semaine des messages menaçant de diffuser des photos d'elle si elle ne paie pas. Elle est très inquiète et ne veut plus venir au collège.",
            vec![Platform::Snapchat, Platform::Instagram],
            vec![HarassmentKind::Sextortion, HarassmentKind::Threats],
        ),
        (
            Urgency::Normal,
            VictimKind::Pupil,
            "T. R.",
            "6e A",
            "Un groupe WhatsApp de la classe a été créé pour se moquer d'un élève ; des montages photo circulent.",
            vec![Platform::WhatsApp],
            vec![HarassmentKind::Insults, HarassmentKind::Exclusion],
        ),
        (
            Urgency::High,
            VictimKind::Staff,
            "M. D.",
            "Professeur d'histoire-géographie",
            "Un faux compte TikTok au nom d'un professeur publie des vidéos moqueuses tournées en classe.",
            vec![Platform::TikTok],
            vec![HarassmentKind::Impersonation, HarassmentKind::Insults],
        ),
    ];
    for (urgency, victim_kind, victim, group, description, platforms, kinds) in cases {
        let new = NewCase {
            school,
            urgency,
            victim_kind,
            victim_name: victim.to_owned(),
            victim_group: group.to_owned(),
            description: description.to_owned(),
            started_on: Some(chrono::Utc::now().date_naive() - chrono::Days::new(7)),
            platforms: platforms.clone(),
            kinds,
            checklist: [true, true, false, false],
        };
        let (id, _) = db::cases::insert_case(tx, &scope, &new).await?;
        db::events::append(
            tx,
            id,
            Some(head),
            EventKind::Created,
            None,
            serde_json::json!({}),
        )
        .await?;
        if victim_kind == VictimKind::Pupil {
            db::cases::insert_author(
                tx,
                id,
                &NewAuthor {
                    kind: AuthorKind::Unknown,
                    name: String::new(),
                    group: String::new(),
                },
            )
            .await?;
        }
        db::cases::insert_target(
            tx,
            id,
            head,
            platforms[0],
            "https://example.org/compte-en-cause",
        )
        .await?;
    }
    Ok(())
}
