//! Evidence bytes stored with the transaction that records them: checked
//! uploads, and the files written before a commit that must not outlive a
//! failed one.

use std::sync::Arc;

use sqlx::PgPool;

use super::Ops;
use crate::db::cases::LockedCase;
use crate::db::report_thread::ReportEvidence;
use crate::db::{self, Tx, audit::Outcome, evidence::NewEvidence};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::upload::{self, FileType};
use crate::error::{AppError, AppResult};
use crate::storage::spool::Received;
use crate::storage::{self, Blob, Storage};

/// An upload whose type was read from its bytes and accepted.
#[derive(Clone)]
pub struct CheckedFile {
    /// Cleaned original name.
    pub name: String,
    /// Detected type.
    pub file_type: FileType,
    /// Content, size and SHA-256.
    pub content: Received,
}

impl CheckedFile {
    /// Its size in bytes.
    pub fn size(&self) -> i64 {
        self.content.size as i64
    }
}

/// Checks every file; the first refused one gives the message for the field.
pub fn check_files<'a>(
    files: impl Iterator<Item = (&'a str, &'a Received)>,
) -> Result<Vec<CheckedFile>, String> {
    files
        .map(|(file_name, content)| {
            let name = upload::clean_file_name(file_name);
            match upload::detect_head(&name, &content.head, content.utf8_text) {
                Ok(file_type) => Ok(CheckedFile {
                    name,
                    file_type,
                    content: content.clone(),
                }),
                Err(e) => Err(format!("« {name} » : {e}")),
            }
        })
        .collect()
}

/// How long a file written for a row that never committed (the process
/// was killed midway) waits before the background jobs delete it: longer
/// than any request may take.
pub const UNCOMMITTED_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Files written to storage during a transaction that has not committed yet.
/// Each key is recorded as a deletion due after `UNCOMMITTED_GRACE` before
/// its file is written, and that record is withdrawn in the transaction that
/// writes its row: whatever happens (failure, cancellation, `kill -9`), no
/// file outlives its row for long. A failed transaction (`discard`) or a
/// cancelled request (drop) deletes its files at once.
pub struct PendingFiles {
    storage: Arc<dyn Storage>,
    pool: PgPool,
    keys: Vec<String>,
}

impl Drop for PendingFiles {
    fn drop(&mut self) {
        let keys = std::mem::take(&mut self.keys);
        if keys.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (storage, pool) = (self.storage.clone(), self.pool.clone());
        runtime.spawn(async move { delete_uncommitted(&pool, storage.as_ref(), keys).await });
    }
}

/// Deletes the files of `keys` that no committed row uses; one that cannot
/// be deleted now is left to the background jobs.
async fn delete_uncommitted(pool: &PgPool, storage: &dyn Storage, keys: Vec<String>) {
    for key in keys {
        // A commit that reported an error (or raced a cancellation) may
        // still have gone through.
        match db::evidence::storage_key_in_use(pool, &key).await {
            Ok(false) => {}
            Ok(true) => continue,
            Err(e) => {
                tracing::error!(error = %e, "could not check an uncommitted evidence file");
                continue;
            }
        }
        let deleted = match storage.delete(&key).await {
            Ok(()) => db::deletions::done(pool, &key).await,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "uncommitted evidence file kept for a later deletion");
                db::deletions::queue(pool, std::slice::from_ref(&key)).await
            }
        };
        if let Err(e) = deleted {
            tracing::error!(error = %e, "could not record an evidence file's deletion");
        }
    }
}

impl PendingFiles {
    /// Nothing stored yet.
    pub fn new(storage: Arc<dyn Storage>, pool: PgPool) -> PendingFiles {
        PendingFiles {
            storage,
            pool,
            keys: Vec::new(),
        }
    }

    /// Stores `blob` under a new key for a row `tx` writes; deleted again
    /// unless `tx` commits.
    pub async fn put(&mut self, tx: &mut Tx<'_>, blob: Blob<'_>) -> AppResult<String> {
        let key = self.reserve(1).await?.remove(0);
        self.storage.put(&key, blob).await?;
        db::deletions::withdraw(tx, std::slice::from_ref(&key)).await?;
        Ok(key)
    }

    /// `n` new keys, recorded for deletion before anything is written
    /// under them.
    async fn reserve(&mut self, n: usize) -> AppResult<Vec<String>> {
        let keys: Vec<String> = (0..n).map(|_| storage::new_key()).collect();
        db::deletions::intend(&self.pool, &keys, UNCOMMITTED_GRACE).await?;
        // Tracked before the writes: a cancellation during them still cleans up.
        self.keys.extend(keys.iter().cloned());
        Ok(keys)
    }

