//! The vault: streaming put and get of encrypted, content-addressed blobs, delete, list, orphan
//! cleanup and master-key rotation, over any `object_store` backend.
//!
//! An upload is read once, in order, never whole: the first MiB decides the path (sniffed and
//! checked against the allow-list before anything is written; a file that ends within it is
//! hashed first, so a duplicate writes nothing at all). A larger one is sealed segment by segment
//! into a multipart upload of a randomly named body (`data/…`: a staging file renamed on
//! completion on the local backend, an S3 multipart upload completed only at the end), hashing the
//! plaintext as it goes and enforcing the size limit; any error or a dropped future aborts the
//! upload. Only when the body is complete and its length checked is the blob record written
//! (`blobs/<id>`, create-only), which is the moment the blob exists. If that id exists already the
//! new body is deleted and the existing blob returned (deduplication; for a large file the hash,
//! hence the id, is known only at the end, so its duplicate is written and then deleted).
//!
//! Hashing, sealing and opening run on tokio's blocking pool in 1 MiB batches, so a multi-GB
//! upload neither buffers nor holds an async worker; memory per upload is bounded (three 1 MiB
//! batches and up to three 8 MiB multipart parts).

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Path as FsPath, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use futures_util::stream::{BoxStream, Stream, StreamExt as _};
use hmac::{Hmac, KeyInit as _, Mac as _};
use object_store::path::Path;
use object_store::{
    GetResultPayload, ObjectStore, ObjectStoreExt as _, PutMode, PutOptions as StorePutOptions,
    PutPayload, UpdateVersion, WriteMultipart,
};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt as _};
use zeroize::Zeroizing;

use crate::blob::{BlobId, StoredBlob};
use crate::config::{build, VaultConfig};
use crate::error::VaultError;
use crate::keys::{random_key, KeyId, Keyring, UnwrapError, WrappedKey, KEY_LEN};
use crate::record::{
    blob_path, body_of_path, body_path, id_of_blob_path, BlobRecord, BodyName, NamingRecord,
    BLOBS_DIR, DATA_DIR, NAMING_PATH,
};
use crate::segment::{
    body_len, Header, Opener, SealError, Sealer, HEADER_LEN, SEGMENT_SIZE, TAG_LEN,
};
use crate::sniff::{sniff, AllowList, ContentKind, SNIFF_LEN};

/// An upload that ends within this many bytes is hashed before anything is written.
const SMALL: usize = 1024 * 1024;
/// Bytes asked of the reader at a time.
const READ_CHUNK: usize = 1024 * 1024;
/// Plaintext sealed per blocking job (16 segments).
const BATCH: usize = 16 * SEGMENT_SIZE as usize;
/// Multipart part size (S3 wants at least 5 MiB but for the last part).
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight per upload (memory per upload is about (this + 1) × `PART_SIZE`).
const PARTS_IN_FLIGHT: usize = 2;
/// Chunk size when reading a local body.
const LOCAL_READ_CHUNK: usize = 1024 * 1024;
/// Ciphertext chunks at least this large are opened on the blocking pool.
const OPEN_OFF_THREAD: usize = 256 * 1024;

/// How to take an upload.
#[derive(Clone, Debug)]
pub struct PutOptions {
    /// The largest accepted plaintext, in bytes; one more byte fails with
    /// [`VaultError::TooLarge`] and nothing is kept.
    pub limit: u64,
    /// When given, the content type detected from the first bytes must be in it
    /// ([`VaultError::TypeNotAllowed`], before anything is written).
    pub allow: Option<AllowList>,
}

impl PutOptions {
    /// Any content up to `limit` bytes.
    pub fn limit(limit: u64) -> Self {
        Self { limit, allow: None }
    }

    /// Only the allowed content types.
    pub fn allowing(mut self, allow: AllowList) -> Self {
        self.allow = Some(allow);
        self
    }
}

/// What [`Vault::cleanup_orphans`] removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Blobs (record and body) that no known id referenced.
    pub blobs: u64,
    /// Complete bodies without a record (a crash between upload and record).
    pub bodies: u64,
    /// Unfinished uploads: staging files of the local backend.
    pub temporaries: u64,
}

/// What [`Vault::rotate`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Data keys (and the naming secret) re-wrapped from the old key to the new one.
    pub rewrapped: u64,
    /// Records under other keys, left as they were.
    pub other: u64,
    /// Records that could not be read or opened (listed; they still need the old key).
    pub damaged: Vec<String>,
}

impl RotationReport {
    /// Whether nothing needs the old key any more (it can be removed).
    pub fn complete(&self) -> bool {
        self.damaged.is_empty()
    }
}

/// The result of [`Vault::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Plaintext size.
    pub size: u64,
    /// SHA-256 of the plaintext.
    pub plaintext_sha256: [u8; 32],
}

/// The encrypted blob store. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ObjectStore>,
    local_root: Option<PathBuf>,
    keys: Keyring,
    naming: Zeroizing<[u8; KEY_LEN]>,
    verify_writes: bool,
    pool: BufPool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("store", &self.inner.store.to_string())
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn corrupt(what: impl Into<String>, detail: &'static str) -> VaultError {
    VaultError::Corrupt {
        what: what.into(),
        detail,
    }
}

