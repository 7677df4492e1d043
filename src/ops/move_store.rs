//! `vigie storage migrate`: copies every stored file the database knows
//! from the local folder to the configured object store, checking each
//! copy's SHA-256 against the one recorded when the file was received.

use futures_util::{StreamExt, stream};
use sqlx::PgPool;

use crate::db::system::{StoredFile, stored_files};
use crate::storage::{Blob, LocalStorage, Storage, digest};

/// What a migration did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// Files copied and verified.
    pub copied: usize,
    /// Bytes copied.
    pub bytes: u64,
    /// Files already in the target with the right hash.
    pub already: usize,
    /// Files missing from the local folder.
    pub missing: Vec<String>,
    /// Files whose copy does not have the recorded hash (the copy is removed).
    pub altered: Vec<String>,
}

enum One {
    Copied(u64),
    Already,
    Missing(String),
    Altered(String),
}

/// Copies what `to` lacks from `from`, four files at a time; the local
/// folder is left as it is (remove it once the service runs on the store).
pub async fn migrate(
    pool: &PgPool,
    from: &LocalStorage,
    to: &dyn Storage,
) -> anyhow::Result<Moved> {
    let mut moved = Moved::default();
    let mut after = String::new();
    loop {
        let page = stored_files(pool, &after, 500).await?;
        let Some(last) = page.last() else {
            return Ok(moved);
        };
        after = last.storage_key.clone();
        let done: Vec<anyhow::Result<One>> = stream::iter(&page)
            .map(|f| copy_one(from, to, f))
            .buffer_unordered(4)
            .collect()
            .await;
        for one in done {
            match one? {
                One::Copied(n) => {
                    moved.copied += 1;
                    moved.bytes += n;
                }
                One::Already => moved.already += 1,
                One::Missing(k) => moved.missing.push(k),
                One::Altered(k) => moved.altered.push(k),
            }
        }
    }
}

async fn copy_one(from: &LocalStorage, to: &dyn Storage, f: &StoredFile) -> anyhow::Result<One> {
    let key = &f.storage_key;
    // Already there (a migration run again): verified, not copied twice.
    if let Ok((sha, _)) = digest(to, key).await {
        if sha == f.sha256 {
            return Ok(One::Already);
        }
        to.delete(key).await?;
    }
    let path = from.path(key)?;
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return Ok(One::Missing(key.clone()));
    };
    to.put(key, Blob::File(&path, meta.len())).await?;
    let (sha, size) = digest(to, key).await?;
    if sha != f.sha256 || size != f.size_bytes as u64 {
        to.delete(key).await?;
        return Ok(One::Altered(key.clone()));
    }
    Ok(One::Copied(size))
}
