//! Static assets, compiled into the binary (one file to deploy) and served
//! under content-hashed names with long immutable caching: a new version is
//! a new name, so browsers never keep a stale stylesheet. The plain names
//! still answer, revalidated each time.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Path under `/static/`, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "css/vigie.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/vigie.css"),
    ),
    (
        "js/vigie.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/vigie.js"),
    ),
];

/// Each file's hashed path: `css/vigie.<12 hex of SHA-256>.css`.
static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(path, _, body)| {
            let hash = &hex::encode(Sha256::digest(body))[..12];
            match path.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{path}.{hash}"),
            }
        })
        .collect()
});

/// The URL to put in a page for asset `path` (its hashed name).
pub fn url(path: &str) -> String {
    match FILES.iter().position(|(p, _, _)| *p == path) {
        Some(i) => format!("/static/{}", HASHED[i]),
        None => format!("/static/{path}"),
    }
}

/// Serves an asset: by hashed name for a year (immutable), by plain name
/// revalidated each time.
pub async fn serve(Path(path): Path<String>) -> Response {
    let hashed = HASHED.iter().position(|h| *h == path);
    let found = hashed.or_else(|| FILES.iter().position(|(p, _, _)| *p == path));
    let Some(i) = found else {
        return AppError::NotFound.into_response();
    };
    let cache = if hashed.is_some() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let (_, mime, body) = FILES[i];
    (
        [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_keep_the_extension() {
        let u = url("css/vigie.css");
        assert!(u.starts_with("/static/css/vigie.") && u.ends_with(".css"));
        assert_eq!(u.len(), "/static/css/vigie..css".len() + 12);
    }
}