fn blob_name(id: &BlobId) -> String {
    format!("blob {id}")
}

impl Vault {
    /// Opens the vault (creating the folder and the naming secret on first use).
    pub async fn open(config: &VaultConfig, keys: Keyring) -> Result<Self, VaultError> {
        let (store, local_root) = build(&config.backend)?;
        Self::with_store(store, local_root, keys, config.verify_writes).await
    }

    /// Opens a vault over any object store (for tests and other backends); `local_root` is the
    /// folder of a local store, where unfinished uploads are looked for.
    pub async fn with_store(
        store: Arc<dyn ObjectStore>,
        local_root: Option<PathBuf>,
        keys: Keyring,
        verify_writes: bool,
    ) -> Result<Self, VaultError> {
        let naming = load_or_create_naming(store.as_ref(), &keys).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                local_root,
                keys,
                naming,
                verify_writes,
                pool: BufPool::default(),
            }),
        })
    }

    /// The key ring.
    pub fn keys(&self) -> &Keyring {
        &self.inner.keys
    }

    /// The vault's own secret (the naming secret): random, made with the vault, wrapped by a
    /// master key and re-wrapped by [`Vault::rotate`]. Blob ids and sealing keys derive from it.
    pub(crate) fn vault_secret(&self) -> &[u8] {
        self.inner.naming.as_slice()
    }

    fn id_for(&self, sha: &[u8; 32]) -> Result<BlobId, VaultError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.inner.naming.as_slice())
            .map_err(|_| VaultError::Config("HMAC key length".into()))?;
        mac.update(b"marsad-vault/v1/id");
        mac.update(sha);
        let mut id = [0u8; 32];
        id.copy_from_slice(&mac.finalize().into_bytes());
        Ok(BlobId::from_bytes(id))
    }

    /// Stores an upload, streaming: see the module documentation. Returns the metadata the
    /// database keeps.
    pub async fn put_stream<R>(
        &self,
        mut reader: R,
        options: &PutOptions,
    ) -> Result<StoredBlob, VaultError>
    where
        R: AsyncRead + Unpin + Send,
    {
        let mut input = Input {
            buf: BytesMut::with_capacity(SMALL + READ_CHUNK),
            total: 0,
            limit: options.limit,
            eof: false,
        };
        while !input.eof && input.buf.len() <= SMALL {
            input.read_more(&mut reader).await?;
        }
        let content = sniff(&input.buf[..input.buf.len().min(SNIFF_LEN)]);
        if let Some(allow) = &options.allow {
            allow.check(content)?;
        }
        let head = input.buf.freeze();
        if input.eof {
            self.put_small(head, content).await
        } else {
            self.put_large(reader, head, options.limit, content).await
        }
    }

    async fn put_small(
        &self,
        plain: Bytes,
        content: ContentKind,
    ) -> Result<StoredBlob, VaultError> {
        let hashed = plain.clone();
        let sha: [u8; 32] = blocking(move || Sha256::digest(&hashed).into()).await?;
        let id = self.id_for(&sha)?;
        let size = plain.len() as u64;
        let stored = |deduplicated| StoredBlob {
            id,
            size,
            plaintext_sha256: sha,
            content,
            deduplicated,
        };
        if self.intact_record(&id).await?.is_some() {
            return Ok(stored(true));
        }
        let header = Header::random(SEGMENT_SIZE).map_err(|_| VaultError::Random)?;
        let data_key = random_key()?;
        let mut sealer = Sealer::new(&data_key, &header)
            .ok_or_else(|| VaultError::Config("AES key length".into()))?;
        let sealed = blocking(move || sealer.seal_batch(&plain, SEGMENT_SIZE as usize, true))
            .await?
            .map_err(seal_error)?;
        let body = random_body()?;
        let payload = PutPayload::from_iter([Bytes::copy_from_slice(&header.encode()), sealed]);
        self.inner.store.put(&body_path(&body), payload).await?;
        self.commit(id, body, size, &header, &data_key, sha)
            .await
            .map(stored)
    }

    /// Streams a large upload as a three-stage pipeline over batches of 16 segments: while batch
    /// `i + 1` is read, batch `i` is hashed on one blocking thread and batch `i - 1` (hashed
    /// already) is sealed in place on another, then handed to the multipart upload. Batch buffers
    /// come from a pool and go back to it once written, so a long upload allocates nothing.
    async fn put_large<R>(
        &self,
        reader: R,
        head: Bytes,
        limit: u64,
        content: ContentKind,
    ) -> Result<StoredBlob, VaultError>
    where
        R: AsyncRead + Unpin + Send,
    {
        let header = Header::random(SEGMENT_SIZE).map_err(|_| VaultError::Random)?;
        let data_key = random_key()?;
        let sealer = Sealer::new(&data_key, &header)
            .ok_or_else(|| VaultError::Config("AES key length".into()))?;
        let body = random_body()?;
        let upload = self.inner.store.put_multipart(&body_path(&body)).await?;
        let mut guard = UploadGuard(Some(WriteMultipart::new_with_chunk_size(upload, PART_SIZE)));
        let pool = self.inner.pool.clone();
        let mut source = BatchReader {
            reader: tokio::io::AsyncReadExt::chain(&head[..], reader),
            total: 0,
            limit,
            eof: false,
            pool: pool.clone(),
        };
        let written: Result<Sha256, VaultError> = async {
            guard
                .writer()?
                .put(Bytes::copy_from_slice(&header.encode()));
            let mut hasher = Some(Sha256::new());
            let mut sealer = Some(sealer);
            let mut hashed: Option<Batch> = None;
            let mut next = source.read_batch().await?;
            loop {
                let current = next;
                // Batch i - 1 is the last one when batch i came back empty.
                let seal_last = current.filled == 0;
                let hash = async {
                    if current.filled == 0 {
                        return Ok((None, current));
                    }
                    let mut h = hasher.take().ok_or_else(lost)?;
                    blocking(move || {
                        h.update(current.data());
                        (Some(h), current)
                    })
                    .await
                };
                let seal = async {
                    let Some(mut batch) = hashed.take() else {
                        return Ok(None);
                    };
                    let mut s = sealer.take().ok_or_else(lost)?;
                    blocking(move || {
                        let tags =
                            s.seal_in_place(batch.data_mut(), SEGMENT_SIZE as usize, seal_last);
                        Some((s, batch, tags))
                    })
                    .await
                };
                let read = async {
                    // After the batch in which the input ended, only an empty one follows.
                    if seal_last || source.eof {
                        Ok(Batch::empty())
                    } else {
                        source.read_batch().await
                    }
                };
                let (hash, seal, read) = tokio::join!(hash, seal, read);
                let (h, current) = hash?;
                if let Some(h) = h {
                    hasher = Some(h);
                }
                if let Some((s, batch, tags)) = seal? {
                    sealer = Some(s);
                    let writer = guard.writer()?;
                    for piece in batch.sealed_pieces(tags.map_err(seal_error)?, &pool) {
                        writer.put(piece);
                    }
                    writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                }
                if seal_last {
                    return hasher.take().ok_or_else(lost);
                }
                next = read?;
                hashed = Some(current);
            }
        }
        .await;
        let hasher = match written {
            Ok(hasher) => hasher,
            Err(e) => {
                guard.abort().await;
                return Err(e);
            }
        };
        guard.finish().await?;
        let sha: [u8; 32] = hasher.finalize().into();
        let id = self.id_for(&sha)?;
        let size = source.total;
        let deduplicated = self.commit(id, body, size, &header, &data_key, sha).await?;
        Ok(StoredBlob {
            id,
            size,
            plaintext_sha256: sha,
            content,
            deduplicated,
        })
    }

    /// Checks a complete body and makes it visible under `id` by writing its record; returns
    /// whether the id existed already (then the new body is deleted).
    async fn commit(
        &self,
        id: BlobId,
        body: BodyName,
        size: u64,
        header: &Header,
        data_key: &[u8; KEY_LEN],
        sha: [u8; 32],
    ) -> Result<bool, VaultError> {
        let store = &self.inner.store;
        let path = body_path(&body);
        let checked = self.check_body(&path, size, header, data_key, sha).await;
        if let Err(e) = checked {
            let _ = store.delete(&path).await;
            return Err(e);
        }
        let key = self
            .inner
            .keys
            .wrap(data_key, |k| BlobRecord::wrap_aad(&id, &body, size, k))?;
        let record = BlobRecord { body, size, key }.encode();
        let create = StorePutOptions::from(PutMode::Create);
        match store
            .put_opts(&blob_path(&id), record.clone().into(), create)
            .await
        {
            Ok(_) => Ok(false),
            Err(object_store::Error::AlreadyExists { .. }) => {
                if self.intact_record(&id).await?.is_some() {
                    let _ = store.delete(&path).await;
                    return Ok(true);
                }
                // The existing record is damaged or its body is gone: this upload repairs it.
                store.put(&blob_path(&id), record.into()).await?;
                Ok(false)
            }
            Err(object_store::Error::NotImplemented { .. }) => {
                if self.intact_record(&id).await?.is_some() {
                    let _ = store.delete(&path).await;
                    return Ok(true);
                }
                store.put(&blob_path(&id), record.into()).await?;
                Ok(false)
            }
            Err(e) => {
                let _ = store.delete(&path).await;
                Err(e.into())
            }
        }
    }

    async fn check_body(
        &self,
        path: &Path,
        size: u64,
        header: &Header,
        data_key: &[u8; KEY_LEN],
        sha: [u8; 32],
    ) -> Result<(), VaultError> {
        let meta = self.inner.store.head(path).await?;
        if meta.size != body_len(size, header.segment_size) {
            return Err(corrupt(
                "a new upload",
                "the stored body does not have the length that was written",
            ));
        }
        if self.inner.verify_writes {
            let mut stream = self.open_body(path, "a new upload", size, data_key).await?;
            let mut hasher = Sha256::new();
            while let Some(chunk) = stream.next().await {
                hasher.update(&chunk?);
            }
            if <[u8; 32]>::from(hasher.finalize()) != sha {
                return Err(corrupt(
                    "a new upload",
                    "the stored body does not read back as what was received",
                ));
            }
        }
        Ok(())
    }

    /// The record of a blob whose body exists with the right length, if any.
    async fn intact_record(&self, id: &BlobId) -> Result<Option<BlobRecord>, VaultError> {
        let Some(record) = self.read_record(id).await? else {
            return Ok(None);
        };
        match self.inner.store.head(&body_path(&record.body)).await {
            Ok(meta) if meta.size >= HEADER_LEN as u64 => Ok(Some(record)),
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// A blob's record: `None` when there is none or it cannot be decoded.
    async fn read_record(&self, id: &BlobId) -> Result<Option<BlobRecord>, VaultError> {
        match self.inner.store.get(&blob_path(id)).await {
            Ok(result) => Ok(BlobRecord::decode(&result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn unwrap_data_key(
        &self,
        id: &BlobId,
        record: &BlobRecord,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        self.inner
            .keys
            .unwrap(&record.key, |k| {
                BlobRecord::wrap_aad(id, &record.body, record.size, k)
            })
            .map_err(|e| match e {
                UnwrapError::UnknownKey(k) => VaultError::UnknownKey(k),
                UnwrapError::Failed => corrupt(blob_name(id), "its data key does not open"),
            })
    }

    /// Whether a blob exists.
    pub async fn exists(&self, id: &BlobId) -> Result<bool, VaultError> {
        match self.inner.store.head(&blob_path(id)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a blob: a stream of plaintext chunks, each authenticated before it is yielded. An
    /// `Err` item (a damaged segment, a truncated body, a storage failure) ends the stream; a
    /// consumer sending it on (an HTTP response) must then abort rather than end normally, so
    /// that nobody takes a partial file for a whole one.
    pub async fn get_stream(&self, id: &BlobId) -> Result<BlobStream, VaultError> {
        let record = self
            .read_record_strict(id)
            .await?
            .ok_or(VaultError::NotFound(*id))?;
        let key = self.unwrap_data_key(id, &record)?;
        self.open_body(&body_path(&record.body), &blob_name(id), record.size, &key)
            .await
    }

    async fn read_record_strict(&self, id: &BlobId) -> Result<Option<BlobRecord>, VaultError> {
        match self.inner.store.get(&blob_path(id)).await {
            Ok(result) => BlobRecord::decode(&result.bytes().await?)
                .map(Some)
                .ok_or_else(|| corrupt(blob_name(id), "its record is malformed")),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn open_body(
        &self,
        path: &Path,
        what: &str,
        size: u64,
        key: &[u8; KEY_LEN],
    ) -> Result<BlobStream, VaultError> {
        let result = match self.inner.store.get(path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(corrupt(what, "its body is missing"))
            }
            Err(e) => return Err(e.into()),
        };
        let stored_len = result.meta.size;
        let mut source: BoxStream<'static, Result<Bytes, VaultError>> = match result.payload {
            GetResultPayload::File(file, _) => file_chunks(file, stored_len),
            GetResultPayload::Stream(stream) => stream.map(|r| r.map_err(VaultError::from)).boxed(),
        };
        let mut head = BytesMut::new();
        while head.len() < HEADER_LEN {
            match source.next().await {
                Some(chunk) => head.extend_from_slice(&chunk?),
                None => return Err(corrupt(what, "its body is shorter than a header")),
            }
        }
        let header =
            Header::decode(&head).ok_or_else(|| corrupt(what, "its header is not ours"))?;
        if stored_len != body_len(size, header.segment_size) {
            return Err(corrupt(
                what,
                "its body has the wrong length (truncated or extended)",
            ));
        }
        let mut opener = Opener::new(key, &header, size)
            .ok_or_else(|| corrupt(what, "its header is not usable"))?;
        let mut ready = Vec::new();
        opener
            .push(&head[HEADER_LEN..], &mut ready)
            .map_err(|detail| corrupt(what, detail))?;
        let state = ReadState {
            source,
            opener: Some(opener),
            ready: ready.into(),
            done: false,
            what: what.to_owned(),
        };
        Ok(BlobStream {
            size,
            inner: futures_util::stream::unfold(state, next_plain).boxed(),
        })
    }

    /// Reads a whole blob, recomputes the SHA-256 of its plaintext and checks that it gives the
    /// blob's id (end-to-end integrity without the database).
    pub async fn verify(&self, id: &BlobId) -> Result<Verified, VaultError> {
        let mut stream = self.get_stream(id).await?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        let sha: [u8; 32] = hasher.finalize().into();
        if self.id_for(&sha)? != *id {
            return Err(corrupt(blob_name(id), "its content does not match its id"));
        }
        Ok(Verified {
            size,
            plaintext_sha256: sha,
        })
    }

    /// Deletes a blob: its record first (with the only copy of its data key, so the body is
    /// unreadable from then on, wherever a copy of it survives), then its body. Returns whether
    /// it existed. The database must only call this when no attachment refers to the id any more
    /// (several attachments may share one blob).
    pub async fn delete(&self, id: &BlobId) -> Result<bool, VaultError> {
        let store = &self.inner.store;
        let record = match store.get(&blob_path(id)).await {
            Ok(result) => BlobRecord::decode(&result.bytes().await?),
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        };
        match store.delete(&blob_path(id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Some(record) = record {
            match store.delete(&body_path(&record.body)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(true)
    }

    /// Every blob id, sorted. Unfinished uploads and bodies without a record are not blobs and
    /// are not listed.
    pub async fn list(&self) -> Result<Vec<BlobId>, VaultError> {
        let mut ids = Vec::new();
        let mut listing = self.inner.store.list(Some(&Path::from(BLOBS_DIR)));
        while let Some(meta) = listing.next().await {
            if let Some(id) = id_of_blob_path(&meta?.location) {
                ids.push(id);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Removes what nobody needs, if it was last modified before `older_than` (pass "now minus a
    /// grace period" of a day or so, longer than any upload, so that uploads in progress and blobs
    /// whose database row is not yet committed are left alone):
    /// - blobs whose id is not in `known` (the ids the database refers to), record and body;
    /// - bodies without a record (a crash after the upload, before its record);
    /// - unfinished uploads: staging files (`…#<n>`) of the local backend. Unfinished S3
    ///   multipart uploads are invisible to listing; give the bucket a lifecycle rule
    ///   `AbortIncompleteMultipartUpload` (one day) for those.
    ///
    /// Reads every record (one small GET each) to learn which bodies are referenced.
    pub async fn cleanup_orphans(
        &self,
        known: &HashSet<BlobId>,
        older_than: SystemTime,
    ) -> Result<CleanupReport, VaultError> {
        let store = &self.inner.store;
        let mut report = CleanupReport::default();
        let mut referenced: HashSet<BodyName> = HashSet::new();
        let mut listing = store.list(Some(&Path::from(BLOBS_DIR)));
        let mut records = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if let Some(id) = id_of_blob_path(&meta.location) {
                records.push((id, SystemTime::from(meta.last_modified)));
            }
        }
        drop(listing);
        for (id, modified) in records {
            let record = self.read_record(&id).await?;
            if known.contains(&id) || modified >= older_than {
                if let Some(record) = record {
                    referenced.insert(record.body);
                }
                continue;
            }
            match store.delete(&blob_path(&id)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            if let Some(record) = record {
                match store.delete(&body_path(&record.body)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            report.blobs += 1;
        }
        let mut bodies = Vec::new();
        let mut listing = store.list(Some(&Path::from(DATA_DIR)));
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            if let Some(body) = body_of_path(&meta.location) {
                if !referenced.contains(&body) && SystemTime::from(meta.last_modified) < older_than
                {
                    bodies.push(meta.location);
                }
            }
        }
        drop(listing);
        for path in bodies {
            match store.delete(&path).await {
                Ok(()) => report.bodies += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(root) = self.inner.local_root.clone() {
            let data = root.join(DATA_DIR);
            report.temporaries =
                tokio::task::spawn_blocking(move || remove_staging_files(&data, older_than))
                    .await
                    .map_err(|e| VaultError::Config(format!("cleanup task failed: {e}")))?
                    .map_err(|e| {
                        VaultError::Config(format!("cleanup of unfinished uploads: {e}"))
                    })?;
        }
        Ok(report)
    }

    /// Re-wraps every data key (and the naming secret) held under master key `from` with master
    /// key `to`; bodies are not touched. Both keys must be loaded. When the report is
    /// [`complete`](RotationReport::complete), `from` can be removed from the key files. Run it
    /// after making `to` the active key, so that new uploads do not use `from` meanwhile.
    pub async fn rotate(&self, from: &KeyId, to: &KeyId) -> Result<RotationReport, VaultError> {
        let keys = &self.inner.keys;
        for k in [from, to] {
            if !keys.contains(k) {
                return Err(VaultError::UnknownKey(k.clone()));
            }
        }
        let store = &self.inner.store;
        let mut report = RotationReport::default();
        let mut conditional = true;

        // The naming secret.
        let result = store.get(&Path::from(NAMING_PATH)).await?;
        let version = UpdateVersion {
            e_tag: result.meta.e_tag.clone(),
            version: result.meta.version.clone(),
        };
        let naming = NamingRecord::decode(&result.bytes().await?)
            .ok_or_else(|| corrupt("the naming key record", "it is malformed"))?;
        if naming.key.key_id == *from {
            let secret = keys
                .unwrap(&naming.key, NamingRecord::wrap_aad)
                .map_err(|_| VaultError::WrongKey(from.clone()))?;
            let key = keys.wrap_with(to, &secret, NamingRecord::wrap_aad)?;
            let bytes = NamingRecord { key }.encode();
            self.replace(&Path::from(NAMING_PATH), bytes, version, &mut conditional)
                .await?;
            report.rewrapped += 1;
        } else {
            report.other += 1;
        }

        for id in self.list().await? {
            let mut attempts = 0;
            loop {
                attempts += 1;
                match self.rewrap_blob(&id, from, to, &mut conditional).await {
                    Ok(Rewrap::Done) => report.rewrapped += 1,
                    Ok(Rewrap::Other | Rewrap::Gone) => report.other += 1,
                    Ok(Rewrap::Raced) if attempts < 3 => continue,
                    Ok(Rewrap::Raced) => report.damaged.push(blob_name(&id)),
                    Err(VaultError::Corrupt { .. }) => report.damaged.push(blob_name(&id)),
                    Err(e) => return Err(e),
                }
                break;
            }
        }
        Ok(report)
    }

    async fn rewrap_blob(
        &self,
        id: &BlobId,
        from: &KeyId,
        to: &KeyId,
        conditional: &mut bool,
    ) -> Result<Rewrap, VaultError> {
        let store = &self.inner.store;
        let result = match store.get(&blob_path(id)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(Rewrap::Gone),
            Err(e) => return Err(e.into()),
        };
        let version = UpdateVersion {
            e_tag: result.meta.e_tag.clone(),
            version: result.meta.version.clone(),
        };
        let record = BlobRecord::decode(&result.bytes().await?)
            .ok_or_else(|| corrupt(blob_name(id), "its record is malformed"))?;
        if record.key.key_id != *from {
            return Ok(Rewrap::Other);
        }
        let data_key = self.unwrap_data_key(id, &record)?;
        let key: WrappedKey = self.inner.keys.wrap_with(to, &data_key, |k| {
            BlobRecord::wrap_aad(id, &record.body, record.size, k)
        })?;
        let body = record.body;
        let bytes = BlobRecord { key, ..record }.encode();
        match self
            .replace(&blob_path(id), bytes, version, conditional)
            .await
        {
            Ok(()) if !*conditional => {
                // Without conditional writes a delete that ran meanwhile could have been undone:
                // a record whose body is gone is removed again.
                match store.head(&body_path(&body)).await {
                    Err(object_store::Error::NotFound { .. }) => {
                        let _ = store.delete(&blob_path(id)).await;
                        Ok(Rewrap::Gone)
                    }
                    _ => Ok(Rewrap::Done),
                }
            }
            Ok(()) => Ok(Rewrap::Done),
            Err(VaultError::Backend(object_store::Error::Precondition { .. })) => Ok(Rewrap::Raced),
            Err(e) => Err(e),
        }
    }

    /// Replaces a small record, only if unchanged since read where the store can check it.
    async fn replace(
        &self,
        path: &Path,
        bytes: Vec<u8>,
        version: UpdateVersion,
        conditional: &mut bool,
    ) -> Result<(), VaultError> {
        let store = &self.inner.store;
        if *conditional && (version.e_tag.is_some() || version.version.is_some()) {
            let update = StorePutOptions::from(PutMode::Update(version));
            match store.put_opts(path, bytes.clone().into(), update).await {
                Ok(_) => return Ok(()),
                Err(object_store::Error::NotImplemented { .. }) => *conditional = false,
                Err(e) => return Err(e.into()),
            }
        }
        store.put(path, bytes.into()).await?;
        Ok(())
    }

    /// How many records each master key wraps (the naming secret counts as one), so an operator
    /// can see that an old key is no longer needed.
    pub async fn key_usage(&self) -> Result<BTreeMap<KeyId, u64>, VaultError> {
        let mut usage = BTreeMap::new();
        let result = self.inner.store.get(&Path::from(NAMING_PATH)).await?;
        if let Some(naming) = NamingRecord::decode(&result.bytes().await?) {
            *usage.entry(naming.key.key_id).or_insert(0) += 1;
        }
        for id in self.list().await? {
            if let Some(record) = self.read_record(&id).await? {
                *usage.entry(record.key.key_id).or_insert(0) += 1;
            }
        }
        Ok(usage)
    }
}

enum Rewrap {
    Done,
    Other,
    Gone,
    Raced,
}

fn seal_error(e: SealError) -> VaultError {
    match e {
        SealError::TooManySegments => VaultError::Config("object too large for one blob".into()),
        SealError::Misuse => VaultError::Config("sealing failed".into()),
    }
}

/// Runs CPU-bound work (hashing, sealing) on the blocking pool, off the async workers.
async fn blocking<T, F>(work: F) -> Result<T, VaultError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| VaultError::Config(format!("a worker task failed: {e}")))
}

fn random_body() -> Result<BodyName, VaultError> {
    let mut body = [0u8; 16];
    getrandom::fill(&mut body).map_err(|_| VaultError::Random)?;
    Ok(body)
}

/// What has been read of an upload and not yet sealed.
struct Input {
    buf: BytesMut,
    total: u64,
    limit: u64,
    eof: bool,
}

impl Input {
    async fn read_more<R: AsyncRead + Unpin>(&mut self, reader: &mut R) -> Result<(), VaultError> {
        self.buf.reserve(READ_CHUNK);
        let n = reader
            .read_buf(&mut self.buf)
            .await
            .map_err(VaultError::Read)?;
        if n == 0 {
            self.eof = true;
        }
        self.total += n as u64;
        if self.total > self.limit {
            return Err(VaultError::TooLarge { limit: self.limit });
        }
        Ok(())
    }
}

fn lost() -> VaultError {
    VaultError::Config("sealing state lost".into())
}

/// Recycled batch buffers, so that a long upload allocates (and page-faults) nothing once warm.
#[derive(Clone, Default)]
struct BufPool(Arc<std::sync::Mutex<Vec<Vec<u8>>>>);

/// Buffers kept for reuse (1 MiB each), across all uploads.
const POOL_MAX: usize = 64;

impl BufPool {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_else(|| vec![0u8; BATCH])
    }

    fn give(&self, buf: Vec<u8>) {
        if buf.len() != BATCH {
            return;
        }
        if let Ok(mut free) = self.0.lock() {
            if free.len() < POOL_MAX {
                free.push(buf);
            }
        }
    }
}

/// Up to `BATCH` plaintext bytes in a pooled buffer.
struct Batch {
    buf: Vec<u8>,
    filled: usize,
}

impl Batch {
    fn empty() -> Self {
        Self {
            buf: Vec::new(),
            filled: 0,
        }
    }

    fn data(&self) -> &[u8] {
        &self.buf[..self.filled]
    }

    fn data_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.filled]
    }

    /// The stored form of a sealed batch: each segment followed by its tag, as slices of the
    /// batch buffer (which returns to the pool when the last slice is dropped).
    fn sealed_pieces(self, tags: Vec<u8>, pool: &BufPool) -> Vec<Bytes> {
        let filled = self.filled;
        let data = Bytes::from_owner(Pooled {
            buf: self.buf,
            filled,
            pool: pool.clone(),
        });
        let tags = Bytes::from(tags);
        let segment = SEGMENT_SIZE as usize;
        let mut pieces = Vec::with_capacity(2 * filled.div_ceil(segment));
        for (i, start) in (0..filled).step_by(segment).enumerate() {
            pieces.push(data.slice(start..filled.min(start + segment)));
            pieces.push(tags.slice(i * TAG_LEN..(i + 1) * TAG_LEN));
        }
        pieces
    }
}

struct Pooled {
    buf: Vec<u8>,
    filled: usize,
    pool: BufPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.filled]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give(std::mem::take(&mut self.buf));
    }
}

/// Reads an upload batch by batch, counting against the limit.
struct BatchReader<R> {
    reader: R,
    total: u64,
    limit: u64,
    eof: bool,
    pool: BufPool,
}

impl<R: AsyncRead + Unpin> BatchReader<R> {
    /// The next batch: full, or shorter (possibly empty) when the input ends.
    async fn read_batch(&mut self) -> Result<Batch, VaultError> {
        let mut buf = self.pool.take();
        let mut filled = 0;
        while filled < BATCH && !self.eof {
            let n = self
                .reader
                .read(&mut buf[filled..])
                .await
                .map_err(VaultError::Read)?;
            if n == 0 {
                self.eof = true;
            }
            filled += n;
            self.total += n as u64;
            if self.total > self.limit {
                return Err(VaultError::TooLarge { limit: self.limit });
            }
        }
        Ok(Batch { buf, filled })
    }
}

/// Aborts a multipart upload that did not finish (an error, or the future dropped when the client
/// went away), so that no part lingers.
struct UploadGuard(Option<WriteMultipart>);

impl UploadGuard {
    fn writer(&mut self) -> Result<&mut WriteMultipart, VaultError> {
        self.0
            .as_mut()
            .ok_or_else(|| VaultError::Config("upload already finished".into()))
    }

    async fn abort(&mut self) {
        if let Some(writer) = self.0.take() {
            if let Err(e) = writer.abort().await {
                tracing::warn!(error = %e, "aborting an unfinished upload failed; cleanup_orphans will remove it");
            }
        }
    }

    async fn finish(&mut self) -> Result<(), VaultError> {
        match self.0.take() {
            Some(writer) => {
                writer.finish().await?;
                Ok(())
            }
            None => Err(VaultError::Config("upload already finished".into())),
        }
    }
}

impl Drop for UploadGuard {
    fn drop(&mut self) {
        if let Some(writer) = self.0.take() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let _ = writer.abort().await;
                });
            }
        }
    }
}

/// The plaintext of a blob, as a stream of authenticated chunks (see [`Vault::get_stream`]).
pub struct BlobStream {
    size: u64,
    inner: BoxStream<'static, Result<Bytes, VaultError>>,
}

impl BlobStream {
    /// The plaintext size (for a `Content-Length`).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The same bytes as a tokio [`AsyncRead`]; errors become `std::io::Error`s wrapping the
    /// [`VaultError`].
    pub fn into_async_read(self) -> impl AsyncRead + Send + Unpin {
        tokio_util::io::StreamReader::new(self.inner.map(|r| r.map_err(std::io::Error::other)))
    }

    /// Reads everything into memory (small blobs, tests).
    pub async fn to_vec(mut self) -> Result<Vec<u8>, VaultError> {
        let mut out = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        while let Some(chunk) = self.inner.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Stream for BlobStream {
    type Item = Result<Bytes, VaultError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

struct ReadState {
    source: BoxStream<'static, Result<Bytes, VaultError>>,
    opener: Option<Opener>,
    ready: VecDeque<Bytes>,
    done: bool,
    what: String,
}

async fn next_plain(mut st: ReadState) -> Option<(Result<Bytes, VaultError>, ReadState)> {
    loop {
        if let Some(plain) = st.ready.pop_front() {
            return Some((Ok(plain), st));
        }
        if st.done {
            return None;
        }
        let Some(mut opener) = st.opener.take() else {
            st.done = true;
            continue;
        };
        match st.source.next().await {
            Some(Ok(chunk)) => {
                // Large chunks (local reads) are opened on the blocking pool, small ones (network
                // reads) here.
                let opened = if chunk.len() >= OPEN_OFF_THREAD {
                    blocking(move || {
                        let mut out = Vec::new();
                        let result = opener.push(&chunk, &mut out);
                        (opener, result.map(|()| out))
                    })
                    .await
                } else {
                    let mut out = Vec::new();
                    let result = opener.push(&chunk, &mut out);
                    Ok((opener, result.map(|()| out)))
                };
                match opened {
                    Ok((opener, Ok(out))) => {
                        st.opener = Some(opener);
                        st.ready.extend(out);
                    }
                    Ok((_, Err(detail))) => {
                        st.done = true;
                        let err = corrupt(st.what.clone(), detail);
                        return Some((Err(err), st));
                    }
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                }
            }
            Some(Err(e)) => {
                st.done = true;
                return Some((Err(e), st));
            }
            None => {
                st.done = true;
                if let Err(detail) = opener.finish() {
                    let err = corrupt(st.what.clone(), detail);
                    return Some((Err(err), st));
                }
            }
        }
    }
}

/// A local body read in large chunks on the blocking pool, two reads ahead of the consumer
/// (`object_store` reads 8 KiB at a time). No thread waits for a slow consumer.
fn file_chunks(file: std::fs::File, len: u64) -> BoxStream<'static, Result<Bytes, VaultError>> {
    use std::os::unix::fs::FileExt as _;
    let file = Arc::new(file);
    let chunk = LOCAL_READ_CHUNK as u64;
    let reads = (0..len.div_ceil(chunk)).map(move |i| {
        let file = Arc::clone(&file);
        let offset = i * chunk;
        let want = usize::try_from(chunk.min(len - offset)).unwrap_or(LOCAL_READ_CHUNK);
        async move {
            blocking(move || {
                let mut buf = vec![0u8; want];
                file.read_exact_at(&mut buf, offset)
                    .map(|()| Bytes::from(buf))
                    .map_err(|e| {
                        VaultError::Backend(object_store::Error::Generic {
                            store: "LocalFileSystem",
                            source: Box::new(e),
                        })
                    })
            })
            .await?
        }
    });
    futures_util::stream::iter(reads).buffered(2).boxed()
}

/// Removes the local backend's staging files (`name#<digits>`) older than the cutoff.
fn remove_staging_files(dir: &FsPath, older_than: SystemTime) -> std::io::Result<u64> {
    let mut removed = 0;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let meta = entry.metadata()?;
        if meta.is_dir() {
            removed += remove_staging_files(&path, older_than)?;
            continue;
        }
        let staging = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split_once('#'))
            .is_some_and(|(_, suffix)| {
                !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit())
            });
        if staging && meta.modified()? < older_than {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Reads the naming secret, creating it on first use (create-only, so two processes opening a new
/// vault at once agree on one).
async fn load_or_create_naming(
    store: &dyn ObjectStore,
    keys: &Keyring,
) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    let path = Path::from(NAMING_PATH);
    for _ in 0..3 {
        match store.get(&path).await {
            Ok(result) => {
                let record = NamingRecord::decode(&result.bytes().await?)
                    .ok_or_else(|| corrupt("the naming key record", "it is malformed"))?;
                return keys
                    .unwrap(&record.key, NamingRecord::wrap_aad)
                    .map_err(|e| match e {
                        UnwrapError::UnknownKey(k) => VaultError::UnknownKey(k),
                        UnwrapError::Failed => VaultError::WrongKey(record.key.key_id.clone()),
                    });
            }
            Err(object_store::Error::NotFound { .. }) => {
                let secret = random_key()?;
                let key = keys.wrap(&secret, NamingRecord::wrap_aad)?;
                let bytes = NamingRecord { key }.encode();
                let create = StorePutOptions::from(PutMode::Create);
                match store.put_opts(&path, bytes.into(), create).await {
                    Ok(_) => return Ok(secret),
                    Err(object_store::Error::AlreadyExists { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(corrupt(
        "the naming key record",
        "it keeps changing while being created",
    ))
}
