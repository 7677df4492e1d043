//! The audit entries of reads, written in groups: every case page, report
//! or file opened appends a row to the hash-chained trail, and each
//! appender holds the chain's head until its transaction is on disk. One
//! writer per process takes every entry waiting and appends them in one
//! transaction — one lock and one flush for the group — and each request
//! goes on only once its own entry is stored (nothing is shown unrecorded).

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};

use crate::db::audit::{self, NewEntry};

/// The most entries appended in one transaction.
const GROUP: usize = 256;

struct Waiting {
    entry: NewEntry,
    stored: oneshot::Sender<bool>,
}

/// The writer's mailbox.
#[derive(Clone)]
pub struct ReadAudits {
    tx: mpsc::Sender<Waiting>,
}

impl ReadAudits {
    /// Starts the writer on `pool` (inside the runtime).
    pub fn start(pool: PgPool) -> ReadAudits {
        let (tx, rx) = mpsc::channel(4 * GROUP);
        tokio::spawn(write(pool, rx));
        ReadAudits { tx }
    }

    /// Appends `entry`; returns once it is stored.
    pub async fn record(&self, entry: NewEntry) -> anyhow::Result<()> {
        let (stored, done) = oneshot::channel();
        let sent = self.tx.send(Waiting { entry, stored }).await.is_ok();
        match sent && done.await.unwrap_or(false) {
            true => Ok(()),
            false => Err(anyhow::anyhow!("read audit entry not stored")),
        }
    }
}

async fn write(pool: PgPool, mut rx: mpsc::Receiver<Waiting>) {
    let mut group = Vec::with_capacity(GROUP);
    while rx.recv_many(&mut group, GROUP).await > 0 {
        let entries: Vec<NewEntry> = group.iter().map(|w| w.entry).collect();
        let stored = match audit::record_many(&pool, &entries).await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, entries = entries.len(), "read audit entries not stored");
                false
            }
        };
        for w in group.drain(..) {
            let _ = w.stored.send(stored);
        }
    }
}
