//! The sealed export of a case: a ZIP with the case's PDF (`dossier_pdf`),
//! the original evidence files and
//! `manifest.json` (case reference, school, generation time and author,
//! each file's name, size and SHA-256), whose exact bytes are signed with
//! the installation's Ed25519 key (`manifest.sig`). Anyone with the public
//! key can check a dossier: `vigie dossier verify` or the public page
//! `/verification`. Files are checked (`integrity`) as they go in; the ZIP
//! is written to a private temporary file, never whole in memory.

use std::io::{Read, Seek, Write};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Ops;
use super::integrity::{Expected, checked_open};
use super::reads::CaseRecord;
use crate::auth::{Actor, CaseScope};
use crate::db::{self, audit::Outcome};
use crate::domain::audit::AuditAction;
use crate::domain::ids::CaseId;
use crate::domain::seal::Seal;
use crate::domain::status::Role;
use crate::error::{AppError, AppResult};

/// The manifest's format name.
const FORMAT: &str = "vigie-dossier/1";
/// The PDF's path in the ZIP.
const PDF_ENTRY: &str = "dossier.pdf";
/// Most entries a ZIP may have to be checked.
const MAX_ENTRIES: usize = 10_000;

/// One file of the dossier.
#[derive(Serialize, Deserialize)]
pub struct ManifestFile {
    /// Its path in the ZIP.
    pub path: String,
    /// The name it was uploaded with.
    pub original_name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// What the signature covers.
#[derive(Serialize, Deserialize)]
pub struct Manifest {
    /// `vigie-dossier/1`.
    pub format: String,
    /// The case.
    pub case_reference: String,
    /// Its school's UAI.
    pub school_uai: String,
    /// When the dossier was made.
    pub generated_at: DateTime<Utc>,
    /// Who made it (display name).
    pub generated_by: String,
    /// The installation's public key (for reading; the check uses the key
    /// the verifier trusts, never this one).
    pub public_key: String,
    /// The files.
    pub files: Vec<ManifestFile>,
}

/// A made dossier: an open temporary file (already unlinked) and its name.
pub struct Dossier {
    /// The ZIP, to stream.
    pub file: tokio::fs::File,
    /// Its size.
    pub size: u64,
    /// `dossier-<reference>.zip`.
    pub name: String,
}

/// The case for a dossier: its school's leadership, or the agent who holds
/// it; anyone else gets 404 (audited as denied under `action`).
pub(super) async fn held_record(
    ops: &Ops,
    actor: &Actor,
    id: CaseId,
    action: AuditAction,
) -> AppResult<CaseRecord> {
    let scope = CaseScope::of(actor).ok_or(AppError::NotFound)?;
    let case = db::cases::get_case(&ops.db, &scope, id)
        .await?
        .filter(|c| actor.role != Role::Helpline || c.claimed_by == Some(actor.id));
    let Some(case) = case else {
        db::audit::record(&ops.db, Some(actor.id), action, Some(id.0), Outcome::Denied).await?;
        return Err(AppError::NotFound);
    };
    super::reads::record_of(ops, &scope, case).await
}

/// Makes the sealed dossier of a case (the PDF, the original files, the
/// signed manifest) for those `held_record` lets in. Audited.
pub async fn export(ops: &Ops, actor: &Actor, id: CaseId) -> AppResult<Dossier> {
    let action = AuditAction::ExportDossier;
    let record = held_record(ops, actor, id, action).await?;
    let (case, evidence) = (&record.case, &record.evidence);
    let generated_at = Utc::now();
    let pdf = super::dossier_pdf::make(ops, actor, &record, generated_at).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Part>(4);
    let path = spool_path(ops).await?;
    // Removed whatever happens (an integrity refusal midway included).
    let _removed = TempPath(path.clone());
    let writing = tokio::task::spawn_blocking({
        let path = path.clone();
        move || write_zip(&path, rx)
    });
    let mut files = vec![send_pdf(&tx, &case.reference, pdf, generated_at).await?];
    files.extend(send_files(ops, actor, evidence, &tx).await?);
    let manifest = Manifest {
        format: FORMAT.into(),
        case_reference: case.reference.clone(),
        school_uai: case.school_uai.clone(),
        generated_at,
        generated_by: actor.display_name.clone(),
        public_key: ops.config.seal.public_base64(),
        files,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).map_err(anyhow::Error::from)?;
    let signature = STANDARD.encode(ops.config.seal.sign(&bytes));
    for part in [
        Part::Start("manifest.json".into()),
        Part::Bytes(bytes),
        Part::Start("manifest.sig".into()),
        Part::Bytes(signature.into_bytes()),
    ] {
        send(&tx, part).await?;
    }
    drop(tx);
    let written = writing.await.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Removed from the folder when `_removed` goes; the open file stays readable.
    let opened = tokio::fs::File::open(&path).await;
    let size = written?;
    db::audit::record(&ops.db, Some(actor.id), action, Some(id.0), Outcome::Ok).await?;
    Ok(Dossier {
        file: opened.map_err(anyhow::Error::from)?,
        size,
        name: format!("dossier-{}.zip", case.reference),
    })
}

/// A fresh path for a dossier in the private spool folder.
async fn spool_path(ops: &Ops) -> AppResult<std::path::PathBuf> {
    tokio::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&ops.config.spool_dir)
        .await
        .map_err(anyhow::Error::from)?;
    let name = format!("{}.dossier", uuid::Uuid::new_v4().simple());
    Ok(ops.config.spool_dir.join(name))
}

