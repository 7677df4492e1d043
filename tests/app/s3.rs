//! Evidence in a real S3-compatible server (`moto` in server mode, started
//! per test, reached through a proxy the test can cut to play "S3 down"):
//! the storage contract, written once, large files in parts, a migration
//! from a local folder.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use vigie::storage::{Blob, LocalStorage, S3Settings, S3Storage, Storage};

use crate::helpers::{TempDir, TestApp, png};
use crate::smtp::free_port;

/// A moto server with one bucket, behind a proxy that can be cut.
pub struct S3Server {
    child: Child,
    /// The proxy's port (what Vigie is given).
    pub port: u16,
    /// The bucket.
    pub bucket: String,
    up: watch::Sender<bool>,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `moto_server` is: `MOTO_SERVER`, or the venv `.ci/run` makes.
fn moto_server() -> String {
    std::env::var("MOTO_SERVER").unwrap_or_else(|_| {
        let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/target/moto/bin/moto_server");
        assert!(
            std::path::Path::new(venv).exists(),
            "moto is missing: run .ci/run once, or `python3 -m venv target/moto && target/moto/bin/pip install 'moto[server]==5.2.5'`"
        );
        venv.to_owned()
    })
}

impl S3Server {
    /// Starts moto and the proxy, and creates the bucket.
    pub async fn start() -> S3Server {
        let moto_port = free_port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto starts");
        let (up, _) = watch::channel(true);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(proxy(listener, moto_port, up.subscribe()));
        let bucket = format!("vigie-{}", uuid::Uuid::new_v4().simple());
        let server = S3Server {
            child,
            port,
            bucket,
            up,
        };
        let client = reqwest::Client::new();
        let url = format!("http://127.0.0.1:{moto_port}/{}", server.bucket);
        for _ in 0..300 {
            if let Ok(r) = client.put(&url).send().await {
                assert!(r.status().is_success(), "bucket creation: {}", r.status());
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("moto did not start");
    }

    /// Settings for Vigie.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            bucket: self.bucket.clone(),
            endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
        }
    }

    /// The same as environment variables, for a `vigie` process.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("EVIDENCE_STORE", format!("s3://{}", self.bucket)),
            ("S3_ENDPOINT", format!("http://127.0.0.1:{}", self.port)),
            ("S3_REGION", "us-east-1".into()),
            ("S3_ACCESS_KEY_ID", "test".into()),
            ("S3_SECRET_ACCESS_KEY", "test".into()),
        ]
    }

    /// Cuts the store off (every connection refused or dropped) or brings it back.
    pub fn set_up(&self, up: bool) {
        self.up.send_replace(up);
    }

    /// The keys of the objects in the bucket (through the proxy: fails when cut).
    pub async fn keys(&self) -> Vec<String> {
        let url = format!(
            "http://127.0.0.1:{}/{}?list-type=2&max-keys=1000",
            self.port, self.bucket
        );
        let xml = reqwest::get(url).await.unwrap().text().await.unwrap();
        assert!(!xml.contains("<IsTruncated>true"), "more than 1000 objects");
        xml.split("<Key>")
            .skip(1)
            .map(|s| s.split("</Key>").next().unwrap().to_owned())
            .collect()
    }
}

/// Forwards connections to moto while `up`; when cut, refuses new ones and
/// drops those open.
async fn proxy(listener: TcpListener, to: u16, up: watch::Receiver<bool>) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        if !*up.borrow() {
            continue;
        }
        let mut up = up.clone();
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", to)).await else {
                return;
            };
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                _ = up.wait_for(|up| !*up) => {}
            }
        });
    }
}

