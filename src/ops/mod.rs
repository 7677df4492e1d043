//! What the application does, whoever asks: handlers, the command line, the
//! background jobs and the tests call these functions. Each change is one
//! transaction that checks the caller's scope, asks the status machine,
//! writes, appends the timeline event and the audit record, and queues the
//! mail (README, "How it is built").

pub mod account_admin;
pub mod accounts;
pub mod admin;
pub mod audit_chain;
pub mod case;
mod case_writes;
pub mod dossier;
pub mod dossier_pdf;
pub mod files;
pub mod integrity;
pub mod invitations;
pub mod move_store;
pub mod open_case;
pub mod passwords;
pub mod read_audits;
pub mod reads;
pub mod reports;
mod school_writes;
pub mod schools;
pub mod two_factor;

use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::storage::Storage;

/// Runs `work` to its end even if the request that asked for it goes away:
/// a client that disconnects cannot cancel a transaction halfway (sqlx's
/// `begin` is not cancel-safe: a cancelled one can leave a pooled
/// connection inside a transaction), nor leave files behind.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = AppResult<T>> + Send + 'static,
) -> AppResult<T> {
    tokio::spawn(work)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("operation task failed: {e}")))?
}

/// What operations need: the database, the settings and the evidence store.
#[derive(Clone)]
pub struct Ops {
    /// The database.
    pub db: PgPool,
    /// Settings.
    pub config: Arc<Config>,
    /// Evidence bytes.
    pub storage: Arc<dyn Storage>,
    /// The server's grouped writer of read audits (none: each read
    /// appends its own entry).
    pub read_audits: Option<read_audits::ReadAudits>,
    /// The server's kept case lists (none: each read reads them).
    pub case_lists: Option<Arc<reads::KeptCaseLists>>,
}

impl Ops {
    /// Operations on these resources.
    pub fn new(db: PgPool, config: Arc<Config>, storage: Arc<dyn Storage>) -> Ops {
        Ops {
            db,
            config,
            storage,
            read_audits: None,
            case_lists: None,
        }
    }
}
