//! `/verification`: anyone, without logging in, checks that a dossier
//! exported by Vigie is genuine (signed with this installation's key) and
//! intact, and which file was altered if not. The upload is read from its
//! temporary file and gone when the answer is sent: nothing is stored.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::public_layout;
use crate::app::AppState;
use crate::auth::ratelimit::ip_key;
use crate::error::{AppError, AppResult};
use crate::ops::dossier::{self, Verdict};
use crate::storage::Blob;
use crate::web::extract::{ClientIp, CsrfMultipart};
use crate::web::layout::Layout;

/// The page: the public key, the form and, after a check, its verdict.
#[derive(Template, WebTemplate)]
#[template(path = "public/verification.html")]
pub struct VerificationPage {
    layout: Layout,
    public_key: String,
    verdict: Option<Verdict>,
    error: Option<String>,
}

pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<VerificationPage> {
    Ok(VerificationPage {
        layout: public_layout(&session).await?,
        public_key: state.config.seal.public_base64(),
        verdict: None,
        error: None,
    })
}

pub(super) async fn check(
    State(state): State<AppState>,
    session: Session,
    ClientIp(ip): ClientIp,
    CsrfMultipart(form): CsrfMultipart,
) -> AppResult<Response> {
    let key = ip.map(ip_key).unwrap_or_else(|| "unknown".into());
    if !state.allow(&state.limiters.verify_ip, &key).await? {
        return Err(AppError::TooManyRequests);
    }
    let seal = state.config.seal.clone();
    let answer = match form.files_of("dossier").next() {
        None => Err(form
            .file_errors
            .get("dossier")
            .cloned()
            .unwrap_or_else(|| "Choisissez le fichier ZIP du dossier à vérifier.".to_owned())),
        Some(file) => {
            let content = file.content.clone();
            tokio::task::spawn_blocking(move || match content.blob() {
                Blob::Memory(b) => dossier::verify(std::io::Cursor::new(b), &seal),
                Blob::File(path, _) => match std::fs::File::open(path) {
                    Ok(f) => dossier::verify(f, &seal),
                    Err(_) => Err("Le fichier reçu n'a pas pu être relu.".to_owned()),
                },
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?
        }
    };
    let status = match &answer {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let (verdict, error) = match answer {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    let page = VerificationPage {
        layout: public_layout(&session).await?,
        public_key: state.config.seal.public_base64(),
        verdict,
        error,
    };
    Ok((status, page).into_response())
}
