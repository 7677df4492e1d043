//! Evidence files: checking uploads, storing them with the case transaction,
//! and serving them back to callers whose scope covers the case.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::Ids;
use super::upload::UploadedFile;
use crate::app::AppState;
use crate::auth::{Actor, CaseScope};
use crate::db::{self, Tx, audit::Outcome, evidence::NewEvidence};
use crate::domain::case::EventKind;
use crate::domain::ids::{AccountId, CaseId, EvidenceId};
use crate::domain::upload::{self, FileType};
use crate::error::{AppError, AppResult};
use crate::storage::{self, Storage};

/// Evidence routes, shared by every role that has a case scope.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{case}/evidence/{id}", get(download))
        .route("/cases/{case}/evidence/{id}/preview", get(preview))
}

/// An upload whose type was read from its bytes and accepted.
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
    files: impl Iterator<Item = &'a UploadedFile>,
) -> Result<Vec<CheckedFile>, String> {
    files
        .map(|f| {
            let name = upload::clean_file_name(&f.file_name);
            match upload::detect(&name, &f.bytes) {
                Ok(file_type) => Ok(CheckedFile {
                    sha256: hex::encode(Sha256::digest(&f.bytes)),
                    name,
                    file_type,
                    bytes: f.bytes.clone(),
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
                            tracing::error!(error = %format!("{e:#}"), "could not delete an uncommitted evidence file");
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

    /// Stores each file and records it on `case` in `tx`, with one timeline
    /// entry for the lot.
    pub async fn store(
        &mut self,
        tx: &mut Tx<'_>,
        case: CaseId,
        actor: Option<AccountId>,
        files: &[CheckedFile],
    ) -> AppResult<()> {
        if files.is_empty() {
            return Ok(());
        }
        for f in files {
            let key = self.put(&f.bytes).await?;
            let id = db::evidence::insert(
                tx,
                case,
                actor,
                &NewEvidence {
                    storage_key: &key,
                    original_name: &f.name,
                    file_type: f.file_type,
                    size: f.bytes.len() as i64,
                    sha256: &f.sha256,
                },
            )
            .await?;
            db::audit::record(
                &mut **tx,
                actor,
                "add_evidence",
                "evidence",
                Some(id.0),
                Outcome::Ok,
            )
            .await?;
        }
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        db::events::append(
            tx,
            case,
            actor,
            EventKind::EvidenceAdded,
            None,
            serde_json::json!({ "count": files.len(), "files": names }),
        )
        .await?;
        Ok(())
    }

    /// The transaction committed: the files stay.
    pub fn keep(mut self) {
        self.keys.clear();
    }

    /// The transaction failed: delete what was stored.
    pub async fn discard(mut self) {
        for key in std::mem::take(&mut self.keys) {
            if let Err(e) = self.storage.delete(&key).await {
                tracing::error!(error = %format!("{e:#}"), "could not delete an uncommitted evidence file");
            }
        }
    }
}

/// Runs `work` (which stores files through `pending` and commits), deleting
/// the stored files if it fails.
pub async fn with_pending_files<T>(
    state: &AppState,
    work: impl AsyncFnOnce(&mut PendingFiles) -> AppResult<T>,
) -> AppResult<T> {
    let mut pending = PendingFiles::new(state.storage.clone(), state.db.clone());
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

async fn load(
    state: &AppState,
    actor: &Actor,
    case: CaseId,
    id: EvidenceId,
    action: &str,
) -> AppResult<(db::evidence::Evidence, Bytes)> {
    let Some(scope) = CaseScope::of(actor) else {
        return Err(AppError::NotFound);
    };
    let Some(ev) = db::evidence::get(&state.db, &scope, case, id).await? else {
        db::audit::record(
            &state.db,
            Some(actor.id),
            action,
            "evidence",
            Some(id.0),
            Outcome::Denied,
        )
        .await?;
        return Err(AppError::NotFound);
    };
    let bytes = state.storage.get(&ev.storage_key).await?;
    db::audit::record(
        &state.db,
        Some(actor.id),
        action,
        "evidence",
        Some(id.0),
        Outcome::Ok,
    )
    .await?;
    Ok((ev, bytes))
}

/// `attachment; filename="…"; filename*=UTF-8''…` with a safe ASCII fallback.
pub fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Ids((case, id)): Ids<(CaseId, EvidenceId)>,
) -> AppResult<Response> {
    let (ev, bytes) = load(&state, &actor, case, id, "download_evidence").await?;
    // Served as a download, never rendered: the type is the detected one.
    let mime = ev
        .file_type()
        .map(FileType::mime)
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                disposition("attachment", &ev.original_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Ids((case, id)): Ids<(CaseId, EvidenceId)>,
) -> AppResult<Response> {
    let (ev, bytes) = load(&state, &actor, case, id, "preview_evidence").await?;
    let Some(t) = ev.file_type().filter(|t| t.is_image()) else {
        return Err(AppError::NotFound);
    };
    Ok((
        [
            (header::CONTENT_TYPE, t.mime().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                disposition("inline", &ev.original_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_escapes_names() {
        assert_eq!(
            disposition("attachment", "capture d'écran.png"),
            "attachment; filename=\"capture d__cran.png\"; filename*=UTF-8''capture%20d%27%C3%A9cran.png"
        );
        let d = disposition("attachment", "a\"b\r\n.png");
        assert!(!d.contains('\r') && !d.contains('\n'));
        assert_eq!(d.matches('"').count(), 2);
    }
}
