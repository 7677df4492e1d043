//! Evidence integrity: every download re-reads the file and checks its
//! SHA-256 against the one recorded at upload before a byte is sent; the
//! full verification walks every stored file (streamed, four at a time).
//! A file missing or altered is refused, audited and raised as an alert
//! for administrators.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use sqlx::PgPool;

use super::Ops;
use crate::auth::Actor;
use crate::db::integrity::{self, Problem, Run};
use crate::db::system::{StoredFile, stored_files};
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::error::{AppError, AppResult};
use crate::storage::{ByteStream, Storage, digest, is_missing};

/// Files up to this size are read once, checked, and sent from memory;
/// larger ones are read twice (checked, then streamed).
const IN_MEMORY: i64 = 1024 * 1024;

/// A stored file's expected content.
pub struct Expected<'a> {
    /// Storage key.
    pub key: &'a str,
    /// SHA-256 recorded at upload.
    pub sha256: &'a str,
    /// Size recorded at upload.
    pub size: i64,
}

/// What a check found.
enum Found {
    Intact(Option<Bytes>),
    Bad(Problem),
}

/// Reads the file through and compares; a small one is kept in memory when
/// `keep` (for the download that follows).
async fn check(storage: &dyn Storage, f: &Expected<'_>, keep: bool) -> anyhow::Result<Found> {
    use sha2::{Digest, Sha256};
    let read = if keep && f.size <= IN_MEMORY {
        storage.get(f.key).await.map(|b| {
            let sha = hex::encode(Sha256::digest(&b));
            let size = b.len() as u64;
            (sha, size, Some(b))
        })
    } else {
        digest(storage, f.key).await.map(|(s, n)| (s, n, None))
    };
    match read {
        Err(e) if is_missing(&e) => Ok(Found::Bad(Problem::Missing)),
        Err(e) => Err(e),
        Ok((sha, size, _)) if sha != f.sha256 || size != f.size as u64 => {
            Ok(Found::Bad(Problem::Altered))
        }
        Ok((_, _, bytes)) => Ok(Found::Intact(bytes)),
    }
}

/// Opens a file for a download once its bytes are checked; a file missing
/// or altered is refused (`AppError::Integrity`), audited against `record`
/// and raised as an alert.
pub async fn checked_open(
    ops: &Ops,
    actor: &Actor,
    f: &Expected<'_>,
    record: uuid::Uuid,
) -> AppResult<ByteStream> {
    match check(ops.storage.as_ref(), f, true).await? {
        Found::Intact(bytes) => {
            integrity::intact(&ops.db, &[f.key.to_owned()], Utc::now()).await?;
            match bytes {
                Some(b) => Ok(stream::once(async move { Ok(b) }).boxed()),
                None => Ok(ops.storage.open(f.key).await?),
            }
        }
        Found::Bad(problem) => {
            integrity::alert(&ops.db, f.key, problem, true).await?;
            let action = AuditAction::IntegrityFailure;
            db::audit::record(
                &ops.db,
                Some(actor.id),
                action,
                Some(record),
                Outcome::Denied,
            )
            .await?;
            tracing::error!(problem = ?problem, "evidence file failed its integrity check");
            Err(AppError::Integrity)
        }
    }
}

/// Checks every stored file the database knows (cases and reports), four
/// at a time with bounded memory; records each intact one, raises an alert
/// for each missing or altered one, and records the run. The storage keys
/// of the bad files come back (never their names).
pub async fn verify_all(
    pool: &PgPool,
    storage: &dyn Storage,
    now: DateTime<Utc>,
) -> anyhow::Result<(Run, Vec<(String, Problem)>)> {
    let mut run = Run {
        started_at: now,
        checked: 0,
        missing: 0,
        altered: 0,
    };
    let mut bad = Vec::new();
    let mut after = String::new();
    loop {
        let page = stored_files(pool, &after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.storage_key.clone();
        let found: Vec<(String, anyhow::Result<Found>)> = stream::iter(page)
            .map(|f| check_stored(storage, f))
            .buffer_unordered(4)
            .collect()
            .await;
        let mut intact = Vec::new();
        for (key, found) in found {
            run.checked += 1;
            match found? {
                Found::Intact(_) => intact.push(key),
                Found::Bad(problem) => {
                    integrity::alert(pool, &key, problem, false).await?;
                    match problem {
                        Problem::Missing => run.missing += 1,
                        Problem::Altered => run.altered += 1,
                    }
                    bad.push((key, problem));
                }
            }
        }
        integrity::intact(pool, &intact, Utc::now()).await?;
    }
    integrity::record_run(pool, &run).await?;
    Ok((run, bad))
}

async fn check_stored(storage: &dyn Storage, f: StoredFile) -> (String, anyhow::Result<Found>) {
    let expected = Expected {
        key: &f.storage_key,
        sha256: &f.sha256,
        size: f.size_bytes,
    };
    let found = check(storage, &expected, false).await;
    (f.storage_key, found)
}
