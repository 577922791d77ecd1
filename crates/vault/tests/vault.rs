//! The vault's behaviour on its backends: every scenario runs on a local folder, and again on a
//! real S3-compatible server when `MARSAD_TEST_S3_ENDPOINT` is set (`scripts/s3-test-server.sh`
//! starts one; each scenario gets its own bucket). Raw objects are read around the vault, through
//! the file system or the S3 API, to check what a thief of the disk or the bucket would see.

// Fixtures outside `#[test]` functions fail the test by panicking, as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt as _;
use marsad_vault::{
    AllowList, BlobId, ContentKind, KeyId, Keyring, MasterKey, PutOptions, S3Config, SecretString,
    Vault, VaultConfig, VaultError,
};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, ReadBuf};

const MIB: usize = 1024 * 1024;
const MARKER: &[u8] = b"MARSAD-PLAINTEXT-MARKER/Ahmed-Ben-Salah/passport-N0123456;";

// ---------------------------------------------------------------------------------------------
// Fixtures

/// One backend under test.
struct Fixture {
    config: VaultConfig,
    raw: Arc<dyn ObjectStore>,
    /// The local folder (None on S3).
    dir: Option<PathBuf>,
    _temp: Option<tempfile::TempDir>,
    name: &'static str,
}

fn id(s: &str) -> KeyId {
    KeyId::parse(s).unwrap()
}

fn key(n: u8) -> MasterKey {
    MasterKey::from_bytes([n; 32])
}

fn ring(keys: &[(&str, u8)]) -> Keyring {
    let mut ring = Keyring::new(id(keys[0].0), &key(keys[0].1)).unwrap();
    for (k, n) in &keys[1..] {
        ring.add(id(k), &key(*n)).unwrap();
    }
    ring
}

