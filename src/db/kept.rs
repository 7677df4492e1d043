//! What a page shows, kept in this process's memory with the revision it was
//! read at (migration 0028): a request reads the revision, one row, and the
//! rest again only when the revision moved. Whoever changes what the page
//! shows moves the revision in the same transaction, so a kept value is
//! never staler than a read of the request's own would be.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

/// How much memory a kept value takes, roughly, in bytes.
pub trait Weigh {
    /// Bytes, roughly.
    fn weight(&self) -> usize;
}

/// Values per key, each with the revision it was read at; at most
/// `max_bytes` in all (the least used go first), none kept unused for more
/// than fifteen minutes. One request per key reads at a time: those that
/// arrive meanwhile take what it read when it is their revision too.
pub struct Kept<K, R, V> {
    cache: moka::sync::Cache<K, (R, Arc<V>)>,
    loading: moka::sync::Cache<K, Arc<tokio::sync::Mutex<()>>>,
}

impl<K, R, V> Kept<K, R, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    R: PartialEq + Clone + Send + Sync + 'static,
    V: Weigh + Send + Sync + 'static,
{
    /// An empty store of at most `max_bytes`.
    pub fn new(max_bytes: u64) -> Kept<K, R, V> {
        let cache = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, (_, v): &(R, Arc<V>)| u32::try_from(v.weight()).unwrap_or(u32::MAX))
            .time_to_idle(Duration::from_secs(15 * 60))
            .build();
        let loading = moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_idle(Duration::from_secs(60))
            .build();
        Kept { cache, loading }
    }

    fn kept(&self, key: &K, revision: &R) -> Option<Arc<V>> {
        self.cache
            .get(key)
            .filter(|(kept_at, _)| kept_at == revision)
            .map(|(_, value)| value)
    }

    /// The value of `key` at `revision` (read by the caller just before):
    /// the kept one if it was read at that revision, else `load`ed and kept.
    /// What `load` reads after the revision is at least as new as it.
    pub async fn get<E, F>(
        &self,
        key: K,
        revision: R,
        load: impl FnOnce() -> F,
    ) -> Result<Arc<V>, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        if let Some(value) = self.kept(&key, &revision) {
            return Ok(value);
        }
        let turn = self.loading.get_with(key.clone(), Arc::default);
        let _turn = turn.lock().await;
        if let Some(value) = self.kept(&key, &revision) {
            return Ok(value);
        }
        let value = Arc::new(load().await?);
        self.cache.insert(key, (revision, value.clone()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Page(&'static str);

    impl Weigh for Page {
        fn weight(&self) -> usize {
            self.0.len()
        }
    }

    async fn get(
        kept: &Kept<u8, (i64, i64), Page>,
        revision: (i64, i64),
        text: &'static str,
    ) -> &'static str {
        let value = kept
            .get(1, revision, || async { Ok::<_, ()>(Page(text)) })
            .await
            .unwrap();
        value.0
    }

    #[tokio::test]
    async fn read_again_when_the_revision_moved() {
        let kept = Kept::new(1_000);
        assert_eq!(get(&kept, (1, 1), "first").await, "first");
        assert_eq!(get(&kept, (1, 1), "not read").await, "first");
        assert_eq!(get(&kept, (2, 1), "second").await, "second");
        assert_eq!(get(&kept, (2, 2), "renamed").await, "renamed");
        // An older revision (a request that read it before a change) reads
        // for itself.
        assert_eq!(get(&kept, (1, 1), "old").await, "old");
    }

    #[tokio::test]
    async fn requests_arriving_together_read_once() {
        let kept = Kept::new(1_000);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let read = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, ()>(Page("page"))
        };
        let pages =
            futures_util::future::join_all((0..16).map(|_| kept.get(1, (3, 1), read))).await;
        assert!(pages.iter().all(|p| p.as_ref().unwrap().0 == "page"));
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
