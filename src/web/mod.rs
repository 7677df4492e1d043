//! HTTP handlers, one module per audience, and what their pages share.

pub mod admin;
pub mod case_view;
pub mod evidence;
pub mod format;
pub mod helpline;
pub mod inbox;
pub mod layout;
pub mod public;
pub mod reports;
pub mod school;
pub mod upload;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::AppError;

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

/// The client's address: the peer, or the last `X-Forwarded-For` hop when the
/// server is configured to sit behind a proxy.
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(ClientIp(Some(ip)));
        }
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Messages for the fields of a form that came back with errors.
#[derive(Default, Debug)]
pub struct FieldErrors(HashMap<String, String>);

impl FieldErrors {
    /// Notes an error on `field` (the first one stays).
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether `field` has an error.
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Whether there is no error at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The errors in the order of `fields`, for the summary at the top of a
    /// form: (field id, message).
    pub fn in_order(&self, fields: &[&str]) -> Vec<(String, String)> {
        let mut out: Vec<_> = fields
            .iter()
            .filter_map(|f| self.0.get(*f).map(|m| (f.to_string(), m.clone())))
            .collect();
        let mut rest: Vec<_> = self
            .0
            .iter()
            .filter(|(f, _)| !fields.contains(&f.as_str()))
            .map(|(f, m)| (f.clone(), m.clone()))
            .collect();
        rest.sort();
        out.extend(rest);
        out
    }
}
