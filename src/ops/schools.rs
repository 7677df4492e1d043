//! Administrators keep the list of schools: import the national CSV (all
//! rows or none; an académie administrator only rows of its académies),
//! edit a school, close it (no new case, no longer offered to the public;
//! its cases stay readable to its staff) and reopen it. Each change is
//! audited.

use chrono::{DateTime, Utc};

use super::Ops;
use crate::auth::session::AdminScope;
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::SchoolId;
use crate::domain::school_csv::{BadLine, SchoolRow};
use crate::error::{AppError, AppResult};

/// Imports `rows` (from [`crate::domain::school_csv::parse`]) in one
/// transaction: new schools are added, known ones (same UAI) updated. A row
/// outside `scope` refuses the whole file.
pub async fn import(ops: &Ops, scope: &AdminScope, rows: &[SchoolRow]) -> AppResult<usize> {
    if let Some(row) = rows.iter().find(|r| !scope.covers(&r.academie)) {
        let why = format!(
            "l'académie « {} » n'est pas dans votre périmètre",
            row.academie
        );
        return Err(bad_line(BadLine {
            line: row.line,
            why,
        }));
    }
    let mut tx = ops.db.begin().await?;
    for row in rows {
        db::schools::upsert_school(&mut *tx, &row.uai, &row.name, &row.town, &row.academie).await?;
    }
    tx.commit().await?;
    let action = AuditAction::SchoolsImported;
    db::audit::record(&ops.db, scope.actor(), action, None, Outcome::Ok).await?;
    Ok(rows.len())
}

/// A bad line of an import as the form's error.
pub fn bad_line(bad: BadLine) -> AppError {
    AppError::Field("file", format!("Ligne {} : {}.", bad.line, bad.why))
}

/// A school's new name, town and académie, as typed.
pub struct SchoolEdit {
    /// Name.
    pub name: String,
    /// Town.
    pub town: String,
    /// Académie.
    pub academie: String,
}

/// The school `id` if `scope` manages it.
pub async fn get(ops: &Ops, scope: &AdminScope, id: SchoolId) -> AppResult<db::schools::School> {
    let school = db::schools::get(&ops.db, id).await?;
    school
        .filter(|s| scope.covers(&s.academie))
        .ok_or(AppError::NotFound)
}

/// Changes a school; a `Field` error names what to fix.
pub async fn edit(ops: &Ops, scope: &AdminScope, id: SchoolId, edit: SchoolEdit) -> AppResult<()> {
    get(ops, scope, id).await?;
    let fields = [
        ("name", &edit.name),
        ("town", &edit.town),
        ("academie", &edit.academie),
    ];
    for (field, value) in fields {
        let n = value.trim().chars().count();
        if n == 0 || n > 200 {
            let why = "Obligatoire, 200 caractères au plus.";
            return Err(AppError::Field(field, why.into()));
        }
    }
    let academie = edit.academie.trim();
    if !scope.covers(academie) {
        let why = "Cette académie n'est pas dans votre périmètre.";
        return Err(AppError::Field("academie", why.into()));
    }
    let (name, town) = (edit.name.trim(), edit.town.trim());
    db::schools::edit(&ops.db, id, name, town, academie).await?;
    let action = AuditAction::SchoolEdited;
    db::audit::record(&ops.db, scope.actor(), action, Some(id.0), Outcome::Ok).await?;
    Ok(())
}

/// Closes (`true`) or reopens a school.
pub async fn set_closed(
    ops: &Ops,
    scope: &AdminScope,
    id: SchoolId,
    closed: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    get(ops, scope, id).await?;
    let at = closed.then_some(now);
    if !db::schools::set_closed(&ops.db, id, at).await? {
        let why = match closed {
            true => "L'établissement est déjà fermé.",
            false => "L'établissement est déjà ouvert.",
        };
        return Err(AppError::Conflict(why.into()));
    }
    let action = match closed {
        true => AuditAction::SchoolClosed,
        false => AuditAction::SchoolReopened,
    };
    db::audit::record(&ops.db, scope.actor(), action, Some(id.0), Outcome::Ok).await?;
    Ok(())
}