fn local() -> Fixture {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("blobs");
    let config = VaultConfig::local(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let raw = Arc::new(LocalFileSystem::new_with_prefix(&dir).unwrap());
    Fixture {
        config,
        raw,
        dir: Some(dir),
        _temp: Some(temp),
        name: "local",
    }
}

static BUCKETS: AtomicU32 = AtomicU32::new(0);

/// A fresh bucket on the S3 test server, or None (with a printed line) when there is none.
async fn s3() -> Option<Fixture> {
    let Ok(endpoint) = std::env::var("MARSAD_TEST_S3_ENDPOINT") else {
        println!("skipping the S3 run: MARSAD_TEST_S3_ENDPOINT is not set (scripts/s3-test-server.sh starts a server)");
        return None;
    };
    let bucket = format!(
        "marsad-vault-{}-{}-{}",
        std::process::id(),
        BUCKETS.fetch_add(1, Ordering::SeqCst),
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    create_bucket(&endpoint, &bucket).await;
    let s3 = S3Config {
        endpoint: Some(endpoint.clone()),
        bucket: bucket.clone(),
        region: "us-east-1".into(),
        access_key_id: "marsad-test".into(),
        secret_access_key: SecretString::new("marsad-test-secret"),
        allow_http: true,
        path_style: true,
        prefix: None,
    };
    let raw = AmazonS3Builder::new()
        .with_endpoint(&endpoint)
        .with_bucket_name(&bucket)
        .with_region("us-east-1")
        .with_access_key_id("marsad-test")
        .with_secret_access_key("marsad-test-secret")
        .with_allow_http(true)
        .with_virtual_hosted_style_request(false)
        .build()
        .unwrap();
    Some(Fixture {
        config: VaultConfig::s3(s3),
        raw: Arc::new(raw),
        dir: None,
        _temp: None,
        name: "s3",
    })
}

/// `PUT /bucket` (the test server does not check signatures).
async fn create_bucket(endpoint: &str, bucket: &str) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut conn = tokio::net::TcpStream::connect(&host).await.unwrap();
    let request = format!(
        "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "create bucket: {answer}"
    );
}

impl Fixture {
    async fn open(&self, keys: Keyring) -> Vault {
        Vault::open(&self.config, keys).await.unwrap()
    }

    async fn vault(&self) -> Vault {
        self.open(ring(&[("k1", 1)])).await
    }

    /// Every stored object, read raw (completed objects; on the local backend also staging files).
    async fn raw_objects(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        if let Some(dir) = &self.dir {
            for path in walk(dir) {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        } else {
            let metas: Vec<_> = self.raw.list(None).collect().await;
            for meta in metas {
                let meta = meta.unwrap();
                let bytes = self.raw.get(&meta.location).await.unwrap().bytes().await;
                out.push((meta.location.to_string(), bytes.unwrap().to_vec()));
            }
        }
        out.sort();
        out
    }

    async fn names_under(&self, prefix: &str) -> Vec<String> {
        self.raw_objects()
            .await
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n.starts_with(prefix))
            .collect()
    }

    async fn only_body(&self) -> Path {
        let bodies = self.names_under("data/").await;
        assert_eq!(bodies.len(), 1, "{bodies:?}");
        Path::from(bodies[0].as_str())
    }

    async fn raw_get(&self, path: &Path) -> Vec<u8> {
        self.raw
            .get(path)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    }

    async fn raw_put(&self, path: &Path, bytes: Vec<u8>) {
        self.raw.put(path, bytes.into()).await.unwrap();
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Runs a scenario on the local backend, then on S3 when configured.
async fn on_every_backend<F, Fut>(scenario: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: Future<Output = ()>,
{
    scenario(local()).await;
    if let Some(fixture) = s3().await {
        scenario(fixture).await;
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

async fn put(vault: &Vault, bytes: &[u8]) -> marsad_vault::StoredBlob {
    vault
        .put_stream(bytes, &PutOptions::limit(u64::MAX))
        .await
        .unwrap()
}

async fn get(vault: &Vault, id: &BlobId) -> Result<Vec<u8>, VaultError> {
    vault.get_stream(id).await?.to_vec().await
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A reader that yields `data` in uneven pieces, then (if `hang`) never ends.
struct Trickle {
    data: Vec<u8>,
    at: usize,
    hang: bool,
    delivered: Option<tokio::sync::oneshot::Sender<()>>,
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.at == self.data.len() {
            if let Some(tx) = self.delivered.take() {
                let _ = tx.send(());
            }
            return if self.hang {
                Poll::Pending
            } else {
                Poll::Ready(Ok(()))
            };
        }
        let step = [1, 4093, 65_536, 100_001][self.at % 4];
        let n = step.min(buf.remaining()).min(self.data.len() - self.at);
        let at = self.at;
        buf.put_slice(&self.data[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

/// A reader that fails after some bytes (a client that disconnects).
struct Broken(usize);

impl AsyncRead for Broken {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.0 == 0 {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "client went away",
            )));
        }
        let n = self.0.min(buf.remaining()).min(64 * 1024);
        buf.put_slice(&vec![b'x'; n]);
        self.0 -= n;
        Poll::Ready(Ok(()))
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios on every backend

#[tokio::test]
async fn round_trips_small_empty_and_multi_segment_objects() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let segment = 64 * 1024;
        for len in [
            0,
            1,
            segment - 1,
            segment,
            segment + 1,
            MIB,
            MIB + 1,
            2 * MIB,
            2 * MIB + segment,
            5 * MIB + 123,
        ] {
            let data = pattern(len, len as u8);
            let reader = Trickle {
                data: data.clone(),
                at: 0,
                hang: false,
                delivered: None,
            };
            let stored = vault
                .put_stream(reader, &PutOptions::limit(u64::MAX))
                .await
                .unwrap();
            assert_eq!(stored.size, len as u64, "{}", f.name);
            assert_eq!(stored.plaintext_sha256, sha(&data));
            assert!(!stored.deduplicated);
            let stream = vault.get_stream(&stored.id).await.unwrap();
            assert_eq!(stream.size(), len as u64);
            assert!(
                stream.to_vec().await.unwrap() == data,
                "{} len {len}",
                f.name
            );
            let verified = vault.verify(&stored.id).await.unwrap();
            assert_eq!(verified.size, len as u64);
            assert_eq!(verified.plaintext_sha256, sha(&data));
        }
        assert_eq!(vault.list().await.unwrap().len(), 10);

        // AsyncRead form.
        let data = pattern(300_000, 9);
        let stored = put(&vault, &data).await;
        let mut reader = vault
            .get_stream(&stored.id)
            .await
            .unwrap()
            .into_async_read();
        let mut back = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut back)
            .await
            .unwrap();
        assert!(back == data);
    })
    .await;
}

#[tokio::test]
async fn the_same_content_is_stored_once() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        for len in [10, 3 * MIB + 5] {
            let data = pattern(len, 3);
            let first = put(&vault, &data).await;
            let objects = f.raw_objects().await;
            let second = put(&vault, &data).await;
            assert_eq!(first.id, second.id, "{}", f.name);
            assert!(second.deduplicated && !first.deduplicated);
            assert_eq!(
                f.raw_objects().await,
                objects,
                "{}: a duplicate changes nothing",
                f.name
            );
        }
        // Two uploads of the same new content at once: one blob, one body.
        let data = pattern(2 * MIB, 4);
        let (a, b) = tokio::join!(put(&vault, &data), put(&vault, &data));
        assert_eq!(a.id, b.id);
        assert_eq!(f.names_under("data/").await.len(), 3, "{}", f.name);
        assert!(get(&vault, &a.id).await.unwrap() == data);
        // Another vault (another naming secret) gives the same content another id.
        let other = tempfile::tempdir().unwrap();
        let other = Vault::open(&VaultConfig::local(other.path()), ring(&[("k1", 1)]))
            .await
            .unwrap();
        assert_ne!(put(&other, b"same").await.id, put(&vault, b"same").await.id);
    })
    .await;
}

#[tokio::test]
async fn tampered_bodies_and_records_fail() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let data = pattern(5 * 64 * 1024 + 77, 5);
        let stored = put(&vault, &data).await;
        let body = f.only_body().await;
        let original = f.raw_get(&body).await;
        let sealed_segment = 64 * 1024 + 16;

        let mut flipped = original.clone();
        flipped[20 + sealed_segment * 2 + 100] ^= 0x01;
        f.raw_put(&body, flipped).await;
        let err = get(&vault, &stored.id).await.unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupt { .. }),
            "{}: {err}",
            f.name
        );
        assert!(vault.verify(&stored.id).await.is_err());

        let mut header = original.clone();
        header[15] ^= 0x80;
        f.raw_put(&body, header).await;
        assert!(get(&vault, &stored.id).await.is_err(), "{}: header", f.name);

        for cut in [1, 77 + 16, 77 + 16 + sealed_segment] {
            f.raw_put(&body, original[..original.len() - cut].to_vec())
                .await;
            let err = get(&vault, &stored.id).await.unwrap_err();
            assert!(
                matches!(err, VaultError::Corrupt { .. }),
                "{}: cut {cut}: {err}",
                f.name
            );
        }
        let mut longer = original.clone();
        longer.extend_from_slice(&original[20..20 + sealed_segment]);
        f.raw_put(&body, longer).await;
        assert!(
            get(&vault, &stored.id).await.is_err(),
            "{}: appended",
            f.name
        );

        let mut swapped = original.clone();
        let (a, b) = (20 + sealed_segment, 20 + 2 * sealed_segment);
        swapped[a..b].copy_from_slice(&original[b..b + sealed_segment]);
        swapped[b..b + sealed_segment].copy_from_slice(&original[a..b]);
        f.raw_put(&body, swapped).await;
        let err = get(&vault, &stored.id).await.unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupt { .. }),
            "{}: swap: {err}",
            f.name
        );

        f.raw_put(&body, original.clone()).await;
        assert!(get(&vault, &stored.id).await.unwrap() == data, "restored");

        // A record moved to another blob's name, or altered, does not open.
        let other = put(&vault, b"another file").await;
        let record = |id: &BlobId| {
            let hex = id.to_string();
            Path::from(format!("blobs/{}/{hex}", &hex[..2]))
        };
        let mine = f.raw_get(&record(&stored.id)).await;
        let theirs = f.raw_get(&record(&other.id)).await;
        f.raw_put(&record(&other.id), mine.clone()).await;
        assert!(
            get(&vault, &other.id).await.is_err(),
            "{}: moved record",
            f.name
        );
        f.raw_put(&record(&other.id), theirs).await;
        let mut altered = mine.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1; // the size
        f.raw_put(&record(&stored.id), altered).await;
        assert!(
            get(&vault, &stored.id).await.is_err(),
            "{}: altered size",
            f.name
        );
        f.raw_put(&record(&stored.id), mine).await;
        assert!(get(&vault, &stored.id).await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn no_plaintext_reaches_the_disk_or_the_bucket() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let big: Vec<u8> = MARKER.iter().copied().cycle().take(3 * MIB).collect();
        let small = MARKER.repeat(3);
        let a = put(&vault, &big).await;
        let b = put(&vault, &small).await;
        let objects = f.raw_objects().await;
        assert!(objects.len() >= 5, "{}: {objects:?}", f.name);
        let probes: Vec<Vec<u8>> = vec![
            MARKER[..16].to_vec(),
            b"Ahmed-Ben-Salah".to_vec(),
            b"N0123456".to_vec(),
            a.plaintext_sha256.to_vec(),
            b.plaintext_sha256.to_vec(),
            data_encoding::HEXLOWER
                .encode(&a.plaintext_sha256)
                .into_bytes(),
            data_encoding::HEXLOWER
                .encode(&b.plaintext_sha256)
                .into_bytes(),
            vec![1u8; 32], // the master key
        ];
        for (name, bytes) in &objects {
            for probe in &probes {
                assert!(
                    !contains(bytes, probe) && !contains(name.as_bytes(), probe),
                    "{}: {name} holds {:?}",
                    f.name,
                    String::from_utf8_lossy(probe)
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn rotation_rewraps_keys_and_leaves_bodies_untouched() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let files: Vec<Vec<u8>> = vec![pattern(100, 1), pattern(2 * MIB + 3, 2), Vec::new()];
        let mut ids = Vec::new();
        for data in &files {
            ids.push(put(&vault, data).await.id);
        }
        let bodies_before: Vec<(String, Vec<u8>)> = f
            .raw_objects()
            .await
            .into_iter()
            .filter(|(n, _)| n.starts_with("data/"))
            .collect();
        let mtimes_before = body_mtimes(&f);
        drop(vault);

        // The operator adds k2, makes it active, rotates.
        let both = {
            let mut ring = ring(&[("k1", 1), ("k2", 2)]);
            ring.set_active(&id("k2")).unwrap();
            ring
        };
        let vault = f.open(both).await;
        let usage = vault.key_usage().await.unwrap();
        assert_eq!(usage.get(&id("k1")), Some(&4), "{}: {usage:?}", f.name);
        let new = put(&vault, b"uploaded during the rotation").await;
        let report = vault.rotate(&id("k1"), &id("k2")).await.unwrap();
        assert_eq!(report.rewrapped, 4, "{}: {report:?}", f.name);
        assert_eq!(report.other, 1);
        assert!(report.complete());
        let usage = vault.key_usage().await.unwrap();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage.get(&id("k2")), Some(&5));
        let again = vault.rotate(&id("k1"), &id("k2")).await.unwrap();
        assert_eq!((again.rewrapped, again.other), (0, 5));
        drop(vault);

        // k1 is removed: everything still reads with k2 alone.
        let vault = f.open(ring(&[("k2", 2)])).await;
        for (id, data) in ids.iter().zip(&files) {
            assert!(get(&vault, id).await.unwrap() == *data, "{}", f.name);
        }
        assert!(get(&vault, &new.id).await.is_ok());
        let bodies_after: Vec<(String, Vec<u8>)> = f
            .raw_objects()
            .await
            .into_iter()
            .filter(|(n, _)| n.starts_with("data/"))
            .collect();
        for body in &bodies_before {
            assert!(bodies_after.contains(body), "{}: a body changed", f.name);
        }
        let mtimes_after = body_mtimes(&f);
        for (path, mtime) in &mtimes_before {
            assert_eq!(
                mtimes_after.get(path),
                Some(mtime),
                "{path:?} was rewritten"
            );
        }

        // k1 alone no longer opens the vault, and a wrong key under the right name is named.
        let err = Vault::open(&f.config, ring(&[("k1", 1)]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, VaultError::UnknownKey(ref k) if *k == id("k2")),
            "{err}"
        );
        let err = Vault::open(&f.config, ring(&[("k2", 3)]))
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::WrongKey(_)), "{err}");
        assert!(err.to_string().contains("right key file"), "{err}");
        // Rotating to a key that is not loaded is refused.
        assert!(matches!(
            vault.rotate(&id("k2"), &id("k9")).await,
            Err(VaultError::UnknownKey(_))
        ));
    })
    .await;
}

