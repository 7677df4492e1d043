//! CSRF protection: a synchronizer token kept in the server-side session.
//!
//! Handlers never read a POST body themselves: they take a [`CsrfForm`] or a
//! [`CsrfMultipart`], which refuse the request unless its `csrf_token` field
//! matches the session's. A middleware also refuses cross-site POSTs that a
//! browser labels as such (`Sec-Fetch-Site`, `Origin`).

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::upload::{self, MultipartForm};

const CSRF_KEY: &str = "csrf";
/// The largest url-encoded form accepted.
const MAX_FORM_BYTES: usize = 256 * 1024;

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
    let expected = session.get::<String>(CSRF_KEY).await?;
    match (expected, submitted) {
        (Some(e), Some(s)) if bool::from(e.as_bytes().ct_eq(s.as_bytes())) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

async fn session_of(
    parts: &mut axum::http::request::Parts,
    state: &AppState,
) -> AppResult<Session> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("session layer missing")))
}

/// A url-encoded form whose CSRF token was checked. Repeated keys (checkbox
/// groups) deserialize into `Vec`s.
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = session_of(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| AppError::PayloadTooLarge("Le formulaire envoyé est trop long.".into()))?;
        let field: TokenField = serde_html_form::from_bytes(&bytes).map_err(|_| AppError::Csrf)?;
        verify(&session, field.csrf_token.as_deref()).await?;
        let value = serde_html_form::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("form fields do not match"))?;
        Ok(CsrfForm(value))
    }
}

/// A multipart form read within the upload limits, whose CSRF token was checked.
pub struct CsrfMultipart(pub MultipartForm);

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = session_of(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("not a multipart form"))?;
        let form = upload::read_multipart(multipart, &state.config.uploads).await?;
        verify(&session, form.text("csrf_token")).await?;
        Ok(CsrfMultipart(form))
    }
}

/// Refuses state-changing requests that the browser says come from another site.
pub async fn refuse_cross_site(req: Request<Body>, next: Next) -> Result<Response, AppError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let headers = req.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if matches!(fetch_site, Some("cross-site") | Some("same-site")) {
            return Err(AppError::Csrf);
        }
        if let (Some(origin), Some(host)) = (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            // Browsers send `Origin: null` on same-origin posts from pages
            // served with `Referrer-Policy: no-referrer`, as ours are: that
            // says nothing either way (the token still decides).
            let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
            if origin != "null" && origin_host != host {
                return Err(AppError::Csrf);
            }
        }
    }
    Ok(next.run(req).await)
}
