//! One error type for every operation and handler. Its page (5xx log their
//! cause once and show no detail) is rendered by `web::error_page`.

/// What can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The record does not exist or is outside the caller's scope.
    #[error("not found")]
    NotFound,
    /// No valid session: go and log in.
    #[error("not logged in")]
    Unauthenticated,
    /// The action is refused to this caller (in scope, but not allowed now).
    #[error("forbidden")]
    Forbidden(&'static str),
    /// Missing or wrong CSRF token.
    #[error("csrf token missing or wrong")]
    Csrf,
    /// The record changed under the caller (e.g. a status moved meanwhile).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many uploads at once: come back in a moment.
    #[error("busy")]
    Busy,
    /// Too many attempts from this client.
    #[error("rate limited")]
    TooManyRequests,
    /// The request body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge(String),
    /// A value the operation refused, to show next to the form field
    /// `field` (a form's own checks come first; this is what only the
    /// database could tell, such as a target removed meanwhile).
    #[error("refused field {0}")]
    Field(&'static str, String),
    /// A malformed request that no form sends.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A stored file is missing or no longer has the SHA-256 recorded at
    /// upload: it is not sent.
    #[error("evidence integrity failure")]
    Integrity,
    /// A database failure.
    #[error("database error")]
    Db(#[source] sqlx::Error),
    /// Anything else.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            e => AppError::Db(e),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}
