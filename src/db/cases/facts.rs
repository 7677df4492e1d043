//! The correctable facts of a locked case: read and rewrite.

use chrono::NaiveDate;

use super::LockedCase;
use crate::db::Tx;
use crate::domain::case::{HarassmentKind, Platform, Urgency};
use crate::domain::correction::Facts;

/// The facts of a locked case as stored.
pub async fn facts(tx: &mut Tx<'_>, case: &LockedCase) -> sqlx::Result<Facts> {
    let row = sqlx::query!(
        r#"select urgency as "urgency: Urgency", victim_group, description,
                  started_on as "started_on: NaiveDate", platforms, kinds
           from cases where id = $1"#,
        case.id().0
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Facts {
        urgency: row.urgency,
        victim_group: row.victim_group,
        description: row.description,
        started_on: row.started_on,
        platforms: row
            .platforms
            .iter()
            .filter_map(|p| Platform::parse(p))
            .collect(),
        kinds: row
            .kinds
            .iter()
            .filter_map(|k| HarassmentKind::parse(k))
            .collect(),
    })
}

/// Rewrites the facts of a locked case.
pub async fn correct(tx: &mut Tx<'_>, case: &LockedCase, facts: &Facts) -> sqlx::Result<()> {
    let platforms: Vec<String> = facts
        .platforms
        .iter()
        .map(|p| p.code().to_owned())
        .collect();
    let kinds: Vec<String> = facts.kinds.iter().map(|k| k.code().to_owned()).collect();
    sqlx::query!(
        "update cases set urgency = $2, victim_group = $3, description = $4, started_on = $5,
                          platforms = $6, kinds = $7
         where id = $1",
        case.id().0,
        facts.urgency as Urgency,
        facts.victim_group,
        facts.description,
        facts.started_on as Option<NaiveDate>,
        &platforms,
        &kinds
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
