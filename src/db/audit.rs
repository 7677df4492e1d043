//! The audit trail: who read or changed which record, when, with what result.

use sqlx::PgExecutor;
use uuid::Uuid;

use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;

/// What the audited request came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused, or the record was out of the caller's scope.
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
        }
    }
}

/// One entry to append.
#[derive(Clone, Copy, Debug)]
pub struct NewEntry {
    /// Who (none: the command line or an anonymous caller).
    pub actor: Option<AccountId>,
    /// What.
    pub action: AuditAction,
    /// Which record.
    pub record_id: Option<Uuid>,
    /// Result.
    pub outcome: Outcome,
}

impl NewEntry {
    /// What `actor` did to record `id`, done.
    pub fn done(actor: Option<AccountId>, action: AuditAction, id: Uuid) -> NewEntry {
        NewEntry {
            actor,
            action,
            record_id: Some(id),
            outcome: Outcome::Ok,
        }
    }
}

/// Appends entries in one statement, in their order (the chain's trigger
/// takes the head once for the whole transaction).
pub async fn record_many<'e>(db: impl PgExecutor<'e>, entries: &[NewEntry]) -> sqlx::Result<()> {
    let actors: Vec<Option<Uuid>> = entries.iter().map(|e| e.actor.map(|a| a.0)).collect();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.code()).collect();
    let types: Vec<&str> = entries
        .iter()
        .map(|e| e.action.record_type().code())
        .collect();
    let records: Vec<Option<Uuid>> = entries.iter().map(|e| e.record_id).collect();
    let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    sqlx::query!(
        "insert into audit_log (actor_id, action, record_type, record_id, result)
         select a, b, c, d, f
         from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[]) with ordinality as e(a, b, c, d, f, n)
         order by n",
        &actors as &[Option<Uuid>],
        &actions as &[&str],
        &types as &[&str],
        &records as &[Option<Uuid>],
        &outcomes as &[&str],
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Appends one audit entry.
pub async fn record<'e>(
    db: impl PgExecutor<'e>,
    actor: Option<AccountId>,
    action: AuditAction,
    record_id: Option<Uuid>,
    outcome: Outcome,
) -> sqlx::Result<()> {
    let entry = NewEntry {
        actor,
        action,
        record_id,
        outcome,
    };
    record_many(db, &[entry]).await
}

/// One audit entry, for tests and the administrators' views.
#[derive(Debug)]
pub struct AuditEntry {
    /// Who.
    pub actor_id: Option<Uuid>,
    /// What.
    pub action: String,
    /// Which kind of record.
    pub record_type: String,
    /// Which record.
    pub record_id: Option<Uuid>,
    /// Result.
    pub result: String,
}

/// The entries about one record, oldest first.
pub async fn list_for_record<'e>(
    db: impl PgExecutor<'e>,
    record_id: Uuid,
) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as!(
        AuditEntry,
        "select actor_id, action, record_type, record_id, result from audit_log where record_id = $1 order by id",
        record_id
    )
    .fetch_all(db)
    .await
}

/// An audit row with its place in the chain.
pub struct ChainRow {
    /// Row id.
    pub id: i64,
    /// Place in the chain.
    pub chain_seq: i64,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who.
    pub actor_id: Option<Uuid>,
    /// What.
    pub action: String,
    /// Which kind of record.
    pub record_type: String,
    /// Which record.
    pub record_id: Option<Uuid>,
    /// Result.
    pub result: String,
    /// The bytes hashed.
    pub canonical: String,
    /// The previous row's hash.
    pub prev_hash: Vec<u8>,
    /// This row's hash.
    pub hash: Vec<u8>,
}

/// Up to `n` rows of the chain from place `from`, in chain order.
pub async fn chain_page(pool: &sqlx::PgPool, from: i64, n: i64) -> sqlx::Result<Vec<ChainRow>> {
    sqlx::query_as!(
        ChainRow,
        r#"select id, chain_seq, at as "at: chrono::DateTime<chrono::Utc>", actor_id, action, record_type,
                  record_id, result, canonical, prev_hash, hash
           from audit_log where chain_seq >= $1 order by chain_seq limit $2"#,
        from,
        n
    )
    .fetch_all(pool)
    .await
}

/// What the retention purge left of the chain's start.
pub struct Checkpoint {
    /// The last place purged.
    pub up_to_seq: i64,
    /// The hash of the last row purged.
    pub hash: Vec<u8>,
    /// Ed25519 signature of `domain::seal::checkpoint_message`.
    pub signature: Vec<u8>,
}

