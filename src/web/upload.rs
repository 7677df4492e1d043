//! Reading multipart forms within the configured limits.

use std::collections::HashMap;
use std::path::Path;

use axum::extract::Multipart;
use bytes::Bytes;

use super::forms::FieldErrors;
use crate::auth::csrf;
use crate::config::UploadLimits;
use crate::error::AppError;
use crate::ops::files::{CheckedFile, check_files};
use crate::storage::spool::{Incoming, Received};

/// A file part of a form, received whole (in memory while small, spooled to
/// disk beyond).
pub struct UploadedFile {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave, for display only.
    pub file_name: String,
    /// The content.
    pub content: Received,
}

/// Bytes of files one request may keep in memory; the rest is spooled to
/// disk as it arrives (a 200 KB screenshot stays in memory, a 20 MB video
/// does not).
const IN_MEMORY_PER_REQUEST: usize = 1024 * 1024;

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
        content: Option<Received>,
    ) {
        let refused = match content {
            None => format!(
                "Le fichier « {} » dépasse la taille maximale de {} Mo.",
                crate::domain::upload::clean_file_name(&file_name),
                limits.max_file_bytes / (1024 * 1024)
            ),
            Some(_) if self.files.len() >= limits.max_files => format!(
                "Vous pouvez joindre au plus {} fichiers à la fois.",
                limits.max_files
            ),
            Some(content) => {
                self.files.push(UploadedFile {
                    field,
                    file_name,
                    content,
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
            .map(|f| (f.file_name.as_str(), &f.content));
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
    spool: &Path,
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
    let mut memory = IN_MEMORY_PER_REQUEST;
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
        let file_name = field.file_name().map(str::to_owned);
        let mut part = Part {
            field,
            total: &mut total,
            limits,
            too_large: &too_large,
        };
        match file_name {
            None => {
                let text = part.read(MAX_TEXT_FIELD).await?;
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
                    part.read(MAX_TEXT_FIELD).await?;
                    continue;
                }
                let content = part.receive(spool, memory).await?;
                memory -= content.as_ref().map_or(0, Received::in_memory);
                form.add_file(limits, name, file_name, content);
            }
        }
    }
    if !csrf::matches(Some(token), form.text("csrf_token")) {
        return Err(AppError::Csrf);
    }
    Ok(form)
}

/// One part of the body being read, counted against the request limit.
struct Part<'f, 't, E> {
    field: axum::extract::multipart::Field<'f>,
    total: &'t mut usize,
    limits: &'t UploadLimits,
    too_large: &'t E,
}

impl<E: Fn() -> AppError> Part<'_, '_, E> {
    /// The next chunk, counted; a body over the request limit is refused.
    async fn chunk(&mut self) -> Result<Option<Bytes>, AppError> {
        let chunk = match self.field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(None),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err((self.too_large)());
            }
            Err(_) => return Err(AppError::BadRequest("malformed multipart body")),
        };
        *self.total += chunk.len();
        if *self.total > self.limits.max_request_bytes {
            return Err((self.too_large)());
        }
        Ok(Some(chunk))
    }

    /// Reads the part into memory; `None` when it is over `max` (the rest
    /// is drained so the next parts can be read).
    async fn read(&mut self, max: usize) -> Result<Option<Bytes>, AppError> {
        let mut buf = Vec::new();
        let mut over = false;
        while let Some(chunk) = self.chunk().await? {
            over = over || buf.len() + chunk.len() > max;
            if over {
                buf = Vec::new();
            } else {
                buf.extend_from_slice(&chunk);
            }
        }
        Ok((!over).then(|| Bytes::from(buf)))
    }

    /// Receives a file part, keeping up to `memory` bytes in memory and
    /// spooling the rest; `None` when it is over the per-file limit (what
    /// was spooled is removed, the rest drained).
    async fn receive(&mut self, spool: &Path, memory: usize) -> Result<Option<Received>, AppError> {
        let max = self.limits.max_file_bytes;
        let mut incoming = Some(Incoming::new(spool, memory.min(max)));
        let (mut size, spool_error) = (0usize, |e: std::io::Error| AppError::Internal(e.into()));
        while let Some(chunk) = self.chunk().await? {
            size += chunk.len();
            if size > max {
                incoming = None;
            }
            if let Some(file) = incoming.as_mut() {
                file.push(&chunk).await.map_err(spool_error)?;
            }
        }
        match incoming {
            Some(file) => Ok(Some(file.finish().await.map_err(spool_error)?)),
            None => Ok(None),
        }
    }
}
