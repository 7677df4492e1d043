//! Evidence files attached to cases. Rows are never modified (a trigger
//! enforces it); reads are scoped.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use super::cases::LockedCase;
use crate::auth::CaseScope;
use crate::domain::ids::{AccountId, CaseId, EvidenceId};
use crate::domain::upload::FileType;

/// A file about to be recorded.
pub struct NewEvidence<'a> {
    /// Server-made storage key.
    pub storage_key: &'a str,
    /// Name the uploader's browser gave (cleaned).
    pub original_name: &'a str,
    /// Detected type.
    pub file_type: FileType,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256, lowercase hex.
    pub sha256: &'a str,
}

/// Records a stored file on a locked case.
pub async fn insert(
    tx: &mut Tx<'_>,
    case: &LockedCase,
    actor: Option<AccountId>,
    e: &NewEvidence<'_>,
) -> sqlx::Result<EvidenceId> {
    sqlx::query_scalar!(
        r#"insert into evidence (id, case_id, storage_key, original_name, mime_type, size_bytes, sha256, added_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8) returning id as "id: EvidenceId""#,
        EvidenceId::new().0,
        case.id().0,
        e.storage_key,
        e.original_name,
        e.file_type.mime(),
        e.size,
        e.sha256,
        actor.map(|a| a.0)
    )
    .fetch_one(&mut **tx)
    .await
}

/// An evidence file as listed and served.
pub struct Evidence {
    /// Id.
    pub id: EvidenceId,
    /// Storage key (never shown).
    pub storage_key: String,
    /// Original name.
    pub original_name: String,
    /// Detected MIME type.
    pub mime_type: String,
    /// Size in bytes.
    pub size_bytes: i64,
    /// SHA-256.
    pub sha256: String,
    /// Who added it.
    pub added_by_name: Option<String>,
    /// When.
    pub added_at: DateTime<Utc>,
    /// When its bytes were last found to have the recorded SHA-256.
    pub verified_at: Option<DateTime<Utc>>,
}

impl Evidence {
    /// The detected type.
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mime(&self.mime_type)
    }

    /// French label of the type.
    pub fn type_label(&self) -> &'static str {
        self.file_type().map(FileType::label).unwrap_or("Fichier")
    }

    /// Whether a preview may be shown.
    pub fn is_image(&self) -> bool {
        self.file_type().is_some_and(FileType::is_image)
    }
}

/// The evidence of a case in scope, oldest first.
pub async fn list(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    case: CaseId,
) -> sqlx::Result<Vec<Evidence>> {
    sqlx::query_as!(
        Evidence,
        r#"with ev as materialized (
               select e.* from evidence e
               -- The case checked once, not once per file.
               where e.case_id = $1
                 and exists (select 1 from cases c where c.id = $1
                             and ((c.school_id = any($2) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $4)))
                                  or ($3 and c.status in ('referred', 'in_progress', 'awaiting_school'))))),
           names as materialized (
               select a.id, a.display_name from accounts a where a.id in (select added_by from ev))
           select e.id as "id!: EvidenceId", e.storage_key as "storage_key!", e.original_name as "original_name!",
                  e.mime_type as "mime_type!", e.size_bytes as "size_bytes!", e.sha256 as "sha256!",
                  n.display_name as "added_by_name?", e.added_at as "added_at!: DateTime<Utc>",
                  (select k.verified_at from file_checks k where k.storage_key = e.storage_key) as "verified_at: DateTime<Utc>"
           from ev e left join names n on n.id = e.added_by
           order by e.seq"#,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_all(pool)
    .await
}

/// One evidence file of a case in scope.
pub async fn get(
    pool: &sqlx::PgPool,
    scope: &CaseScope,
    case: CaseId,
    id: EvidenceId,
) -> sqlx::Result<Option<Evidence>> {
    sqlx::query_as!(
        Evidence,
        r#"select e.id as "id: EvidenceId", e.storage_key, e.original_name, e.mime_type, e.size_bytes, e.sha256,
                  a.display_name as "added_by_name?", e.added_at as "added_at: DateTime<Utc>",
                  (select k.verified_at from file_checks k where k.storage_key = e.storage_key) as "verified_at: DateTime<Utc>"
           from evidence e join cases c on c.id = e.case_id left join accounts a on a.id = e.added_by
           where e.id = $1 and e.case_id = $2 and ((c.school_id = any($3) and (not c.restricted or exists (select 1 from case_access ca where ca.case_id = c.id and ca.account_id = $5))) or ($4 and c.status in ('referred', 'in_progress', 'awaiting_school')))"#,
        id.0,
        case.0,
        scope.school_ids() as &[Uuid],
        scope.helpline(),
        scope.actor().0
    )
    .fetch_optional(pool)
    .await
}

/// Whether a committed row (case or report evidence) uses this storage key.
pub async fn storage_key_in_use(pool: &sqlx::PgPool, key: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from evidence where storage_key = $1)
               or exists(select 1 from report_evidence where storage_key = $1) as "used!""#,
        key
    )
    .fetch_one(pool)
    .await
}
