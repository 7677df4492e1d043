//! CSRF protection: a synchronizer token kept in the server-side session.
//!
//! Handlers never read a POST body themselves: they take `web::extract`'s
//! `CsrfForm` or `CsrfMultipart`, which refuse the request unless its
//! `csrf_token` field passes [`verify`].

use base64::Engine;
use rand::RngCore;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::error::{AppError, AppResult};

const CSRF_KEY: &str = "csrf";

/// The token the session expects, if it has one.
pub async fn expected(session: &Session) -> AppResult<Option<String>> {
    Ok(session.get::<String>(CSRF_KEY).await?)
}

/// Whether `submitted` is the expected token (in constant time).
pub fn matches(expected: Option<&str>, submitted: Option<&str>) -> bool {
    match (expected, submitted) {
        (Some(e), Some(s)) => bool::from(e.as_bytes().ct_eq(s.as_bytes())),
        _ => false,
    }
}

/// The session's token, made on first use.
pub async fn token(session: &Session) -> AppResult<String> {
    if let Some(t) = session.get::<String>(CSRF_KEY).await? {
        return Ok(t);
    }
    let t = new_token();
    session.insert(CSRF_KEY, &t).await?;
    Ok(t)
}

/// Replaces the token (after login, so a token seen before login is useless).
pub async fn renew(session: &Session) -> AppResult<String> {
    let t = new_token();
    session.insert(CSRF_KEY, &t).await?;
    Ok(t)
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Checks a submitted token against the session's, in constant time.
pub async fn verify(session: &Session, submitted: Option<&str>) -> AppResult<()> {
    let expected = expected(session).await?;
    if matches(expected.as_deref(), submitted) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}
