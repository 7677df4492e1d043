//! Evidence in an S3-compatible bucket (`object_store`'s S3 client): objects
//! named by their key, written once, read as streams. Served only through
//! Vigie: the bucket stays private.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig,
    WriteMultipart,
};
use tokio::io::AsyncReadExt;

use super::{Blob, ByteStream, Storage, checked_key};

/// Parts of a multipart upload (S3's minimum, except the last).
const PART: usize = 5 * 1024 * 1024;

/// Where the bucket is and how to sign in to it.
#[derive(Clone)]
pub struct S3Settings {
    /// Bucket name (from `EVIDENCE_STORE=s3://bucket`).
    pub bucket: String,
    /// Endpoint URL, for a store other than AWS (`S3_ENDPOINT`).
    pub endpoint: Option<String>,
    /// Region (`S3_REGION`).
    pub region: String,
    /// Access key id (`S3_ACCESS_KEY_ID`).
    pub access_key_id: String,
    /// Secret key (`S3_SECRET_ACCESS_KEY`).
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    // The keys never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Blobs as objects of one bucket.
pub struct S3Storage {
    store: AmazonS3,
}

impl S3Storage {
    /// A client for the bucket (nothing is sent yet).
    pub fn new(s: &S3Settings) -> anyhow::Result<S3Storage> {
        let http = s
            .endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        // Bounded in time: a store that does not answer fails the request
        // (or leaves a deletion pending) instead of holding it.
        let client = ClientOptions::new()
            .with_allow_http(http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(15),
            ..RetryConfig::default()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key)
            .with_client_options(client)
            .with_retry(retry);
        if let Some(endpoint) = &s.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        Ok(S3Storage {
            store: builder.build()?,
        })
    }

    /// A file larger than one part goes up in parts, read piece by piece.
    async fn put_parts(&self, path: &ObjectPath, file: &std::path::Path) -> anyhow::Result<()> {
        // Multipart uploads cannot be conditional in object_store 0.14: the
        // key is new (128 random bits) and checked absent first.
        match self.store.head(path).await {
            Err(object_store::Error::NotFound { .. }) => {}
            Ok(_) => anyhow::bail!("storage key already used"),
            Err(e) => return Err(e.into()),
        }
        let mut src = tokio::fs::File::open(file).await?;
        let upload = self.store.put_multipart(path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut buf = vec![0u8; 256 * 1024];
        let sent: anyhow::Result<()> = async {
            loop {
                let n = src.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                // At most two parts in flight: memory stays near 3 parts.
                writer.wait_for_capacity(2).await?;
                writer.write(&buf[..n]);
            }
        }
        .await;
        match sent {
            Ok(()) => {
                writer.finish().await?;
                Ok(())
            }
            Err(e) => {
                let _ = writer.abort().await;
                Err(e)
            }
        }
    }
}

fn object(key: &str) -> anyhow::Result<ObjectPath> {
    Ok(ObjectPath::from(checked_key(key)?))
}

#[async_trait]
impl Storage for S3Storage {
    async fn put(&self, key: &str, blob: Blob<'_>) -> anyhow::Result<()> {
        let path = object(key)?;
        let bytes = match blob {
            Blob::File(file, size) if size as usize > PART => {
                return self.put_parts(&path, file).await;
            }
            Blob::File(file, _) => Bytes::from(tokio::fs::read(file).await?),
            Blob::Memory(b) => Bytes::copy_from_slice(b),
        };
        // Written once: the store refuses an existing key (If-None-Match).
        let opts = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        self.store
            .put_opts(&path, PutPayload::from(bytes), opts)
            .await?;
        Ok(())
    }

    async fn open(&self, key: &str) -> anyhow::Result<ByteStream> {
        let got = self.store.get(&object(key)?).await?;
        Ok(got.into_stream().map_err(std::io::Error::other).boxed())
    }

    async fn copy(&self, from: &str, to: &str) -> anyhow::Result<()> {
        let to = object(to)?;
        match self.store.head(&to).await {
            Err(object_store::Error::NotFound { .. }) => {}
            Ok(_) => anyhow::bail!("storage key already used"),
            Err(e) => return Err(e.into()),
        }
        self.store.copy(&object(from)?, &to).await?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&object(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn check(&self) -> anyhow::Result<()> {
        // Listing a prefix nothing uses: answers only if the bucket exists
        // and the keys are accepted.
        let probe = ObjectPath::from("readyz");
        self.store.list_with_delimiter(Some(&probe)).await?;
        Ok(())
    }
}
