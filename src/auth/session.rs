//! Server-side sessions (tower-sessions, stored in PostgreSQL) and the
//! extractors that say who may call a handler.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::AppState;
use crate::db;
use crate::domain::ids::{AccountId, SchoolId};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

const AUTH_KEY: &str = "auth";

/// What the session remembers of a login.
#[derive(Serialize, Deserialize)]
struct AuthData {
    account_id: AccountId,
    /// Unix time of the login, for the absolute timeout.
    login_at: i64,
}

/// Marks the session as logged in for `account`, with a new session id.
pub async fn log_in(session: &Session, account: AccountId) -> AppResult<()> {
    session.cycle_id().await?;
    session
        .insert(
            AUTH_KEY,
            AuthData {
                account_id: account,
                login_at: Utc::now().timestamp(),
            },
        )
        .await?;
    super::csrf::renew(session).await?;
    Ok(())
}

/// Ends the session and deletes it from the store.
pub async fn log_out(session: &Session) -> AppResult<()> {
    session.flush().await?;
    Ok(())
}

/// The logged-in caller.
pub struct Actor {
    /// Account id.
    pub id: AccountId,
    /// Role.
    pub role: Role,
    /// Name shown in the header and the timeline.
    pub display_name: String,
    /// Schools the account is attached to (school staff).
    pub schools: Vec<SchoolId>,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))?;
        let Some(auth) = session.get::<AuthData>(AUTH_KEY).await? else {
            return Err(AppError::Unauthenticated);
        };
        let age = Utc::now().timestamp() - auth.login_at;
        if age < 0 || age as u64 >= state.config.session_absolute.as_secs() {
            session.flush().await?;
            return Err(AppError::Unauthenticated);
        }
        let Some(account) = db::accounts::load_actor(&state.db, auth.account_id).await? else {
            session.flush().await?;
            return Err(AppError::Unauthenticated);
        };
        let csrf = super::csrf::token(&session).await?;
        Ok(Actor {
            id: account.id,
            role: account.role,
            display_name: account.display_name,
            schools: account.schools,
            csrf,
        })
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        pub struct $name(pub Actor);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let actor = Actor::from_request_parts(parts, state).await?;
                if actor.role == $role {
                    Ok($name(actor))
                } else {
                    // Another role's pages do not exist for this caller.
                    Err(AppError::NotFound)
                }
            }
        }
    };
}

role_extractor!(
    /// A school leadership account.
    SchoolStaff,
    Role::SchoolStaff
);
role_extractor!(
    /// A helpline desk account.
    HelplineAgent,
    Role::Helpline
);
role_extractor!(
    /// An administrator.
    Admin,
    Role::Admin
);

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

impl SchoolStaff {
    /// The scope of this school account.
    pub fn scope(&self) -> CaseScope {
        CaseScope::of(&self.0).expect("school staff have a scope")
    }
}

impl HelplineAgent {
    /// The scope of this helpline account.
    pub fn scope(&self) -> CaseScope {
        CaseScope::of(&self.0).expect("helpline agents have a scope")
    }
}
