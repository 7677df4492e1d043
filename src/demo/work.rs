//! The demo's cases and reports, made through the operations as the people
//! would have made them on the site: a case waiting for the school's answer,
//! one returned, one unclaimed in the queue, one in progress, parent reports
//! in the inbox.

use chrono::{Days, Utc};

use crate::auth::Actor;
use crate::db::cases::{NewAuthor, NewCase};
use crate::domain::case::{
    AdviceKind, AuthorKind, HarassmentKind, Platform, ReporterKind, RequestKind, Urgency,
    VictimKind,
};
use crate::domain::ids::CaseId;
use crate::domain::values::EmailAddress;
use crate::error::AppResult;
use crate::ops::Ops;
use crate::ops::case::{CaseCommand, RequestTarget, apply};
use crate::ops::open_case::{OpenCase, open_case};
use crate::ops::reports::{ReportInput, submit};

/// A case as the demo opens it.
struct Demo {
    urgency: Urgency,
    victim: (VictimKind, &'static str, &'static str),
    description: &'static str,
    platforms: Vec<Platform>,
    kinds: Vec<HarassmentKind>,
    author: Option<(AuthorKind, &'static str, &'static str)>,
    target: (Platform, &'static str),
}

async fn open(ops: &Ops, head: &Actor, d: Demo) -> AppResult<CaseId> {
    let case = NewCase {
        school: head.schools[0],
        urgency: d.urgency,
        victim_kind: d.victim.0,
        victim_name: d.victim.1.to_owned(),
        victim_group: d.victim.2.to_owned(),
        description: d.description.to_owned(),
        started_on: Utc::now().date_naive().checked_sub_days(Days::new(7)),
        platforms: d.platforms,
        kinds: d.kinds,
        checklist: [true, true, false, false],
        restricted_to: Vec::new(),
    };
    let authors = d
        .author
        .map(|(kind, name, group)| NewAuthor {
            kind,
            name: name.to_owned(),
            group: group.to_owned(),
        })
        .into_iter()
        .collect();
    let open = OpenCase {
        case,
        authors,
        targets: vec![(d.target.0, d.target.1.to_owned())],
        files: Vec::new(),
        from_report: None,
    };
    open_case(ops, head, open).await
}

async fn referred(ops: &Ops, head: &Actor, d: Demo) -> AppResult<CaseId> {
    let id = open(ops, head, d).await?;
    let note = Some("Nous avons besoin d'aide pour faire fermer le compte.".to_owned());
    apply(ops, head, id, CaseCommand::Refer(note)).await?;
    Ok(id)
}

/// A danger case the helpline works on, waiting for the school's answer.
async fn awaiting_answer(ops: &Ops, head: &Actor, agent: &Actor) -> anyhow::Result<()> {
    let today = Utc::now().date_naive();
    let danger = referred(ops, head, Demo {
        urgency: Urgency::Danger,
        victim: (VictimKind::Pupil, "L. M.", "4e B"),
        description: "Une élève reçoit depuis une semaine des messages menaçant de diffuser des photos d'elle si elle ne paie pas. Elle est très inquiète et ne veut plus venir au collège.",
        platforms: vec![Platform::Snapchat, Platform::Instagram],
        kinds: vec![HarassmentKind::Sextortion, HarassmentKind::Threats],
        author: Some((AuthorKind::Unknown, "", "")),
        target: (Platform::Snapchat, "https://snapchat.example/add/compte-en-cause"),
    })
    .await?;
    for command in [
        CaseCommand::Claim,
        CaseCommand::Advice(AdviceKind::Technical, "Ne pas payer, ne plus répondre, conserver les messages ; bloquer le compte après captures.".into()),
        CaseCommand::Request {
            target: RequestTarget::New(Platform::Snapchat, "https://snapchat.example/add/compte-en-cause".into()),
            kind: RequestKind::AccountClosure,
            sent_on: today,
            reference: "SC-DEMO-1".into(),
        },
        CaseCommand::Intervene(today + Days::new(21), "Atelier « Sextorsion : que faire ? » en 4e".into()),
        CaseCommand::Ask("La famille a-t-elle déposé plainte ? Si oui, auprès de quel service ?".into()),
    ] {
        apply(ops, agent, danger, command).await?;
    }
    Ok(())
}

/// The collège: a danger case waiting for its answer to a question, a
/// returned case to close, one referral nobody has claimed yet, a case kept
/// inside the school, two reports in the inbox.
pub async fn college(ops: &Ops, head: &Actor, agent: &Actor) -> anyhow::Result<()> {
    awaiting_answer(ops, head, agent).await?;
    let returned = referred(ops, head, Demo {
        urgency: Urgency::High,
        victim: (VictimKind::Staff, "M. D.", "Professeur d'histoire-géographie"),
        description: "Un faux compte TikTok au nom d'un professeur publie des vidéos moqueuses tournées en classe.",
        platforms: vec![Platform::TikTok],
        kinds: vec![HarassmentKind::Impersonation, HarassmentKind::Insults],
        author: Some((AuthorKind::Pupil, "", "3e A")),
        target: (Platform::TikTok, "https://tiktok.example/@faux-professeur"),
    })
    .await?;
    apply(ops, agent, returned, CaseCommand::Claim).await?;
    let conclusions = "Le compte usurpé a été fermé par TikTok. Nous vous conseillons de rappeler en classe les règles sur les images et l'usurpation d'identité.";
    apply(
        ops,
        agent,
        returned,
        CaseCommand::Return(conclusions.into()),
    )
    .await?;
    referred(ops, head, Demo {
        urgency: Urgency::High,
        victim: (VictimKind::Pupil, "S. K.", "5e C"),
        description: "Des rumeurs sur un élève circulent sur un compte Instagram anonyme suivi par une grande partie de la classe.",
        platforms: vec![Platform::Instagram],
        kinds: vec![HarassmentKind::Rumours],
        author: None,
        target: (Platform::Instagram, "https://instagram.example/rumeurs_5c"),
    })
    .await?;
    let group = open(ops, head, Demo {
        urgency: Urgency::Normal,
        victim: (VictimKind::Pupil, "T. R.", "6e A"),
        description: "Un groupe WhatsApp de la classe a été créé pour se moquer d'un élève ; des montages photo circulent.",
        platforms: vec![Platform::WhatsApp],
        kinds: vec![HarassmentKind::Insults, HarassmentKind::Exclusion],
        author: Some((AuthorKind::Pupil, "Élève X", "6e A")),
        target: (Platform::WhatsApp, "Groupe « 6eA les vrais »"),
    })
    .await?;
    let captures = super::screenshot::group_captures();
    apply(ops, head, group, CaseCommand::Evidence(captures)).await?;
    report(ops, head, ReporterKind::Parent, true, "Ma fille reçoit des messages de menaces sur Snapchat depuis hier soir, elle a peur d'aller au collège demain.").await?;
    report(
        ops,
        head,
        ReporterKind::Witness,
        false,
        "Un compte Instagram publie des photos d'élèves de 5e avec des commentaires humiliants.",
    )
    .await?;
    Ok(())
}

/// The lycée: a case the helpline is working on, and a victim's report.
pub async fn lycee(ops: &Ops, head: &Actor, agent: &Actor) -> anyhow::Result<()> {
    let id = referred(ops, head, Demo {
        urgency: Urgency::Normal,
        victim: (VictimKind::Pupil, "A. B.", "2nde 3"),
        description: "Un élève est exclu d'un serveur Discord de la classe puis moqué dans des messages vocaux partagés.",
        platforms: vec![Platform::Discord],
        kinds: vec![HarassmentKind::Exclusion, HarassmentKind::Insults],
        author: Some((AuthorKind::Pupil, "", "2nde 3")),
        target: (Platform::Discord, "Serveur « 2nde3 officiel »"),
    })
    .await?;
    apply(ops, agent, id, CaseCommand::Claim).await?;
    let note =
        "La mère a appelé le 3018 : l'élève ne veut pas que ses camarades sachent qu'il a signalé.";
    apply(ops, agent, id, CaseCommand::InternalNote(note.into())).await?;
    report(ops, head, ReporterKind::PupilVictim, false, "Depuis la rentrée on me traite de noms sur un groupe de la classe et personne ne dit rien.").await?;
    Ok(())
}

async fn report(
    ops: &Ops,
    head: &Actor,
    reporter_kind: ReporterKind,
    danger: bool,
    description: &str,
) -> anyhow::Result<()> {
    let input = ReportInput {
        school: head.schools[0],
        reporter_kind,
        danger,
        description: description.to_owned(),
        started_on: None,
        platforms: vec![Platform::Snapchat],
        kinds: vec![HarassmentKind::Threats],
        victim_first_name: String::new(),
        victim_class: String::new(),
        contact_email: EmailAddress::parse("famille@example.org").ok(),
        contact_phone: None,
    };
    submit(ops, input, Vec::new()).await?;
    Ok(())
}
