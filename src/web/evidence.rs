//! Evidence files served back to callers whose scope covers the case: as
//! attachments, or as a sandboxed image preview.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;

use super::extract::Ids;
use crate::app::AppState;
use crate::auth::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::ids::{CaseId, EvidenceId};
use crate::domain::upload::FileType;
use crate::error::{AppError, AppResult};
use crate::ops;
use crate::storage::ByteStream;

/// Evidence routes, shared by every role that has a case scope.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cases/{case}/evidence/{id}", get(download))
        .route("/cases/{case}/evidence/{id}/preview", get(preview))
        .route("/cases/{case}/dossier", get(dossier))
        .route("/cases/{case}/dossier.pdf", get(dossier_pdf))
}

/// `attachment; filename="…"; filename*=UTF-8''…` with a safe ASCII fallback.
pub fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored file sent as it is read (never whole in memory), never cached.
pub fn served(mime: &str, disposition: String, size: i64, body: ByteStream) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, size.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

async fn download(
    State(state): State<AppState>,
    actor: Actor,
    Ids((case, id)): Ids<(CaseId, EvidenceId)>,
) -> AppResult<Response> {
    let action = AuditAction::DownloadEvidence;
    let (ev, body) = ops::reads::evidence(&state.ops(), &actor, case, id, action).await?;
    // Served as a download, never rendered: the type is the detected one.
    let mime = ev
        .file_type()
        .map(FileType::mime)
        .unwrap_or("application/octet-stream");
    let disposition = disposition("attachment", &ev.original_name);
    Ok(served(mime, disposition, ev.size_bytes, body))
}

async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Ids((case, id)): Ids<(CaseId, EvidenceId)>,
) -> AppResult<Response> {
    let action = AuditAction::PreviewEvidence;
    let (ev, body) = ops::reads::evidence(&state.ops(), &actor, case, id, action).await?;
    let Some(t) = ev.file_type().filter(|t| t.is_image()) else {
        return Err(AppError::NotFound);
    };
    let disposition = disposition("inline", &ev.original_name);
    let mut response = served(t.mime(), disposition, ev.size_bytes, body);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(response)
}

/// The sealed dossier of a case (ZIP: files, signed manifest), streamed
/// from its temporary file.
async fn dossier(
    State(state): State<AppState>,
    actor: Actor,
    Ids(case): Ids<CaseId>,
) -> AppResult<Response> {
    let d = ops::dossier::export(&state.ops(), &actor, case).await?;
    let body = tokio_util::io::ReaderStream::with_capacity(d.file, 64 * 1024).boxed();
    let disposition = disposition("attachment", &d.name);
    Ok(served("application/zip", disposition, d.size as i64, body))
}

/// The case's PDF, as a download.
async fn dossier_pdf(
    State(state): State<AppState>,
    actor: Actor,
    Ids(case): Ids<CaseId>,
) -> AppResult<Response> {
    let pdf = ops::dossier_pdf::export(&state.ops(), &actor, case).await?;
    let size = pdf.bytes.len() as i64;
    let body = futures_util::stream::once(async move { Ok(bytes::Bytes::from(pdf.bytes)) });
    let disposition = disposition("attachment", &pdf.name);
    Ok(served("application/pdf", disposition, size, body.boxed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_escapes_names() {
        assert_eq!(
            disposition("attachment", "capture d'écran.png"),
            "attachment; filename=\"capture d__cran.png\"; filename*=UTF-8''capture%20d%27%C3%A9cran.png"
        );
        let d = disposition("attachment", "a\"b\r\n.png");
        assert!(!d.contains('\r') && !d.contains('\n'));
        assert_eq!(d.matches('"').count(), 2);
    }
}
