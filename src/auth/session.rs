//! Server-side sessions (tower-sessions, stored in PostgreSQL), the `Actor`
//! a session stands for and the `CaseScope` built from it. The extractors
//! that read them from a request are in `web::extract`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::config::SessionTimeouts;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;
use crate::error::AppResult;

const AUTH_KEY: &str = "auth";

/// What the session remembers of a login.
#[derive(Serialize, Deserialize)]
struct AuthData {
    account_id: AccountId,
    /// Unix time of the login, for the absolute timeout.
    login_at: i64,
    /// The same in milliseconds, compared with the moment the owner ended
    /// their sessions (absent from sessions made before it was kept).
    #[serde(default)]
    login_ms: Option<i64>,
}

/// Marks the session as logged in for `account`, with a new session id.
pub async fn log_in(session: &Session, account: AccountId) -> AppResult<()> {
    // A millisecond after any "end my sessions" of the same instant.
    let now = Utc::now() + chrono::TimeDelta::milliseconds(1);
    session.cycle_id().await?;
    session.remove_value(PENDING_KEY).await?;
    session
        .insert(
            AUTH_KEY,
            AuthData {
                account_id: account,
                login_at: now.timestamp(),
                login_ms: Some(now.timestamp_millis()),
            },
        )
        .await?;
    mark_active(session).await?;
    super::csrf::renew(session).await?;
    Ok(())
}

const PENDING_KEY: &str = "second_step";

/// How long the second step may take once the password is typed.
const SECOND_STEP_WITHIN: i64 = 10 * 60;

/// A password typed right, waiting for the second step.
#[derive(Serialize, Deserialize)]
struct Pending {
    account_id: AccountId,
    /// Unix time of the password.
    since: i64,
}

/// Notes that `account` typed its password (with a new session id): the
/// session is not logged in until [`log_in`] after the second step.
pub async fn begin_second_step(session: &Session, account: AccountId) -> AppResult<()> {
    session.cycle_id().await?;
    session.remove_value(AUTH_KEY).await?;
    let since = Utc::now().timestamp();
    let pending = Pending {
        account_id: account,
        since,
    };
    session.insert(PENDING_KEY, pending).await?;
    Ok(())
}

/// The account whose password was typed in this session less than ten
/// minutes ago and which has not passed the second step yet.
pub async fn second_step(session: &Session) -> AppResult<Option<AccountId>> {
    let Some(pending) = session.get::<Pending>(PENDING_KEY).await? else {
        return Ok(None);
    };
    let age = Utc::now().timestamp() - pending.since;
    if !(0..SECOND_STEP_WITHIN).contains(&age) {
        session.remove_value(PENDING_KEY).await?;
        return Ok(None);
    }
    Ok(Some(pending.account_id))
}

/// Ends the session and deletes it from the store.
pub async fn log_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

/// The logged-in caller.
#[derive(Clone, Debug)]
pub struct Actor {
    /// Account id.
    pub id: AccountId,
    /// Role.
    pub role: Role,
    /// Name shown in the header and the timeline.
    pub display_name: String,
    /// Schools the account is attached to (school staff).
    pub schools: Vec<SchoolId>,
    /// Administrators: the académies they manage (none: national).
    pub academies: Vec<String>,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

/// The account a session is logged in as and when it logged in, if it is
/// still within both timeouts (an expired session is flushed).
pub async fn logged_in(
    session: &Session,
    timeouts: SessionTimeouts,
) -> AppResult<Option<(AccountId, DateTime<Utc>)>> {
    let Some(auth) = session.get::<AuthData>(AUTH_KEY).await? else {
        return Ok(None);
    };
    let age = Utc::now().timestamp() - auth.login_at;
    if age < 0
        || age as u64 >= timeouts.absolute.as_secs()
        || !still_active(session, timeouts.idle).await?
    {
        session.flush().await?;
        return Ok(None);
    }
    let ms = auth.login_ms.unwrap_or(auth.login_at * 1000);
    let at = DateTime::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC);
    Ok(Some((auth.account_id, at)))
}

