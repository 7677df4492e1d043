//! Evidence in a local folder, outside `static/`: `DIR/ab/abcdef…`.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use async_trait::async_trait;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::{Blob, ByteStream, Storage, checked_key};

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

    /// The file holding `key` (keys are made by `new_key`; anything else
    /// is refused).
    pub fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let key = checked_key(key)?;
        Ok(self.root.join(&key[..2]).join(key))
    }
}

#[async_trait]
impl Storage for LocalStorage {
    async fn put(&self, key: &str, blob: Blob<'_>) -> anyhow::Result<()> {
        let path = self.path(key)?;
        anyhow::ensure!(
            !tokio::fs::try_exists(&path).await?,
            "storage key already used"
        );
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
        match blob {
            Blob::Memory(bytes) => f.write_all(bytes).await?,
            Blob::File(from, _) => {
                let mut src = tokio::fs::File::open(from).await?;
                tokio::io::copy(&mut src, &mut f).await?;
            }
        }
        f.sync_all().await?;
        drop(f);
        // Complete or absent: the name appears only once the bytes are on disk.
        tokio::fs::rename(&tmp, &path).await?;
        Ok(())
    }

    async fn open(&self, key: &str) -> anyhow::Result<ByteStream> {
        let file = tokio::fs::File::open(self.path(key)?).await?;
        Ok(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed())
    }

    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let src = self.path(from)?;
        let size = tokio::fs::metadata(&src).await?.len();
        self.put(to, Blob::File(&src, size)).await
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
        s.put(&key, Blob::Memory(b"abc")).await.unwrap();
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
        assert!(s.put("../../etc", Blob::Memory(b"x")).await.is_err());
        // Written once: an existing key is refused, the blob left as it was.
        let other = super::super::new_key();
        s.put(&other, Blob::Memory(b"first")).await.unwrap();
        assert!(s.put(&other, Blob::Memory(b"second")).await.is_err());
        let copy = super::super::new_key();
        s.copy(&other, &copy).await.unwrap();
        assert_eq!(&s.get(&copy).await.unwrap()[..], b"first");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