#[tokio::test]
async fn the_store_keeps_blobs_written_once_and_streams_large_ones_in_parts() {
    let s3 = S3Server::start().await;
    let store = S3Storage::new(&s3.settings()).unwrap();
    store.check().await.unwrap();
    let key = vigie::storage::new_key();
    store.put(&key, Blob::Memory(b"capture")).await.unwrap();
    assert_eq!(&store.get(&key).await.unwrap()[..], b"capture");
    // Written once: an existing key is refused and the object kept.
    assert!(store.put(&key, Blob::Memory(b"other")).await.is_err());
    assert_eq!(&store.get(&key).await.unwrap()[..], b"capture");

    // 12 MB from a file: sent in parts, read back as a stream, same bytes.
    let dir = TempDir::new();
    let big: Vec<u8> = (0..12_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let path = dir.0.join("big.bin");
    std::fs::write(&path, &big).unwrap();
    let big_key = vigie::storage::new_key();
    let blob = Blob::File(&path, big.len() as u64);
    store.put(&big_key, blob).await.unwrap();
    assert!(
        store.put(&big_key, blob).await.is_err(),
        "parts too are written once"
    );
    let (sha, size) = vigie::storage::digest(&store, &big_key).await.unwrap();
    assert_eq!(size, big.len() as u64);
    assert_eq!(sha, sha256(&big));
    let copy = vigie::storage::new_key();
    store.copy(&key, &copy).await.unwrap();
    assert_eq!(&store.get(&copy).await.unwrap()[..], b"capture");

    let mut keys = s3.keys().await;
    keys.sort();
    let mut expected = vec![key.clone(), big_key.clone(), copy.clone()];
    expected.sort();
    assert_eq!(keys, expected);
    for k in [&key, &big_key, &copy] {
        store.delete(k).await.unwrap();
        store.delete(k).await.unwrap();
    }
    assert!(s3.keys().await.is_empty());
    assert!(store.get(&key).await.is_err());
    assert!(store.put("../x", Blob::Memory(b"x")).await.is_err());

    // A store that does not answer is not ready, and says so in bounded time.
    s3.set_up(false);
    let started = std::time::Instant::now();
    assert!(store.check().await.is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // A missing bucket is not ready either.
    s3.set_up(true);
    let mut wrong = s3.settings();
    wrong.bucket = "no-such-bucket".into();
    assert!(S3Storage::new(&wrong).unwrap().check().await.is_err());
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn a_local_store_migrates_to_s3_with_every_hash_checked() {
    let app = TestApp::spawn().await;
    let (b, _) = app.head_teacher("0691664K").await;
    b.open_case(
        &[("victim_name", "Migration")],
        vec![("evidence", "a.png", png()), ("evidence", "b.png", png())],
    )
    .await;
    let s3 = S3Server::start().await;
    let local = LocalStorage::new(&app.evidence_dir).unwrap();
    let store: Arc<dyn Storage> = Arc::new(S3Storage::new(&s3.settings()).unwrap());
    let moved = vigie::ops::move_store::migrate(&app.db, &local, store.as_ref())
        .await
        .unwrap();
    assert_eq!((moved.copied, moved.already), (2, 0));
    assert!(moved.missing.is_empty() && moved.altered.is_empty());
    let keys: Vec<String> = sqlx::query_scalar("select storage_key from evidence order by 1")
        .fetch_all(&app.db)
        .await
        .unwrap();
    let mut in_bucket = s3.keys().await;
    in_bucket.sort();
    assert_eq!(in_bucket, keys);

    // Run again: nothing copied twice, every object verified.
    let again = vigie::ops::move_store::migrate(&app.db, &local, store.as_ref())
        .await
        .unwrap();
    assert_eq!((again.copied, again.already), (0, 2));

    // A local file altered since it was received is not copied as genuine;
    // one missing is named.
    store.delete(&keys[0]).await.unwrap();
    store.delete(&keys[1]).await.unwrap();
    std::fs::write(local.path(&keys[0]).unwrap(), b"altered").unwrap();
    std::fs::remove_file(local.path(&keys[1]).unwrap()).unwrap();
    let bad = vigie::ops::move_store::migrate(&app.db, &local, store.as_ref())
        .await
        .unwrap();
    assert_eq!(bad.altered, vec![keys[0].clone()]);
    assert_eq!(bad.missing, vec![keys[1].clone()]);
    assert!(
        s3.keys().await.is_empty(),
        "no altered copy left in the bucket"
    );
}
