//! The French page of every error: what happened and what to do; 5xx log
//! their cause once and show no detail.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::layout::Layout;
use crate::error::AppError;

/// The French error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Shared layout (no user menu on error pages).
    pub layout: Layout,
    /// Page heading.
    pub title: &'static str,
    /// What happened and what to do.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            AppError::Unauthenticated => return Redirect::to("/login").into_response(),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page introuvable",
                "Cette page n'existe pas ou vous n'y avez pas accès.".to_owned(),
            ),
            AppError::Forbidden(why) => (StatusCode::FORBIDDEN, "Action impossible", why.to_owned()),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Formulaire expiré",
                "Ce formulaire a expiré ou ne vient pas de Vigie. Revenez à la page précédente, rechargez-la et recommencez.".to_owned(),
            ),
            AppError::Conflict(msg) => (StatusCode::CONFLICT, "Le dossier a changé", msg),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Trop de tentatives",
                "Trop de tentatives en peu de temps. Patientez quelques minutes avant de réessayer.".to_owned(),
            ),
            AppError::PayloadTooLarge(msg) => (StatusCode::PAYLOAD_TOO_LARGE, "Envoi trop volumineux", msg),
            AppError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service très sollicité",
                "Beaucoup d'envois arrivent en ce moment : le vôtre n'a pas été lu et rien n'a été enregistré. Réessayez dans une minute. En cas d'urgence, appelez le 17, le 112 ou le 3018.".to_owned(),
            ),
            AppError::Integrity => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Fichier non remis",
                "Ce fichier n'a pas été envoyé : il est introuvable, ou son contenu ne correspond plus à l'empreinte SHA-256 enregistrée à son dépôt. L'incident est enregistré et signalé aux administrateurs de Vigie ; les autres pièces du dossier ne sont pas concernées.".to_owned(),
            ),
            AppError::Field(_, msg) => (StatusCode::UNPROCESSABLE_ENTITY, "Saisie refusée", msg),
            AppError::BadRequest(why) => {
                tracing::info!(reason = why, "bad request");
                (
                    StatusCode::BAD_REQUEST,
                    "Requête invalide",
                    "La requête envoyée est invalide. Revenez à la page précédente et recommencez.".to_owned(),
                )
            }
            AppError::Db(e) => {
                tracing::error!(error = %e, "database error");
                internal()
            }
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                internal()
            }
        };
        let page = ErrorPage {
            layout: Default::default(),
            title,
            message,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

fn internal() -> (StatusCode, &'static str, String) {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur du service",
        "Une erreur est survenue de notre côté ; rien n'a été enregistré. Réessayez dans un instant.".to_owned(),
    )
}