/// The latest checkpoint, if the purge ever removed audit rows.
pub async fn latest_checkpoint(pool: &sqlx::PgPool) -> sqlx::Result<Option<Checkpoint>> {
    sqlx::query_as!(
        Checkpoint,
        "select up_to_seq, hash, signature from audit_checkpoints order by up_to_seq desc limit 1"
    )
    .fetch_optional(pool)
    .await
}

/// The chain's head: its last place and hash.
pub async fn head<'e>(db: impl PgExecutor<'e>) -> sqlx::Result<(i64, Vec<u8>)> {
    let h = sqlx::query!("select seq, hash from audit_head")
        .fetch_one(db)
        .await?;
    Ok((h.seq, h.hash))
}

/// Writes today's head as an anchor if none was written today; the head
/// when it was.
pub async fn anchor_today(
    pool: &sqlx::PgPool,
    today: chrono::NaiveDate,
) -> sqlx::Result<Option<(i64, Vec<u8>)>> {
    let row = sqlx::query!(
        r#"insert into audit_anchors (day, seq, hash) select $1, seq, hash from audit_head
           on conflict (day) do nothing returning seq, hash"#,
        today as chrono::NaiveDate
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.seq, r.hash)))
}

/// One reading of a case or of one of its files.
pub struct Access {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who (their display name), if the account still exists.
    pub who: Option<String>,
    /// Their role (`school_staff`, `helpline`, `admin`).
    pub role: Option<String>,
    /// `view_case`, `download_evidence` or `preview_evidence`.
    pub action: String,
    /// The file's name, for a file.
    pub file: Option<String>,
}

/// Who opened the case `case` and its files, newest first (at most `n`).
/// The caller checked the case is in its scope.
pub async fn case_access(pool: &sqlx::PgPool, case: Uuid, n: i64) -> sqlx::Result<Vec<Access>> {
    sqlx::query_as!(
        Access,
        r#"select a.at as "at: chrono::DateTime<chrono::Utc>", acc.display_name as "who?",
                  acc.role::text as "role?", a.action, e.original_name as "file?"
           from audit_log a
           left join accounts acc on acc.id = a.actor_id
           left join evidence e on e.id = a.record_id and a.record_type = 'evidence'
           where a.result = 'ok'
             and ((a.record_type = 'case' and a.record_id = $1 and a.action in ('view_case', 'export_dossier', 'export_dossier_pdf'))
               or (a.record_type = 'evidence' and a.action in ('download_evidence', 'preview_evidence')
                   and a.record_id in (select id from evidence where case_id = $1)))
           order by a.at desc, a.chain_seq desc limit $2"#,
        case,
        n
    )
    .fetch_all(pool)
    .await
}

/// What the administrators' viewer filters on.
#[derive(Default)]
pub struct TrailFilter {
    /// One account.
    pub account: Option<Uuid>,
    /// From this day (Paris time), included.
    pub from: Option<chrono::NaiveDate>,
    /// To this day (Paris time), included.
    pub to: Option<chrono::NaiveDate>,
    /// One action code.
    pub action: Option<String>,
    /// Entries before this place in the chain (the next page).
    pub before: Option<i64>,
}

/// An entry as administrators see it: who, what, which record — never a
/// case's content.
pub struct TrailEntry {
    /// Place in the chain.
    pub chain_seq: i64,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The account's name and address, if any.
    pub who: Option<String>,
    /// Its e-mail.
    pub email: Option<String>,
    /// Action code.
    pub action: String,
    /// Record type code.
    pub record_type: String,
    /// The case's reference, for a case.
    pub case_reference: Option<String>,
    /// `ok` or `denied`.
    pub result: String,
}

/// The newest `n` entries matching `f`, newest first.
pub async fn trail(pool: &sqlx::PgPool, f: &TrailFilter, n: i64) -> sqlx::Result<Vec<TrailEntry>> {
    sqlx::query_as!(
        TrailEntry,
        r#"select a.chain_seq, a.at as "at: chrono::DateTime<chrono::Utc>", acc.display_name as "who?",
                  acc.email as "email?", a.action, a.record_type, c.reference as "case_reference?", a.result
           from audit_log a
           left join accounts acc on acc.id = a.actor_id
           left join cases c on a.record_type = 'case' and c.id = a.record_id
           where ($1::uuid is null or a.actor_id = $1)
             and ($2::date is null or a.at >= ($2::date::timestamp at time zone 'Europe/Paris'))
             and ($3::date is null or a.at < (($3::date + 1)::timestamp at time zone 'Europe/Paris'))
             and ($4::text is null or a.action = $4)
             and ($5::bigint is null or a.chain_seq < $5)
           order by a.chain_seq desc limit $6"#,
        f.account,
        f.from as Option<chrono::NaiveDate>,
        f.to as Option<chrono::NaiveDate>,
        f.action,
        f.before,
        n
    )
    .fetch_all(pool)
    .await
}
