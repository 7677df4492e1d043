//! Who a session is, kept in memory per process: the session records
//! (tower-sessions) and the accounts behind them, so that a logged-in page
//! makes no database round trip for them.
//!
//! PostgreSQL stays the truth. Every change of a session or of what an
//! account may do is announced at commit by a trigger (migration 0023),
//! whoever makes it — this server, another one, the command line, SQL by
//! hand — and each process forgets the entry as soon as it hears of it. A
//! load that began before something was forgotten is not kept (`epoch`), and
//! nothing is kept while the process is not listening (at start, or after
//! its listening connection dropped: everything is forgotten then).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use moka::sync::Cache;
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgNotification};
use tokio::sync::oneshot;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use crate::db::accounts::ActorRow;
use crate::domain::ids::AccountId;

const SESSION_CHANNEL: &str = "vigie_session";
const ACCOUNT_CHANNEL: &str = "vigie_account";
const SYNC_CHANNEL: &str = "vigie_cache_sync";

/// Entries kept at most; a safety net of time on top of the announcements.
const CAPACITY: u64 = 50_000;
const KEPT_FOR: Duration = Duration::from_secs(15 * 60);

/// The per-process memory of sessions and accounts.
pub struct AuthCache {
    sessions: Cache<Id, Record>,
    actors: Cache<AccountId, Arc<ActorRow>>,
    /// Moves on whenever something is forgotten.
    epoch: AtomicU64,
    listening: AtomicBool,
    waiters: std::sync::Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

impl Default for AuthCache {
    fn default() -> AuthCache {
        AuthCache {
            sessions: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(KEPT_FOR)
                .build(),
            actors: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(KEPT_FOR)
                .build(),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            waiters: std::sync::Mutex::default(),
        }
    }
}

impl AuthCache {
    fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    fn listening(&self) -> bool {
        self.listening.load(Ordering::SeqCst)
    }

    /// Whether a value loaded when the epoch was `since` may be kept.
    fn may_keep(&self, since: u64) -> bool {
        self.listening() && self.epoch() == since
    }

    fn forget_session(&self, id: &Id) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.sessions.invalidate(id);
    }

    fn forget_account(&self, id: AccountId) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.actors.invalidate(&id);
    }

    fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.sessions.invalidate_all();
        self.actors.invalidate_all();
    }

    /// The account `id` as a session may use it: from memory, or read (and
    /// kept) when not there. `None` if it no longer exists.
    pub async fn actor(&self, pool: &PgPool, id: AccountId) -> sqlx::Result<Option<Arc<ActorRow>>> {
        if self.listening()
            && let Some(a) = self.actors.get(&id)
        {
            return Ok(Some(a));
        }
        let since = self.epoch();
        let Some(row) = crate::db::accounts::load_actor(pool, id).await? else {
            return Ok(None);
        };
        let row = Arc::new(row);
        if self.may_keep(since) {
            self.actors.insert(id, row.clone());
        }
        Ok(Some(row))
    }

    /// Returns once every change committed before the call has been heard
    /// and forgotten (at most two seconds; after that everything is
    /// forgotten instead). For a request that changed accounts, so that the
    /// next one — anyone's, on this process — sees the change.
    pub async fn sync(&self, pool: &PgPool) {
        if !self.listening() {
            return;
        }
        let token = rand::random::<u64>();
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().expect("waiters").insert(token, tx);
        // A notification needs no durability: no wait for the disk.
        let sql = format!(
            "begin; set local synchronous_commit = off; select pg_notify('{SYNC_CHANNEL}', '{token}'); commit"
        );
        let sent = sqlx::raw_sql(&sql).execute(pool).await.is_ok();
        let heard = sent
            && tokio::time::timeout(Duration::from_secs(2), rx)
                .await
                .is_ok();
        if !heard {
            self.waiters.lock().expect("waiters").remove(&token);
            self.forget_all();
        }
    }

    fn hear(&self, n: &PgNotification) {
        match n.channel() {
            SESSION_CHANNEL => match Id::from_str(n.payload()) {
                Ok(id) => self.forget_session(&id),
                Err(_) => self.forget_all(),
            },
            ACCOUNT_CHANNEL => match Uuid::parse_str(n.payload()) {
                Ok(id) => self.forget_account(AccountId(id)),
                Err(_) => self.forget_all(),
            },
            SYNC_CHANNEL => {
                let waiter = n
                    .payload()
                    .parse::<u64>()
                    .ok()
                    .and_then(|t| self.waiters.lock().expect("waiters").remove(&t));
                if let Some(w) = waiter {
                    let _ = w.send(());
                }
            }
            _ => {}
        }
    }

    /// Listens for changes on a connection of its own; returns once
    /// listening (or after a first failure: the caches then stay unused
    /// until the connection is made). Runs for the life of the process.
    pub async fn start(self: &Arc<Self>, pool: PgPool) {
        let (ready, started) = oneshot::channel();
        tokio::spawn(self.clone().listen(pool, ready));
        let _ = started.await;
    }

    async fn listen(self: Arc<Self>, pool: PgPool, ready: oneshot::Sender<()>) {
        let mut ready = Some(ready);
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "session cache: cannot listen, retrying");
                    if let Some(r) = ready.take() {
                        let _ = r.send(());
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let channels = [SESSION_CHANNEL, ACCOUNT_CHANNEL, SYNC_CHANNEL];
            if let Err(e) = listener.listen_all(channels).await {
                tracing::warn!(error = %e, "session cache: cannot listen, retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            self.forget_all();
            self.listening.store(true, Ordering::SeqCst);
            if let Some(r) = ready.take() {
                let _ = r.send(());
            }
            // `try_recv` says `None` when the connection is lost.
            while let Ok(Some(n)) = listener.try_recv().await {
                self.hear(&n);
            }
            self.listening.store(false, Ordering::SeqCst);
            self.forget_all();
            tracing::warn!("session cache: listening connection lost, reconnecting");
        }
    }
}

/// The PostgreSQL session store with the records kept in memory.
#[derive(Clone, Debug)]
pub struct CachedStore {
    inner: PostgresStore,
    cache: Arc<AuthCache>,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache")
            .field("sessions", &self.sessions.entry_count())
            .field("actors", &self.actors.entry_count())
            .finish()
    }
}

impl CachedStore {
    /// The store on `pool`, remembering in `cache`.
    pub fn new(pool: PgPool, cache: Arc<AuthCache>) -> CachedStore {
        CachedStore {
            inner: PostgresStore::new(pool),
            cache,
        }
    }

    fn keep(&self, since: u64, record: &Record) {
        if self.cache.may_keep(since) {
            self.cache.sessions.insert(record.id, record.clone());
        }
    }
}

#[async_trait]
impl SessionStore for CachedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let since = self.cache.epoch();
        self.inner.create(record).await?;
        self.keep(since, record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.cache.forget_session(&record.id);
        let since = self.cache.epoch();
        self.inner.save(record).await?;
        self.keep(since, record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = time::OffsetDateTime::now_utc();
        if self.cache.listening()
            && let Some(r) = self.cache.sessions.get(id)
            && r.expiry_date > now
        {
            return Ok(Some(r));
        }
        let since = self.cache.epoch();
        let record = self.inner.load(id).await?;
        if let Some(r) = &record {
            self.keep(since, r);
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.forget_session(id);
        self.inner.delete(id).await
    }
}
