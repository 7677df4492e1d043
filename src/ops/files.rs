//! Evidence bytes stored with the transaction that records them: checked
//! uploads, and the files written before a commit that must not outlive a
//! failed one.

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::Ops;
use crate::db::cases::LockedCase;
use crate::db::report_thread::ReportEvidence;
use crate::db::{self, Tx, audit::Outcome, evidence::NewEvidence};
use crate::domain::audit::AuditAction;
use crate::domain::ids::AccountId;
use crate::domain::upload::{self, FileType};
use crate::error::{AppError, AppResult};
use crate::storage::{self, Storage};

/// An upload whose type was read from its bytes and accepted.
#[derive(Clone)]
pub struct CheckedFile {
    /// Cleaned original name.
    pub name: String,
    /// Detected type.
    pub file_type: FileType,
    /// Content.
    pub bytes: Bytes,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// Checks every file; the first refused one gives the message for the field.
pub fn check_files<'a>(
    files: impl Iterator<Item = (&'a str, &'a Bytes)>,
) -> Result<Vec<CheckedFile>, String> {
    files
        .map(|(file_name, bytes)| {
            let name = upload::clean_file_name(file_name);
            match upload::detect(&name, bytes) {
                Ok(file_type) => Ok(CheckedFile {
                    sha256: hex::encode(Sha256::digest(bytes)),
                    name,
                    file_type,
                    bytes: bytes.clone(),
                }),
                Err(e) => Err(format!("« {name} » : {e}")),
            }
        })
        .collect()
}

/// Files written to storage during a transaction that has not committed yet:
/// if the transaction fails, `discard` deletes them so no orphan is left; if
/// the request is cancelled midway (the client went away), dropping deletes
/// those that no committed row uses.
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
        runtime.spawn(async move {
            for key in keys {
                // The commit may have gone through just before the cancellation.
                match db::evidence::storage_key_in_use(&pool, &key).await {
                    Ok(false) => {
                        if let Err(e) = storage.delete(&key).await {
                            tracing::warn!(error = %format!("{e:#}"), "uncommitted evidence file kept for a later deletion");
                            let _ = db::deletions::queue(&pool, std::slice::from_ref(&key)).await;
                        }
                    }
                    Ok(true) => {}
                    Err(e) => tracing::error!(error = %e, "could not check an uncommitted evidence file"),
                }
            }
        });
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

    /// Stores bytes under a new key, deleted again if the work fails.
    pub async fn put(&mut self, bytes: &[u8]) -> AppResult<String> {
        let key = storage::new_key();
        // Tracked before the write: a cancellation during it still cleans up.
        self.keys.push(key.clone());
        self.storage.put(&key, bytes).await?;
        Ok(key)
    }

    /// Stores each file and records it on the locked case, each audited;
    /// returns the names, for the timeline entry the caller appends.
    pub async fn store(
        &mut self,
        tx: &mut Tx<'_>,
        case: &LockedCase,
        actor: Option<AccountId>,
        files: &[CheckedFile],
    ) -> AppResult<Vec<String>> {
        for f in files {
            let key = self.put(&f.bytes).await?;
            let new = NewEvidence {
                storage_key: &key,
                original_name: &f.name,
                file_type: f.file_type,
                size: f.bytes.len() as i64,
                sha256: &f.sha256,
            };
            let id = db::evidence::insert(tx, case, actor, &new).await?;
            db::audit::record(
                &mut **tx,
                actor,
                AuditAction::AddEvidence,
                Some(id.0),
                Outcome::Ok,
            )
            .await?;
        }
        Ok(files.iter().map(|f| f.name.clone()).collect())
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
        let bytes = self.storage.get(&file.storage_key).await?;
        let key = self.put(&bytes).await?;
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
    /// deleted now is queued for the background jobs).
    pub async fn discard(mut self) {
        for key in std::mem::take(&mut self.keys) {
            // A commit that reported an error may still have gone through.
            if db::evidence::storage_key_in_use(&self.pool, &key)
                .await
                .unwrap_or(true)
            {
                continue;
            }
            if let Err(e) = self.storage.delete(&key).await {
                tracing::warn!(error = %format!("{e:#}"), "uncommitted evidence file kept for a later deletion");
                if let Err(e) = db::deletions::queue(&self.pool, &[key]).await {
                    tracing::error!(error = %e, "could not queue an evidence file for deletion");
                }
            }
        }
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
                    db::deletions::done(&mut tx, key).await?;
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
