//! Rendered thumbnails kept in memory, by blob id, least recently used out.
//!
//! **Why memory and not the vault.** A thumbnail of a scanned passport is personal data like the
//! scan. Kept in the vault it would be encrypted, but it would be one more copy at rest: to back
//! up, to re-wrap on rotation, to find and erase when the attachment's person is erased, and a
//! row or a naming rule to remember it by (a schema change). Kept here it is never written
//! anywhere, dies with the process, and is bounded ([`ThumbnailCache::new`]: 32 MiB by default,
//! about a thousand thumbnails). What the cache saves is the rendering (a PDF page or a large
//! scan: tens to hundreds of milliseconds of a core), which is what a case worker scrolling a
//! dossier repeats; a restart or another node simply renders again. Refusals are cached too (a
//! bomb is examined once, not on every request). Nothing about *who may see* a thumbnail lives
//! here: the handler checks the permit, the dossier and the withdrawal, and audits the read,
//! before it looks in the cache. A blob id names one content forever (the vault's invariant), so
//! an entry never goes stale.
//!
//! Rendering also waits for one of [`RENDERERS`] permits, so thumbnails never take every core.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use marsad_vault::BlobId;

use crate::error::Code;

/// Thumbnails rendered at the same time, at most.
pub(crate) const RENDERERS: usize = 2;
/// Default bytes of thumbnails kept.
pub(crate) const DEFAULT_CACHE_BYTES: usize = 32 << 20;

/// A rendered thumbnail (PNG), or why there is none.
pub(crate) type Rendered = Result<Arc<[u8]>, (Code, String)>;

/// See the module documentation.
pub struct ThumbnailCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
    pub(crate) renderers: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for ThumbnailCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThumbnailCache")
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<BlobId, (u64, Rendered)>,
    /// Last use → id: the first entry is the least recently used.
    order: BTreeMap<u64, BlobId>,
    bytes: usize,
    tick: u64,
}

fn cost(r: &Rendered) -> usize {
    64 + match r {
        Ok(png) => png.len(),
        Err((_, text)) => text.len(),
    }
}

impl Default for ThumbnailCache {
    fn default() -> Self {
        ThumbnailCache::new(DEFAULT_CACHE_BYTES)
    }
}

impl ThumbnailCache {
    /// A cache holding at most `max_bytes` of thumbnails.
    pub fn new(max_bytes: usize) -> Self {
        ThumbnailCache {
            max_bytes,
            inner: Mutex::new(Inner::default()),
            renderers: Arc::new(tokio::sync::Semaphore::new(RENDERERS)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters more than losing the cache: carry on with what is there.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The thumbnail of `id`, when it was rendered already (it becomes the most recent).
    pub(crate) fn get(&self, id: &BlobId) -> Option<Rendered> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let (old, rendered) = {
            let entry = inner.entries.get_mut(id)?;
            let old = std::mem::replace(&mut entry.0, tick);
            (old, entry.1.clone())
        };
        inner.order.remove(&old);
        inner.order.insert(tick, *id);
        Some(rendered)
    }

    /// Keeps a rendering, dropping the least recently used ones beyond the size bound (one
    /// larger than the whole bound is not kept).
    pub(crate) fn put(&self, id: BlobId, rendered: Rendered) {
        let size = cost(&rendered);
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if let Some((old, previous)) = inner.entries.insert(id, (tick, rendered)) {
            inner.order.remove(&old);
            inner.bytes -= cost(&previous);
        }
        inner.order.insert(tick, id);
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((_, gone)) = inner.entries.remove(&oldest) {
                inner.bytes -= cost(&gone);
            }
        }
    }

    /// How many thumbnails and bytes are kept.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> BlobId {
        BlobId::from_bytes([n; 32])
    }

    fn png(len: usize) -> Rendered {
        Ok(Arc::from(vec![0u8; len]))
    }

    #[test]
    fn least_recently_used_goes_first_and_the_bound_holds() {
        let cache = ThumbnailCache::new(3 * (1000 + 64));
        for n in 1..=3 {
            cache.put(id(n), png(1000));
        }
        assert_eq!(cache.usage(), (3, 3 * 1064));
        // 1 is used again, so 2 is the oldest when 4 comes in.
        assert!(cache.get(&id(1)).is_some());
        cache.put(id(4), png(1000));
        assert!(cache.get(&id(2)).is_none());
        for n in [1, 3, 4] {
            assert!(cache.get(&id(n)).is_some(), "{n}");
        }
        assert_eq!(cache.usage(), (3, 3 * 1064));
        // Replacing an entry counts its size once; an entry larger than the bound is not kept.
        cache.put(id(4), png(10));
        assert_eq!(cache.usage(), (3, 2 * 1064 + 74));
        cache.put(id(5), png(10_000));
        assert!(cache.get(&id(5)).is_none());
        // Refusals are kept with their reason.
        cache.put(id(6), Err((Code::NoThumbnail, "a bomb".into())));
        assert_eq!(
            cache.get(&id(6)),
            Some(Err((Code::NoThumbnail, "a bomb".into())))
        );
    }
}
