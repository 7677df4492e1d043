//! Evidence in a local folder, outside `static/`: `DIR/ab/abcdef…`.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use async_trait::async_trait;
use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use super::Storage;

/// Blobs as files under one folder.
pub struct LocalStorage {
    root: PathBuf,
}

impl LocalStorage {
    /// Uses (and creates) `root`.
    pub fn new(root: &Path) -> anyhow::Result<LocalStorage> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(root)
            .with_context(|| format!("cannot create the evidence folder {}", root.display()))?;
        // Files about minors: readable by Vigie's own account only.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict the evidence folder {}", root.display()))?;
        Ok(LocalStorage {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        // Keys are made by `new_key`; anything else is refused.
        if key.len() < 8 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("invalid storage key");
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

#[async_trait]
impl Storage for LocalStorage {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(key)?;
        let dir = path.parent().expect("has a parent");
        tokio::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .await?;
        let tmp = dir.join(format!(".{key}.tmp"));
        let mut f = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .await?;
        f.write_all(bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(Bytes::from(tokio::fs::read(self.path(key)?).await?))
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = self.path(key)?;
        // A write cut off midway leaves its temporary file: remove it too.
        let tmp = path.with_file_name(format!(".{key}.tmp"));
        for p in [path, tmp] {
            match tokio::fs::remove_file(p).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        Ok(())
    }

    async fn check(&self) -> anyhow::Result<()> {
        let meta = tokio::fs::metadata(&self.root).await?;
        anyhow::ensure!(meta.is_dir(), "the evidence folder is not a folder");
        anyhow::ensure!(
            !meta.permissions().readonly(),
            "the evidence folder is read-only"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete() {
        let dir = std::env::temp_dir().join(format!("vigie-storage-{}", uuid::Uuid::new_v4()));
        let s = LocalStorage::new(&dir).unwrap();
        let key = super::super::new_key();
        s.put(&key, b"abc").await.unwrap();
        assert_eq!(&s.get(&key).await.unwrap()[..], b"abc");
        // Only Vigie's own account reads evidence, whatever the umask.
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(&key[..2])), 0o700);
        assert_eq!(mode(&dir.join(&key[..2]).join(&key)), 0o600);
        s.delete(&key).await.unwrap();
        s.delete(&key).await.unwrap();
        // A write cut off before its rename leaves a temporary file; delete removes it.
        let tmp = dir.join(&key[..2]).join(format!(".{key}.tmp"));
        std::fs::write(&tmp, b"partial").unwrap();
        s.delete(&key).await.unwrap();
        assert!(!tmp.exists());
        assert!(s.get(&key).await.is_err());
        assert!(s.put("../../etc", b"x").await.is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