fn body_mtimes(f: &Fixture) -> std::collections::BTreeMap<PathBuf, SystemTime> {
    let Some(dir) = &f.dir else {
        return Default::default();
    };
    walk(&dir.join("data"))
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p, m)
        })
        .collect()
}

#[tokio::test]
async fn size_limits_and_refused_types_keep_nothing() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let empty_store = f.raw_objects().await;
        for (len, limit) in [
            (1001, 1000),
            (3 * MIB, 2 * MIB as u64),
            (MIB + 1, MIB as u64),
        ] {
            let err = vault
                .put_stream(&pattern(len, 1)[..], &PutOptions::limit(limit))
                .await
                .unwrap_err();
            assert!(
                matches!(err, VaultError::TooLarge { limit: l } if l == limit),
                "{err}"
            );
            assert_eq!(
                err.to_string(),
                format!("the file is larger than the limit of {limit} bytes")
            );
        }
        // Parts are aborted in the background when the guard drops; give them a moment.
        tokio::task::yield_now().await;
        assert_eq!(f.raw_objects().await, empty_store, "{}", f.name);
        assert!(vault.list().await.unwrap().is_empty());
        let exact = vault
            .put_stream(&pattern(1000, 1)[..], &PutOptions::limit(1000))
            .await
            .unwrap();
        assert_eq!(exact.size, 1000);

        // A client that disconnects mid-upload.
        let err = vault
            .put_stream(Broken(3 * MIB), &PutOptions::limit(u64::MAX))
            .await
            .unwrap_err();
        assert!(matches!(err, VaultError::Read(_)), "{err}");

        let allow = PutOptions::limit(u64::MAX).allowing(AllowList::documents());
        let exe = [b"MZ\x90\0".as_slice(), &pattern(2 * MIB, 2)].concat();
        let err = vault.put_stream(&exe[..], &allow).await.unwrap_err();
        assert!(
            matches!(
                err,
                VaultError::TypeNotAllowed {
                    detected: ContentKind::WindowsExe,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("a Windows executable"), "{err}");
        let err = vault.put_stream(&b""[..], &allow).await.unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let pdf = vault
            .put_stream(&b"%PDF-1.7\n%%EOF\n"[..], &allow)
            .await
            .unwrap();
        assert_eq!(pdf.content, ContentKind::Pdf);
        assert_eq!(vault.list().await.unwrap().len(), 2, "{}", f.name);
        assert_eq!(f.names_under("data/").await.len(), 2, "{}", f.name);
    })
    .await;
}

