//! Uploads as they arrive: hashed, measured and scanned chunk by chunk, kept
//! in memory while the request's small budget lasts and spooled to a
//! private temporary file beyond, so memory stays bounded whatever the
//! file sizes. A spooled file is removed when the last handle on it goes,
//! and files left by a killed process are removed at the next start.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::Blob;

/// Bytes kept from the start of a file to detect its type.
pub const HEAD: usize = 8 * 1024;

/// A spooled file, removed when dropped.
#[derive(Debug)]
pub struct SpoolFile(PathBuf);

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Where the content of a received file is.
#[derive(Debug, Clone)]
enum Content {
    Memory(Bytes),
    File(Arc<SpoolFile>),
}

/// A file received whole.
#[derive(Debug, Clone)]
pub struct Received {
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Its first bytes (up to `HEAD`), to detect its type.
    pub head: Bytes,
    /// Whether the whole file is UTF-8 without a NUL byte.
    pub utf8_text: bool,
    content: Content,
}

impl Received {
    /// A file already in memory (seed data, tests).
    pub fn from_bytes(bytes: Bytes) -> Received {
        let mut text = TextScan::default();
        text.push(&bytes);
        Received {
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            head: bytes.slice(..bytes.len().min(HEAD)),
            utf8_text: text.finish(),
            content: Content::Memory(bytes),
        }
    }

    /// The bytes to store.
    pub fn blob(&self) -> Blob<'_> {
        match &self.content {
            Content::Memory(b) => Blob::Memory(b),
            Content::File(f) => Blob::File(&f.0, self.size),
        }
    }

    /// Bytes held in memory by this file.
    pub fn in_memory(&self) -> usize {
        match &self.content {
            Content::Memory(b) => b.len(),
            Content::File(_) => 0,
        }
    }
}

/// Incremental check that a stream is UTF-8 with no NUL byte.
#[derive(Default)]
struct TextScan {
    broken: bool,
    carry: Vec<u8>,
}

impl TextScan {
    fn push(&mut self, chunk: &[u8]) {
        if self.broken {
            return;
        }
        if chunk.contains(&0) {
            self.broken = true;
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            chunk
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), chunk].concat();
            &joined
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => {}
            // A character cut by the chunk boundary: wait for its end.
            Err(e) if e.error_len().is_none() => self.carry = bytes[e.valid_up_to()..].to_vec(),
            Err(_) => self.broken = true,
        }
    }

    fn finish(&self) -> bool {
        !self.broken && self.carry.is_empty()
    }
}

/// A file being received.
pub struct Incoming<'a> {
    dir: &'a Path,
    memory_budget: usize,
    size: u64,
    hash: Sha256,
    head: BytesMut,
    text: TextScan,
    buf: BytesMut,
    file: Option<(tokio::fs::File, SpoolFile)>,
}

impl<'a> Incoming<'a> {
    /// Starts a file that may keep up to `memory_budget` bytes in memory
    /// before it goes to a file in `dir`.
    pub fn new(dir: &'a Path, memory_budget: usize) -> Incoming<'a> {
        Incoming {
            dir,
            memory_budget,
            size: 0,
            hash: Sha256::new(),
            head: BytesMut::new(),
            text: TextScan::default(),
            buf: BytesMut::new(),
            file: None,
        }
    }

    /// Takes the next chunk.
    pub async fn push(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.size += chunk.len() as u64;
        self.hash.update(chunk);
        self.text.push(chunk);
        if self.head.len() < HEAD {
            let n = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        if self.file.is_none() && self.buf.len() + chunk.len() > self.memory_budget {
            let spool = create(self.dir).await?;
            self.file = Some(spool);
            let (f, _) = self.file.as_mut().expect("just set");
            f.write_all(&std::mem::take(&mut self.buf)).await?;
        }
        match &mut self.file {
            Some((f, _)) => f.write_all(chunk).await,
            None => {
                self.buf.extend_from_slice(chunk);
                Ok(())
            }
        }
    }

    /// The file is complete.
    pub async fn finish(self) -> std::io::Result<Received> {
        let content = match self.file {
            Some((mut f, spool)) => {
                f.flush().await?;
                Content::File(Arc::new(spool))
            }
            None => Content::Memory(self.buf.freeze()),
        };
        Ok(Received {
            size: self.size,
            sha256: hex::encode(self.hash.finalize()),
            head: self.head.freeze(),
            utf8_text: self.text.finish(),
            content,
        })
    }
}

/// A new private file in `dir` (made private if missing).
async fn create(dir: &Path) -> std::io::Result<(tokio::fs::File, SpoolFile)> {
    tokio::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .await?;
    let path = dir.join(format!("{}.upload", uuid::Uuid::new_v4().simple()));
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .await?;
    Ok((file, SpoolFile(path)))
}

/// Removes spooled files older than `age` (left by a process that was
/// killed; another process on the same folder may still be using newer
/// ones). Returns how many went.
pub fn clean(dir: &Path, age: Duration) -> std::io::Result<usize> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let old = entry
            .metadata()?
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|d| d >= age);
        if old && path.extension().is_some_and(|e| e == "upload") {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_scan_follows_characters_across_chunks() {
        let text = "é€😀 fin".as_bytes();
        for cut in 0..text.len() {
            let mut s = TextScan::default();
            s.push(&text[..cut]);
            s.push(&text[cut..]);
            assert!(s.finish(), "cut at {cut}");
        }
        let mut s = TextScan::default();
        s.push(&text[..2]);
        s.push(b"\xff");
        assert!(!s.finish());
        let mut s = TextScan::default();
        s.push(&text[..1]);
        assert!(!s.finish(), "a cut character at the end is not text");
        let mut s = TextScan::default();
        s.push(b"a\0b");
        assert!(!s.finish());
    }

    #[tokio::test]
    async fn small_files_stay_in_memory_large_ones_are_spooled_then_removed() {
        let dir = std::env::temp_dir().join(format!("vigie-spool-{}", uuid::Uuid::new_v4()));
        let whole: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut small = Incoming::new(&dir, 200_000);
        for c in whole.chunks(7_000) {
            small.push(c).await.unwrap();
        }
        let small = small.finish().await.unwrap();
        assert_eq!(small.in_memory(), whole.len());
        assert!(!dir.exists(), "nothing spooled");

        let mut big = Incoming::new(&dir, 50_000);
        for c in whole.chunks(7_000) {
            big.push(c).await.unwrap();
        }
        let big = big.finish().await.unwrap();
        assert_eq!(big.in_memory(), 0);
        assert_eq!(big.size, 100_000);
        assert_eq!(big.sha256, hex::encode(Sha256::digest(&whole)));
        assert_eq!(big.sha256, small.sha256);
        assert_eq!(&big.head[..], &whole[..HEAD]);
        let Blob::File(path, 100_000) = big.blob() else {
            panic!("spooled")
        };
        assert_eq!(std::fs::read(path).unwrap(), whole);
        let path = path.to_path_buf();
        let copy = big.clone();
        drop(big);
        assert!(path.exists(), "still held by a clone");
        drop(copy);
        assert!(!path.exists(), "removed with the last handle");
        assert_eq!(clean(&dir, Duration::ZERO).unwrap(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
