//! Reading multipart forms within the configured limits.

use std::collections::HashMap;

use axum::extract::Multipart;
use bytes::Bytes;

use super::forms::FieldErrors;
use crate::auth::csrf;
use crate::config::UploadLimits;
use crate::error::AppError;
use crate::ops::files::{CheckedFile, check_files};

/// A file part of a form, held in memory (bounded by the request limit).
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave, for display only.
    pub file_name: String,
    /// The content.
    pub bytes: Bytes,
}

/// A multipart form: its text fields (repeatable), its files, and the files
/// refused for their size or count, by field.
#[derive(Default)]
pub struct MultipartForm {
    fields: Vec<(String, String)>,
    /// Files within the limits.
    pub files: Vec<UploadedFile>,
    /// Messages for files refused while reading, keyed by field name.
    pub file_errors: HashMap<String, String>,
    /// The upload permit this form holds while it lives.
    pub permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl MultipartForm {
    /// The first value of a text field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a text field, or "".
    pub fn get(&self, name: &str) -> String {
        self.text(name).unwrap_or_default().to_owned()
    }

    /// Every value of a repeated field, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The files of one field.
    pub fn files_of<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a UploadedFile> + 'a {
        self.files.iter().filter(move |f| f.field == field)
    }
}

/// Largest text field accepted (descriptions are bounded lower by validation).
impl MultipartForm {
    /// Keeps a file read whole (`None`: over the size limit), or notes why
    /// it is refused on its field.
    fn add_file(
        &mut self,
        limits: &UploadLimits,
        field: String,
        file_name: String,
        bytes: Option<Bytes>,
    ) {
        let refused = match bytes {
            None => format!(
                "Le fichier « {} » dépasse la taille maximale de {} Mo.",
                crate::domain::upload::clean_file_name(&file_name),
                limits.max_file_bytes / (1024 * 1024)
            ),
            Some(_) if self.files.len() >= limits.max_files => format!(
                "Vous pouvez joindre au plus {} fichiers à la fois.",
                limits.max_files
            ),
            Some(bytes) => {
                self.files.push(UploadedFile {
                    field,
                    file_name,
                    bytes,
                });
                return;
            }
        };
        self.file_errors.entry(field).or_insert(refused);
    }

    /// The files of `field`, checked (type from the bytes); `None`, with the
    /// message on `field`, if one was refused or too large.
    pub fn checked_files(&self, field: &str, errors: &mut FieldErrors) -> Option<Vec<CheckedFile>> {
        if let Some(msg) = self.file_errors.get(field) {
            errors.add(field, msg.clone());
            return None;
        }
        let files = self
            .files_of(field)
            .map(|f| (f.file_name.as_str(), &f.bytes));
        check_files(files).map_err(|m| errors.add(field, m)).ok()
    }
}

const MAX_TEXT_FIELD: usize = 64 * 1024;

/// Reads every part. A file over the per-file limit or past the count limit is
/// drained and noted in `file_errors`, so the form can come back with its
/// values and a message next to the field; a body over the request limit is a
/// 413.
pub async fn read_multipart(
    mut multipart: Multipart,
    limits: &UploadLimits,
    token: &str,
) -> Result<MultipartForm, AppError> {
    let too_large = || {
        AppError::PayloadTooLarge(format!(
            "L'envoi dépasse la taille maximale de {} Mo par envoi. Revenez en arrière et joignez moins de fichiers, ou des fichiers plus petits.",
            limits.max_request_bytes / (1024 * 1024)
        ))
    };
    let mut form = MultipartForm::default();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Err(_) => return Err(AppError::BadRequest("malformed multipart body")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            None => {
                let text = read_field(field, MAX_TEXT_FIELD, &mut total, limits, too_large).await?;
                let text = String::from_utf8(text.unwrap_or_default().to_vec())
                    .map_err(|_| AppError::BadRequest("text field is not UTF-8"))?;
                form.fields.push((name, text));
            }
            Some(file_name) => {
                // No file byte is read for a request without the right token.
                if !csrf::matches(Some(token), form.text("csrf_token")) {
                    return Err(AppError::Csrf);
                }
                // Browsers send an empty part when no file was chosen.
                if file_name.is_empty() {
                    read_field(field, limits.max_file_bytes, &mut total, limits, too_large).await?;
                    continue;
                }
                let bytes =
                    read_field(field, limits.max_file_bytes, &mut total, limits, too_large).await?;
                form.add_file(limits, name, file_name, bytes);
            }
        }
    }
    if !csrf::matches(Some(token), form.text("csrf_token")) {
        return Err(AppError::Csrf);
    }
    Ok(form)
}

/// Reads one part chunk by chunk; `None` when it is over `max` (the rest is
/// drained so the next parts can be read).
async fn read_field(
    mut field: axum::extract::multipart::Field<'_>,
    max: usize,
    total: &mut usize,
    limits: &UploadLimits,
    too_large: impl Fn() -> AppError,
) -> Result<Option<Bytes>, AppError> {
    let mut buf = Vec::new();
    let mut over = false;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Err(_) => return Err(AppError::BadRequest("malformed multipart body")),
        };
        *total += chunk.len();
        if *total > limits.max_request_bytes {
            return Err(too_large());
        }
        if !over && buf.len() + chunk.len() > max {
            over = true;
            buf = Vec::new();
        }
        if !over {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok(if over { None } else { Some(Bytes::from(buf)) })
}