#[tokio::test]
async fn delete_removes_record_and_body() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let keep = put(&vault, b"keep me").await;
        let gone = put(&vault, &pattern(2 * MIB, 8)).await;
        assert_eq!(vault.list().await.unwrap().len(), 2);
        assert!(vault.delete(&gone.id).await.unwrap());
        assert!(!vault.exists(&gone.id).await.unwrap());
        assert!(matches!(
            get(&vault, &gone.id).await,
            Err(VaultError::NotFound(id)) if id == gone.id
        ));
        assert!(!vault.delete(&gone.id).await.unwrap());
        assert_eq!(vault.list().await.unwrap(), vec![keep.id]);
        assert_eq!(f.names_under("data/").await.len(), 1, "{}", f.name);
        assert_eq!(f.names_under("blobs/").await.len(), 1, "{}", f.name);
        // Stored again after deletion: a new body under a new data key, same id.
        let again = put(&vault, &pattern(2 * MIB, 8)).await;
        assert_eq!(again.id, gone.id);
        assert!(!again.deduplicated);
    })
    .await;
}

#[tokio::test]
async fn interrupted_uploads_are_invisible_and_cleaned_up() {
    on_every_backend(|f| async move {
        let vault = f.vault().await;
        let known = put(&vault, b"referenced by the database").await;
        let unknown = put(&vault, b"its database row was never committed").await;

        // An upload dies mid-stream: the process is killed (the future is leaked, nothing runs
        // its clean-up) after 3 MiB were read.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let reader = Trickle {
            data: pattern(3 * MIB, 6),
            at: 0,
            hang: true,
            delivered: Some(tx),
        };
        let options = PutOptions::limit(u64::MAX);
        let mut upload = Box::pin(vault.put_stream(reader, &options));
        tokio::select! {
            _ = &mut upload => panic!("the upload cannot finish"),
            _ = rx => {}
        }
        std::mem::forget(upload);

        // A crash after a body was complete but before its record: a body nobody references.
        let bodies = f.names_under("data/").await;
        let first = bodies.iter().find(|n| !n.contains('#')).unwrap();
        let body = f.raw_get(&Path::from(first.as_str())).await;
        f.raw_put(
            &Path::from("data/ab/ab00000000000000000000000000cafe"),
            body,
        )
        .await;

        let mut listed = vault.list().await.unwrap();
        listed.sort();
        let mut expected = vec![known.id, unknown.id];
        expected.sort();
        assert_eq!(
            listed, expected,
            "{}: only complete blobs are listed",
            f.name
        );
        if f.dir.is_some() {
            let staging: Vec<String> = f
                .raw_objects()
                .await
                .into_iter()
                .map(|(n, _)| n)
                .filter(|n| n.contains('#'))
                .collect();
            assert_eq!(
                staging.len(),
                1,
                "the killed upload left its staging file: {staging:?}"
            );
        }

        let known_ids: HashSet<BlobId> = [known.id].into();
        // Within the grace period nothing is touched.
        let early = SystemTime::now() - Duration::from_secs(3600);
        let report = vault.cleanup_orphans(&known_ids, early).await.unwrap();
        assert_eq!(report, Default::default(), "{}", f.name);

        let later = SystemTime::now() + Duration::from_secs(3600);
        let report = vault.cleanup_orphans(&known_ids, later).await.unwrap();
        assert_eq!(report.blobs, 1, "{}: {report:?}", f.name);
        assert_eq!(report.bodies, 1, "{}: {report:?}", f.name);
        assert_eq!(
            report.temporaries,
            u64::from(f.dir.is_some()),
            "{}: {report:?}",
            f.name
        );
        assert_eq!(vault.list().await.unwrap(), vec![known.id]);
        assert_eq!(
            get(&vault, &known.id).await.unwrap(),
            b"referenced by the database"
        );
        let left: Vec<String> = f.raw_objects().await.into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            left.len(),
            3,
            "{}: naming key, one record, one body: {left:?}",
            f.name
        );
        assert!(left.iter().all(|n| !n.contains('#')));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Local-only

#[tokio::test]
async fn local_folder_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let temp = tempfile::tempdir().unwrap();
    // A new vault folder nested in a missing parent is created, readable by its owner only.
    let nested = temp.path().join("a/b/c");
    let vault = Vault::open(&VaultConfig::local(&nested), ring(&[("k1", 1)]))
        .await
        .unwrap();
    put(&vault, b"x").await;
    assert_eq!(
        std::fs::metadata(&nested).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(nested.join("vault/naming-key").is_file());
}

#[tokio::test]
async fn key_files_drive_the_vault() {
    let temp = tempfile::tempdir().unwrap();
    let keys = temp.path().join("keys");
    marsad_vault::write_new_key_file(&keys, &id("2026-01")).unwrap();
    let vault = Vault::open(
        &VaultConfig::local(temp.path().join("blobs")),
        Keyring::load_dir(&keys, None).unwrap(),
    )
    .await
    .unwrap();
    let stored = put(&vault, b"consent form").await;
    drop(vault);
    marsad_vault::write_new_key_file(&keys, &id("2026-07")).unwrap();
    let vault = Vault::open(
        &VaultConfig::local(temp.path().join("blobs")),
        Keyring::load_dir(&keys, Some(&id("2026-07"))).unwrap(),
    )
    .await
    .unwrap();
    assert!(vault
        .rotate(&id("2026-01"), &id("2026-07"))
        .await
        .unwrap()
        .complete());
    std::fs::remove_file(keys.join("2026-01.key")).unwrap();
    let vault = Vault::open(
        &VaultConfig::local(temp.path().join("blobs")),
        Keyring::load_dir(&keys, None).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(get(&vault, &stored.id).await.unwrap(), b"consent form");
}

#[tokio::test]
async fn verify_writes_reads_back() {
    let temp = tempfile::tempdir().unwrap();
    let mut config = VaultConfig::local(temp.path());
    config.verify_writes = true;
    let vault = Vault::open(&config, ring(&[("k1", 1)])).await.unwrap();
    let data = pattern(3 * MIB, 11);
    let stored = put(&vault, &data).await;
    assert!(get(&vault, &stored.id).await.unwrap() == data);
}

/// Small secrets sealed for a database column (TOTP secrets): bound to their purpose, never in
/// clear, and still readable after the master key they were sealed under is rotated away and
/// removed (rotation re-wraps the vault secret they derive from; no sealed value is rewritten).
#[tokio::test]
async fn sealed_secrets_open_after_rotation_to_another_key() {
    on_every_backend(|f| async move {
        let secret = b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let vault = f.vault().await;
        let sealed = vault.seal("totp/user/7", secret).unwrap();
        assert!(marsad_vault::is_sealed(&sealed), "{sealed}");
        assert!(!contains(sealed.as_bytes(), secret), "{}", f.name);
        // Two seals of one secret differ (random nonce); both open.
        let again = vault.seal("totp/user/7", secret).unwrap();
        assert_ne!(sealed, again);
        assert_eq!(
            vault.open_sealed("totp/user/7", &again).unwrap().as_slice(),
            secret
        );
        // Another purpose (another user's row), an altered value or clear text do not open.
        for (purpose, text) in [
            ("totp/user/8", sealed.clone()),
            ("totp/user/7", {
                let mut altered = sealed.clone().into_bytes();
                let at = marsad_vault::SEALED_PREFIX.len() + 5;
                altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
                String::from_utf8(altered).unwrap()
            }),
            ("totp/user/7", sealed.replace("v1", "v2")),
            ("totp/user/7", String::from_utf8(secret.to_vec()).unwrap()),
            ("totp/user/7", marsad_vault::SEALED_PREFIX.to_string()),
        ] {
            let err = vault.open_sealed(purpose, &text).unwrap_err();
            assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
            assert!(!err.to_string().contains("JBSW"), "{err}");
        }
        assert!(matches!(
            vault.seal("big", &[0u8; 5000]),
            Err(VaultError::TooLarge { .. })
        ));
        drop(vault);

        // k2 becomes active, k1 is rotated away and removed: the value sealed under k1 opens.
        let both = {
            let mut ring = ring(&[("k1", 1), ("k2", 2)]);
            ring.set_active(&id("k2")).unwrap();
            ring
        };
        let vault = f.open(both).await;
        assert!(vault.rotate(&id("k1"), &id("k2")).await.unwrap().complete());
        drop(vault);
        let vault = f.open(ring(&[("k2", 2)])).await;
        assert_eq!(
            vault
                .open_sealed("totp/user/7", &sealed)
                .unwrap()
                .as_slice(),
            secret,
            "{}",
            f.name
        );
        // Another vault (another secret) cannot open it, even under the same master key.
        let other = local();
        let stranger = other.open(ring(&[("k2", 2)])).await;
        assert!(stranger.open_sealed("totp/user/7", &sealed).is_err());
    })
    .await;
}
