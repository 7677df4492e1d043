//! Every case command goes through the status machine: `ops::case::apply`
//! refuses what `transition` refuses (and writes nothing), and moves the case
//! exactly where `transition` says. Called directly, as the CLI or a job would.

use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use vigie::auth::Actor;
use vigie::db::cases::NewAuthor;
use vigie::domain::case::{
    AdviceKind, AuthorKind, CaseOutcome, HarassmentKind, Platform, RequestKind, RequestOutcome,
    SanctionKind, Urgency,
};
use vigie::domain::correction::Facts;
use vigie::domain::ids::{AccountId, CaseId, RequestId, SchoolId};
use vigie::domain::status::{CaseStatus, Role, transition};
use vigie::error::AppError;
use vigie::ops::Ops;
use vigie::ops::case::{CaseCommand, RequestTarget, apply};
use vigie::storage::LocalStorage;

use crate::helpers::{TestApp, png};

struct World {
    app: TestApp,
    ops: Ops,
    head: Actor,
    agent: Actor,
    other_agent: AccountId,
    case: CaseId,
}

fn actor(id: AccountId, role: Role, schools: Vec<SchoolId>) -> Actor {
    Actor {
        id,
        role,
        display_name: "Test".into(),
        schools,
        academies: Vec::new(),
        csrf: String::new(),
    }
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (head_browser, school) = app.head_teacher("0691664K").await;
    let case = head_browser.open_case(&[], vec![]).await;
    let head_id: AccountId = sqlx::query_scalar("select created_by from cases")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let agent = app.account("a@3018.test", Role::Helpline, &[]).await;
    let other_agent = app.account("b@3018.test", Role::Helpline, &[]).await;
    let storage = Arc::new(LocalStorage::new(&app.evidence_dir).unwrap());
    let ops = Ops::new(app.db.clone(), Arc::new(app.config.clone()), storage);
    World {
        head: actor(head_id, Role::SchoolStaff, vec![school]),
        agent: actor(agent, Role::Helpline, vec![]),
        other_agent,
        ops,
        case,
        app,
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
}

/// Each command, the role that gives it, by number (commands are not Clone).
fn command(i: usize, w: &World) -> Option<(CaseCommand, Role)> {
    use CaseCommand as C;
    let school = Role::SchoolStaff;
    let help = Role::Helpline;
    let files = || {
        let bytes = Bytes::from(png());
        vigie::ops::files::check_files(
            [("c.png", &vigie::storage::spool::Received::from_bytes(bytes))].into_iter(),
        )
        .unwrap()
    };
    Some(match i {
        0 => (C::Note("note".into()), school),
        1 => (C::Target(Platform::TikTok, "@compte".into()), school),
        2 => (
            C::Author(NewAuthor {
                kind: AuthorKind::Unknown,
                name: String::new(),
                group: String::new(),
            }),
            school,
        ),
        3 => (C::Evidence(files()), school),
        4 => (
            C::Sanction {
                author: None,
                kind: SanctionKind::ALL[0],
                on: day(),
                note: String::new(),
            },
            school,
        ),
        5 => (C::Close(CaseOutcome::Resolved, None), school),
        6 => (C::Reopen(None), school),
        7 => (C::Refer(None), school),
        8 => (C::Withdraw(None), school),
        9 => (C::Answer("réponse".into()), school),
        10 => (C::LegalHold(true), school),
        11 => (C::Claim, help),
        12 => (C::Release, help),
        13 => (C::Reassign(w.other_agent), help),
        14 => (C::Advice(AdviceKind::ALL[0], "conseil".into()), help),
        15 => (
            C::Request {
                target: RequestTarget::New(Platform::TikTok, "@compte".into()),
                kind: RequestKind::AccountClosure,
                sent_on: day(),
                reference: String::new(),
            },
            help,
        ),
        16 => (
            C::Outcome(RequestId::new(), RequestOutcome::Done, day()),
            help,
        ),
        17 => (C::Escalate("PH-1".into(), day()), help),
        18 => (C::Intervene(day(), "thème".into()), help),
        19 => (C::Ask("question".into()), help),
        20 => (C::Return("conclusions".into()), help),
        // A different description each time: a correction changes something.
        21 => (
            C::Correct(Facts {
                urgency: Urgency::High,
                victim_group: "4e B".into(),
                description: format!("Faits corrigés {}", uuid::Uuid::new_v4()),
                started_on: None,
                platforms: vec![Platform::TikTok],
                kinds: vec![HarassmentKind::Insults],
            }),
            school,
        ),
        22 => (C::InternalNote("note interne".into()), help),
        23 => (C::HelplineEvidence(files()), help),
        _ => return None,
    })
}

/// Puts the case in `status` (referred and claimed by the agent when the
/// helpline holds it).
async fn set_status(w: &World, status: CaseStatus) {
    let helpline_side = !matches!(status, CaseStatus::Open | CaseStatus::Closed);
    let claimed = matches!(status, CaseStatus::InProgress | CaseStatus::AwaitingSchool);
    sqlx::query(
        "update cases set status = $1, referred_at = case when $2 then now() end,
                claimed_by = case when $3 then $4 end, legal_hold = false",
    )
    .bind(status)
    .bind(helpline_side)
    .bind(claimed)
    .bind(w.agent.id.0)
    .execute(&w.app.db)
    .await
    .unwrap();
}

async fn status(w: &World) -> CaseStatus {
    sqlx::query_scalar("select status from cases")
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_command_does_what_the_status_machine_says_and_only_that() {
    let w = world().await;
    let mut refused = 0;
    let mut applied = 0;
    for i in 0.. {
        let Some((probe, role)) = command(i, &w) else {
            break;
        };
        let action = probe.action();
        let who = if role == Role::SchoolStaff {
            &w.head
        } else {
            &w.agent
        };
        for from in CaseStatus::ALL {
            // The helpline only sees a case from its referral to its return.
            let held = matches!(
                from,
                CaseStatus::Referred | CaseStatus::InProgress | CaseStatus::AwaitingSchool
            );
            if role == Role::Helpline && !held {
                continue;
            }
            set_status(&w, from).await;
            let (cmd, _) = command(i, &w).unwrap();
            let events = w.app.count("case_events").await;
            let result = apply(&w.ops, who, w.case, cmd).await;
            match transition(from, action, role) {
                Err(_) => {
                    assert!(
                        matches!(result, Err(AppError::Conflict(_))),
                        "{action:?} from {from:?}: {result:?}"
                    );
                    assert_eq!(w.app.count("case_events").await, events, "{action:?}");
                    assert_eq!(status(&w).await, from, "{action:?} moved nothing");
                    refused += 1;
                }
                // An outcome needs a request of the case: not found is the answer here.
                Ok(_) if i == 16 => assert!(matches!(result, Err(AppError::NotFound))),
                Ok(to) => {
                    result.unwrap_or_else(|e| panic!("{action:?} from {from:?}: {e:?}"));
                    assert_eq!(status(&w).await, to, "{action:?} from {from:?}");
                    assert!(w.app.count("case_events").await > events, "{action:?}");
                    applied += 1;
                }
            }
        }
    }
    assert!(
        refused > 40 && applied > 30,
        "{refused} refused, {applied} applied"
    );
}

#[tokio::test]
async fn the_helpline_cannot_put_a_case_under_legal_hold() {
    let w = world().await;
    set_status(&w, CaseStatus::Referred).await;
    let r = apply(&w.ops, &w.agent, w.case, CaseCommand::LegalHold(true)).await;
    assert!(matches!(r, Err(AppError::Conflict(_))), "{r:?}");
    let held: bool = sqlx::query_scalar("select legal_hold from cases")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(!held);
}

#[tokio::test]
async fn the_helpline_cannot_reach_a_case_it_no_longer_holds() {
    let w = world().await;
    for from in [CaseStatus::Open, CaseStatus::Returned, CaseStatus::Closed] {
        set_status(&w, from).await;
        let r = apply(&w.ops, &w.agent, w.case, CaseCommand::Claim).await;
        assert!(matches!(r, Err(AppError::NotFound)), "{from:?}: {r:?}");
    }
}
