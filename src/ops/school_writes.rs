//! The school's writes that check what the case holds: an author, a sanction
//! about one of its authors, a correction of its facts, an answer to an
//! intervention.

use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use super::case::CaseCommand;
use super::case_writes::Entry;
use crate::auth::Actor;
use crate::db::{self, Tx, cases::LockedCase};
use crate::domain::case::{EventKind, SanctionKind};
use crate::domain::correction::{self, Facts};
use crate::domain::format::date;
use crate::error::{AppError, AppResult};

/// Writes a school record that checks what the case holds: an author, a
/// sanction, a correction, an answer to an intervention.
pub async fn record(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    command: CaseCommand,
) -> AppResult<Entry> {
    use CaseCommand as C;
    match command {
        C::Author(author) => {
            db::cases::insert_author(tx, locked, &author).await?;
            let note = Some(author.kind.label().to_owned());
            Ok(Entry::new(EventKind::AuthorAdded, note))
        }
        C::Sanction {
            author,
            kind,
            on,
            note,
        } => sanction(tx, actor, locked, author, (kind, on, note)).await,
        C::Correct(facts) => correct(tx, locked, facts).await,
        C::AnswerIntervention {
            id,
            scheduled_on,
            note,
        } => answer_intervention(tx, actor, locked, id, scheduled_on, note).await,
        _ => Err(AppError::BadRequest("not a school record")),
    }
}

/// Records a sanction, about one of the case's authors if named.
async fn sanction(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    author: Option<Uuid>,
    (kind, on, note): (SanctionKind, NaiveDate, String),
) -> AppResult<Entry> {
    if !db::records::insert_sanction(tx, locked, (kind, on, &note), author, actor.id).await? {
        return Err(AppError::Field(
            "sanction_author",
            "Cet auteur ne fait pas partie du dossier : choisissez-en un dans la liste.".into(),
        ));
    }
    let summary = format!("{} (décidée le {})", kind.label(), date(on));
    let data = json!({ "kind": kind.code(), "author": author });
    Ok(Entry::new(EventKind::Sanction, Some(summary)).data(data))
}

/// Rewrites the case's facts; the timeline keeps each change, before →
/// after. Nothing changed is refused, so the timeline holds no empty entry.
async fn correct(tx: &mut Tx<'_>, locked: &LockedCase, facts: Facts) -> AppResult<Entry> {
    let before = db::cases::facts(tx, locked).await?;
    let changes = correction::changes(&before, &facts);
    if changes.is_empty() {
        return Err(AppError::Field(
            "correction",
            "Rien n'a changé : modifiez au moins une valeur avant d'enregistrer la correction."
                .into(),
        ));
    }
    db::cases::correct(tx, locked, &facts).await?;
    let note = correction::summary(&changes);
    Ok(Entry::new(EventKind::Corrected, Some(note)).data(json!({ "changes": changes })))
}

/// The school's answer to a proposed intervention: accepted for a date, or
/// declined.
async fn answer_intervention(
    tx: &mut Tx<'_>,
    actor: &Actor,
    locked: &LockedCase,
    id: Uuid,
    scheduled_on: Option<NaiveDate>,
    note: String,
) -> AppResult<Entry> {
    let topic = db::records::answer_intervention(tx, locked, id, scheduled_on, &note, actor.id)
        .await?
        .ok_or_else(|| {
            AppError::Conflict(
                "Cette intervention a déjà reçu une réponse, ou ne fait pas partie de ce dossier : rechargez la page du dossier.".into(),
            )
        })?;
    let answer = match scheduled_on {
        Some(d) => format!("« {topic} » : acceptée, prévue le {}", date(d)),
        None => format!("« {topic} » : déclinée"),
    };
    let text = if note.is_empty() {
        answer
    } else {
        format!("{answer}\n{note}")
    };
    let data = json!({ "intervention": id, "accepted": scheduled_on.is_some() });
    Ok(Entry::new(EventKind::InterventionAnswer, Some(text)).data(data))
}
