//! Where evidence bytes live: a trait, with a local-folder backend.

use async_trait::async_trait;
use bytes::Bytes;

mod local;

pub use local::LocalStorage;

/// A store of immutable blobs addressed by a server-made key.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Stores `bytes` under `key`; the blob is complete or absent.
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()>;
    /// Reads a blob.
    async fn get(&self, key: &str) -> anyhow::Result<Bytes>;
    /// Deletes a blob; deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
    /// Whether the store answers (`/readyz`).
    async fn check(&self) -> anyhow::Result<()>;
}

/// A new server-made storage key: never derived from anything a user sent.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