const SEEN_KEY: &str = "seen_at";

/// How stale the last-seen mark may get before it is written again: the
/// session is saved at most once a minute, not on every request.
const SEEN_PRECISION: i64 = 60;

/// Marks the session as used now (at login, or when a follow-up code opens
/// a report).
pub async fn mark_active(session: &Session) -> AppResult<()> {
    session.insert(SEEN_KEY, Utc::now().timestamp()).await?;
    Ok(())
}

/// Whether the session was used within `idle`; marks it used now. The
/// cookie ends with the browser, so this is what ends a session left open.
pub async fn still_active(session: &Session, idle: Duration) -> AppResult<bool> {
    let now = Utc::now().timestamp();
    let seen = session.get::<i64>(SEEN_KEY).await?;
    if seen.is_some_and(|seen| now - seen >= idle.as_secs() as i64) {
        return Ok(false);
    }
    if seen.is_none_or(|seen| now - seen >= SEEN_PRECISION) {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(true)
}

/// The cases a caller may see. Only built from an [`Actor`]; every query on
/// cases, evidence and reports takes one and filters with it in SQL.
#[derive(Clone, Debug)]
pub struct CaseScope {
    actor: AccountId,
    schools: Vec<Uuid>,
    helpline: bool,
}

impl CaseScope {
    /// The scope of `actor`: their schools' cases for school staff, referred
    /// cases for the helpline, none for administrators.
    pub fn of(actor: &Actor) -> Option<CaseScope> {
        match actor.role {
            Role::SchoolStaff => Some(CaseScope {
                actor: actor.id,
                schools: actor.schools.iter().map(|s| s.0).collect(),
                helpline: false,
            }),
            Role::Helpline => Some(CaseScope {
                actor: actor.id,
                schools: Vec::new(),
                helpline: true,
            }),
            Role::Admin => None,
        }
    }

    /// The caller's account.
    pub fn actor(&self) -> AccountId {
        self.actor
    }

    /// The schools whose cases are visible (empty for the helpline).
    pub fn school_ids(&self) -> &[Uuid] {
        &self.schools
    }

    /// Whether referred cases of every school are visible.
    pub fn helpline(&self) -> bool {
        self.helpline
    }

    /// Whether a case of `school` is visible to school staff in this scope.
    pub fn covers_school(&self, school: SchoolId) -> bool {
        self.schools.contains(&school.0)
    }
}

/// What an administrator manages: every académie (national) or some. Only
/// built from an administrator [`Actor`]; the administrators' queries on
/// schools, accounts and counts take one and filter with it in SQL.
#[derive(Clone, Debug)]
pub struct AdminScope {
    actor: AccountId,
    academies: Option<Vec<String>>,
}

impl AdminScope {
    /// The scope of `actor`, if an administrator.
    pub fn of(actor: &Actor) -> Option<AdminScope> {
        (actor.role == Role::Admin).then(|| AdminScope {
            actor: actor.id,
            academies: (!actor.academies.is_empty()).then(|| actor.academies.clone()),
        })
    }

    /// The command line: national.
    pub fn command_line() -> AdminScope {
        AdminScope {
            actor: AccountId(Uuid::nil()),
            academies: None,
        }
    }

    /// The administrator's account (nil for the command line).
    pub fn actor(&self) -> Option<AccountId> {
        (!self.actor.0.is_nil()).then_some(self.actor)
    }

    /// Whether every académie is managed.
    pub fn national(&self) -> bool {
        self.academies.is_none()
    }

    /// The académies managed, `None` for all (a SQL `text[]` parameter:
    /// null means no filter).
    pub fn academies(&self) -> Option<&[String]> {
        self.academies.as_deref()
    }

    /// Whether a school of `academie` is managed.
    pub fn covers(&self, academie: &str) -> bool {
        self.academies
            .as_ref()
            .is_none_or(|a| a.iter().any(|x| x == academie))
    }
}