/// Sends the case's PDF into the ZIP; returns its manifest entry.
async fn send_pdf(
    tx: &tokio::sync::mpsc::Sender<Part>,
    reference: &str,
    pdf: Vec<u8>,
    at: DateTime<Utc>,
) -> AppResult<ManifestFile> {
    let entry = ManifestFile {
        path: PDF_ENTRY.into(),
        original_name: format!("dossier-{reference}.pdf"),
        size: pdf.len() as u64,
        sha256: hex::encode(Sha256::digest(&pdf)),
        added_at: at,
    };
    send(tx, Part::Start(PDF_ENTRY.into())).await?;
    send(tx, Part::Bytes(pdf)).await?;
    Ok(entry)
}

/// Sends each evidence file, checked, into the ZIP; returns the manifest's list.
async fn send_files(
    ops: &Ops,
    actor: &Actor,
    evidence: &[db::evidence::Evidence],
    tx: &tokio::sync::mpsc::Sender<Part>,
) -> AppResult<Vec<ManifestFile>> {
    let mut files = Vec::new();
    for (i, e) in evidence.iter().enumerate() {
        let entry = format!("pieces/{:03}-{}", i + 1, e.original_name.replace('/', "_"));
        let expected = Expected {
            key: &e.storage_key,
            sha256: &e.sha256,
            size: e.size_bytes,
        };
        let mut body = checked_open(ops, actor, &expected, e.id.0).await?;
        send(tx, Part::Start(entry.clone())).await?;
        while let Some(chunk) = body.next().await {
            send(
                tx,
                Part::Bytes(chunk.map_err(anyhow::Error::from)?.to_vec()),
            )
            .await?;
        }
        files.push(ManifestFile {
            path: entry,
            original_name: e.original_name.clone(),
            size: e.size_bytes as u64,
            sha256: e.sha256.clone(),
            added_at: e.added_at,
        });
    }
    Ok(files)
}

/// A temporary file removed when this goes.
struct TempPath(std::path::PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

enum Part {
    Start(String),
    Bytes(Vec<u8>),
}

async fn send(tx: &tokio::sync::mpsc::Sender<Part>, part: Part) -> AppResult<()> {
    tx.send(part)
        .await
        .map_err(|_| AppError::Internal(anyhow::anyhow!("the dossier writer stopped")))
}

/// Writes the parts received into a ZIP (stored, not compressed: the files
/// are kept byte for byte); returns its size.
fn write_zip(path: &Path, mut rx: tokio::sync::mpsc::Receiver<Part>) -> anyhow::Result<u64> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    while let Some(part) = rx.blocking_recv() {
        match part {
            Part::Start(name) => zip.start_file(name, options)?,
            Part::Bytes(b) => zip.write_all(&b)?,
        }
    }
    let mut file = zip.finish()?;
    file.flush()?;
    Ok(file.stream_position()?)
}

/// What checking a dossier found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The case it claims to be.
    pub case_reference: String,
    /// When it claims to have been made, and by whom.
    pub generated: String,
    /// Whether the manifest is signed by the trusted key.
    pub genuine: bool,
    /// Files whose bytes differ from the manifest.
    pub altered: Vec<String>,
    /// Files of the manifest absent from the ZIP.
    pub missing: Vec<String>,
    /// Files in the ZIP the manifest does not list.
    pub extra: Vec<String>,
}

impl Verdict {
    /// Genuine and intact.
    pub fn holds(&self) -> bool {
        self.genuine && self.altered.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Checks a dossier against the trusted key. `Err` (a French sentence):
/// not a Vigie dossier at all.
pub fn verify(reader: impl Read + Seek, seal: &Seal) -> Result<Verdict, String> {
    let not_ours = "Ce fichier n'est pas un dossier exporté par Vigie (archive ZIP avec manifest.json et manifest.sig).";
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| not_ours.to_owned())?;
    if zip.len() > MAX_ENTRIES {
        return Err(not_ours.into());
    }
    let read_small = |zip: &mut zip::ZipArchive<_>, name: &str| -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let entry = zip.by_name(name).ok()?;
        entry.take(1024 * 1024).read_to_end(&mut out).ok()?;
        Some(out)
    };
    let manifest_bytes = read_small(&mut zip, "manifest.json").ok_or(not_ours)?;
    let signature = read_small(&mut zip, "manifest.sig").ok_or(not_ours)?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|_| not_ours.to_owned())?;
    if manifest.format != FORMAT {
        return Err(not_ours.into());
    }
    let signature = STANDARD.decode(signature.trim_ascii()).unwrap_or_default();
    let mut verdict = Verdict {
        genuine: seal.verifies(&manifest_bytes, &signature),
        case_reference: manifest.case_reference.clone(),
        generated: format!(
            "{} par {}",
            manifest.generated_at.format("%Y-%m-%d %H:%M UTC"),
            manifest.generated_by
        ),
        ..Verdict::default()
    };
    for f in &manifest.files {
        let Ok(entry) = zip.by_name(&f.path) else {
            verdict.missing.push(f.path.clone());
            continue;
        };
        let mut hash = Sha256::new();
        let mut limited = entry.take(f.size + 1);
        let n = std::io::copy(&mut limited, &mut hash).unwrap_or(u64::MAX);
        if n != f.size || hex::encode(hash.finalize()) != f.sha256 {
            verdict.altered.push(f.path.clone());
        }
    }
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    verdict.extra = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| !listed.contains(&n.as_ref()) && n != "manifest.json" && n != "manifest.sig")
        .map(|n| n.into_owned())
        .collect();
    verdict.extra.sort();
    Ok(verdict)
}
