//! What handlers take from a request: who calls (`Actor` and the role
//! extractors that make a signature say who may call), the only two ways to
//! read a POST body (both check the CSRF token), path ids and the client's
//! address.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Multipart, Path, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::upload::{MultipartForm, read_multipart};
use crate::app::AppState;
use crate::auth::session::AdminScope;
use crate::auth::{Actor, CaseScope, csrf, session};
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// The largest url-encoded form accepted.
const MAX_FORM_BYTES: usize = 256 * 1024;

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = session_of(parts, state).await?;
        let timeouts = state.config.session_timeouts();
        let Some((id, login_at)) = session::logged_in(&session, timeouts).await? else {
            return Err(AppError::Unauthenticated);
        };
        let account = state.auth.actor(&state.db, id).await?;
        let Some(account) = account.filter(|a| a.admits(login_at)) else {
            session.flush().await?;
            return Err(AppError::Unauthenticated);
        };
        let csrf = csrf::token(&session).await?;
        Ok(Actor {
            id: account.id,
            role: account.role,
            display_name: account.display_name.clone(),
            schools: account.schools.clone(),
            academies: account.academies.clone(),
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

impl Admin {
    /// What this administrator manages.
    pub fn scope(&self) -> AdminScope {
        AdminScope::of(&self.0).expect("administrators have a scope")
    }

    /// This administrator if national; others get a 404 (pages about the
    /// whole platform: mail, audit trail, integrity).
    pub fn national(&self) -> AppResult<&Actor> {
        match self.scope().national() {
            true => Ok(&self.0),
            false => Err(AppError::NotFound),
        }
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

/// The request's server-side session.
pub async fn session_of(parts: &mut Parts, state: &AppState) -> Result<Session, AppError> {
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
        csrf::verify(&session, field.csrf_token.as_deref()).await?;
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
        let expected = csrf::expected(&session).await?.ok_or(AppError::Csrf)?;
        // At most so many uploads are read at once: memory stays bounded
        // whatever the number of clients.
        let wait = std::time::Duration::from_secs(10);
        let permit = tokio::time::timeout(wait, state.uploads.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Busy)?
            .map_err(|_| AppError::Busy)?;
        let req = Request::from_parts(parts, body);
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("not a multipart form"))?;
        // The token (first in every form) is checked before any file is read.
        let config = &state.config;
        let mut form =
            read_multipart(multipart, &config.uploads, &config.spool_dir, &expected).await?;
        // Held until the handler is done with the files.
        form.permit = Some(permit);
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

/// Ids taken from the path; a malformed one is a French 404 like any unknown
/// record.
pub struct Ids<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Ids(t))
            .map_err(|_| AppError::NotFound)
    }
}

/// The client's address: the peer, or, behind `TRUSTED_PROXIES` proxies of
/// ours, the address the outermost of them saw (see [`forwarded_client`]).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let proxies = state.config.trusted_proxies;
        if proxies == 0 {
            return Ok(ClientIp(peer));
        }
        let lines = parts.headers.get_all("x-forwarded-for").iter();
        let lines: Vec<&str> = lines.filter_map(|v| v.to_str().ok()).collect();
        Ok(ClientIp(forwarded_client(&lines, proxies).or(peer)))
    }
}

/// The client behind `proxies` trusted proxies, from every `X-Forwarded-For`
/// line in order: each proxy appends the address it received the request
/// from, so the right-most `proxies` entries are the only ones a client
/// cannot write. Entries left of them, or a list too short, are not trusted.
pub fn forwarded_client(lines: &[&str], proxies: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = lines.iter().flat_map(|l| l.split(',')).collect();
    let entry = entries.iter().rev().nth(proxies.checked_sub(1)?)?;
    entry.trim().parse().ok()
}

/// A form with nothing but its CSRF token (a button).
#[derive(Deserialize)]
pub struct Empty {}

#[cfg(test)]
mod tests {
    use super::forwarded_client;

    #[test]
    fn the_client_is_read_from_the_right() {
        let ip = |s: &str| Some(s.parse().unwrap());
        // One proxy: it appended the client; what the client sent is ignored.
        assert_eq!(forwarded_client(&["6.6.6.6, 1.2.3.4"], 1), ip("1.2.3.4"));
        // A forged line before the proxy's own line changes nothing.
        assert_eq!(forwarded_client(&["6.6.6.6", "1.2.3.4"], 1), ip("1.2.3.4"));
        // Two proxies: the outer one's entry is second from the right.
        assert_eq!(
            forwarded_client(&["6.6.6.6, 1.2.3.4, 10.0.0.2"], 2),
            ip("1.2.3.4")
        );
        assert_eq!(forwarded_client(&["10.0.0.2"], 2), None);
        assert_eq!(forwarded_client(&[], 1), None);
        assert_eq!(forwarded_client(&["pas une adresse"], 1), None);
        assert_eq!(forwarded_client(&["1.2.3.4"], 0), None);
    }
}