    /// Writes `files` under new keys, all at once, before the transaction
    /// that records them ([`PendingFiles::record`]): it then holds no
    /// pooled connection, and no lock, through the writes. Deleted again
    /// unless that transaction commits.
    pub async fn write(&mut self, files: &[CheckedFile]) -> AppResult<Vec<String>> {
        let keys = self.reserve(files.len()).await?;
        let storage = self.storage.as_ref();
        futures_util::future::try_join_all(
            files
                .iter()
                .zip(&keys)
                .map(|(f, key)| storage.put(key, f.content.blob())),
        )
        .await?;
        Ok(keys)
    }

    /// Records on the locked case each file [`PendingFiles::write`] wrote
    /// under `keys`; returns the names, for the timeline entry the caller
    /// appends, and the audit entries, which the caller appends last:
    /// appending one takes the chain's head until the transaction ends.
    pub async fn record(
        &mut self,
        tx: &mut Tx<'_>,
        case: &LockedCase,
        actor: Option<AccountId>,
        files: &[CheckedFile],
        keys: &[String],
    ) -> AppResult<(Vec<String>, Vec<db::audit::NewEntry>)> {
        db::deletions::withdraw(tx, keys).await?;
        let mut added = Vec::with_capacity(files.len());
        for (f, key) in files.iter().zip(keys) {
            let new = NewEvidence {
                storage_key: key,
                original_name: &f.name,
                file_type: f.file_type,
                size: f.size(),
                sha256: &f.content.sha256,
            };
            let id = db::evidence::insert(tx, case, actor, &new).await?;
            let add = AuditAction::AddEvidence;
            added.push(db::audit::NewEntry::done(actor, add, id.0));
        }
        Ok((files.iter().map(|f| f.name.clone()).collect(), added))
    }

    /// Writes then records `files` within `tx` (a command on a case
    /// already locked).
    pub async fn store(
        &mut self,
        tx: &mut Tx<'_>,
        case: &LockedCase,
        actor: Option<AccountId>,
        files: &[CheckedFile],
    ) -> AppResult<(Vec<String>, Vec<db::audit::NewEntry>)> {
        let keys = self.write(files).await?;
        self.record(tx, case, actor, files, &keys).await
    }

    /// Copies a report's stored file into the locked case under a new key
    /// (evidence rows are never moved), audited.
    pub async fn copy_into(
        &mut self,
        tx: &mut Tx<'_>,
        case: &LockedCase,
        actor: Option<AccountId>,
        file: &ReportEvidence,
    ) -> AppResult<()> {
        let key = self.reserve(1).await?.remove(0);
        self.storage.copy(&file.storage_key, &key).await?;
        db::deletions::withdraw(tx, std::slice::from_ref(&key)).await?;
        let file_type = FileType::from_mime(&file.mime_type)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown stored type")))?;
        let new = NewEvidence {
            storage_key: &key,
            original_name: &file.original_name,
            file_type,
            size: file.size_bytes,
            sha256: &file.sha256,
        };
        let id = db::evidence::insert(tx, case, actor, &new).await?;
        let add = AuditAction::AddEvidence;
        db::audit::record(&mut **tx, actor, add, Some(id.0), Outcome::Ok).await?;
        Ok(())
    }

    /// The transaction committed: the files stay.
    pub fn keep(mut self) {
        self.keys.clear();
    }

    /// The transaction failed: delete what was stored (what cannot be
    /// deleted now is left to the background jobs).
    pub async fn discard(mut self) {
        let keys = std::mem::take(&mut self.keys);
        delete_uncommitted(&self.pool, self.storage.as_ref(), keys).await;
    }
}

/// Runs `work` (which stores files through `pending` and commits), deleting
/// the stored files if it fails.
pub async fn with_pending_files<T>(
    ops: &Ops,
    work: impl AsyncFnOnce(&mut PendingFiles) -> AppResult<T>,
) -> AppResult<T> {
    let mut pending = PendingFiles::new(ops.storage.clone(), ops.db.clone());
    match work(&mut pending).await {
        Ok(v) => {
            pending.keep();
            Ok(v)
        }
        Err(e) => {
            pending.discard().await;
            Err(e)
        }
    }
}

/// Deletes the files queued for deletion that are due at `now` (taken with
/// `FOR UPDATE SKIP LOCKED`: any number of workers may run this); a failure
/// is retried later with back-off. Returns (deleted, failed).
pub async fn delete_pending(
    pool: &PgPool,
    storage: &dyn Storage,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(usize, usize)> {
    let (mut deleted, mut failed) = (0, 0);
    loop {
        let mut tx = pool.begin().await?;
        let keys = db::deletions::claim_due(&mut tx, now, 100).await?;
        if keys.is_empty() {
            return Ok((deleted, failed));
        }
        for key in &keys {
            match storage.delete(key).await {
                Ok(()) => {
                    db::deletions::done(&mut *tx, key).await?;
                    db::integrity::forget(&mut *tx, key).await?;
                    deleted += 1;
                }
                Err(e) => {
                    db::deletions::failed(&mut tx, key, &format!("{e:#}")).await?;
                    failed += 1;
                }
            }
        }
        tx.commit().await?;
    }
}
