//! Where evidence bytes live: a trait, with a local-folder backend (the
//! default) and an S3-compatible object-storage backend; uploads arrive
//! through `spool`, bounded in memory.

use std::path::Path;
use std::sync::Arc;

use anyhow::bail;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

mod local;
mod s3;
pub mod spool;

pub use local::LocalStorage;
pub use s3::{S3Settings, S3Storage};

/// A blob read piece by piece: memory stays bounded whatever its size.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Bytes to store: in memory, or in a file (an upload spooled to disk, or a
/// local store's file being copied elsewhere).
#[derive(Clone, Copy)]
pub enum Blob<'a> {
    /// Held in memory.
    Memory(&'a [u8]),
    /// In a file of this size.
    File(&'a Path, u64),
}

impl Blob<'_> {
    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        match self {
            Blob::Memory(b) => b.len() as u64,
            Blob::File(_, n) => *n,
        }
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A store of immutable blobs addressed by a server-made key.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Stores `blob` under a new `key`: written once (an existing key is
    /// refused), complete or absent.
    async fn put(&self, key: &str, blob: Blob<'_>) -> anyhow::Result<()>;
    /// Opens a blob for reading as a stream.
    async fn open(&self, key: &str) -> anyhow::Result<ByteStream>;
    /// Copies a blob to a new key.
    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()>;
    /// Deletes a blob; deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Whether the store answers (`/readyz`).
    async fn check(&self) -> anyhow::Result<()>;

    /// Reads a whole blob into memory (tests and small files only).
    async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let mut stream = self.open(key).await?;
        let mut buf = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            buf.extend_from_slice(&chunk?);
        }
        Ok(buf.freeze())
    }
}

/// A new server-made storage key: never derived from anything a user sent.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Refuses a key `new_key` could not have made (no path, no separator).
pub fn checked_key(key: &str) -> anyhow::Result<&str> {
    if key.len() < 8 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("invalid storage key");
    }
    Ok(key)
}

/// Opens the configured store: the S3 bucket if one is configured, else
/// the local folder.
pub fn open(local_dir: &Path, s3: Option<&S3Settings>) -> anyhow::Result<Arc<dyn Storage>> {
    Ok(match s3 {
        Some(s) => Arc::new(S3Storage::new(s)?),
        None => Arc::new(LocalStorage::new(local_dir)?),
    })
}

/// SHA-256 (lowercase hex) and size of a stored blob, read as a stream.
pub async fn digest(storage: &dyn Storage, key: &str) -> anyhow::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut stream = storage.open(key).await?;
    let (mut hash, mut size) = (Sha256::new(), 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        size += chunk.len() as u64;
        hash.update(&chunk);
    }
    Ok((hex::encode(hash.finalize()), size))
}

/// Whether an error of a store says the blob is not there (rather than
/// the store not answering).
pub fn is_missing(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
            || matches!(
                cause.downcast_ref::<object_store::Error>(),
                Some(object_store::Error::NotFound { .. })
            )
    })
}
