//! Explicit thread counts: rayon pools built once per thread count and reused, and the largest
//! count accepted.
//!
//! The faces' `n_threads` option runs the work on a pool of that many threads. Building a pool
//! starts its threads, which costs about 30 µs per thread, so pools are cached by thread count
//! (at most [`CACHED_POOLS`] of them, the least recently used dropped first) and a call with a
//! count seen before starts no thread. Counts above [`MAX_THREADS`] are an
//! [`Error::InvalidOption`].
//!
//! After `fork()` the parent's pools have no threads in the child: a process that is not the
//! one that filled the cache builds a fresh pool per call and leaves the cache alone.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};

/// Largest thread count accepted for an explicit pool. A fixed number, the same on every
/// machine; more threads than cores only adds switching, and 1024 is well beyond the cores of
/// any one machine this runs on.
pub const MAX_THREADS: usize = 1024;

/// Pools kept for reuse, one per thread count.
pub const CACHED_POOLS: usize = 4;

struct Cache {
    /// `(thread count, pool)`, most recently used last.
    pools: Vec<(usize, Arc<rayon::ThreadPool>)>,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache { pools: Vec::new() });
/// The process that uses [`CACHE`] (0: not used yet).
static OWNER: AtomicU32 = AtomicU32::new(0);

/// Check an explicit thread count: `1..=`[`MAX_THREADS`].
pub fn check(n_threads: usize) -> Result<()> {
    if n_threads == 0 {
        return Err(Error::option("n_threads", 0, "n_threads must be >= 1 (or None: all cores)"));
    }
    if n_threads > MAX_THREADS {
        return Err(Error::option(
            "n_threads",
            n_threads,
            format!(
                "at most {MAX_THREADS} threads; this machine has {} cores: pass n_threads=None to use all of them",
                std::thread::available_parallelism().map_or(1, |n| n.get())
            ),
        ));
    }
    Ok(())
}

fn build(n: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map(Arc::new)
        .map_err(|e| Error::option("n_threads", n, format!("cannot start the thread pool: {e}")))
}

/// The pool of `n_threads` threads (checked by [`check`]): the cached one, or a new one that is
/// cached.
fn pool(n_threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    check(n_threads)?;
    let me = std::process::id();
    if let Err(owner) = OWNER.compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        && owner != me
    {
        // a forked child: the cached pools' threads stayed in the parent
        return build(n_threads);
    }
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = cache.pools.iter().position(|(n, _)| *n == n_threads) {
        let hit = cache.pools.remove(i);
        let p = Arc::clone(&hit.1);
        cache.pools.push(hit);
        return Ok(p);
    }
    let p = build(n_threads)?;
    if cache.pools.len() >= CACHED_POOLS {
        // dropped here, or when its last running call ends
        cache.pools.remove(0);
    }
    cache.pools.push((n_threads, Arc::clone(&p)));
    Ok(p)
}

/// Run `f` on a pool of `n_threads` threads (`1..=`[`MAX_THREADS`], else
/// [`Error::InvalidOption`]), reusing the pool of an earlier call with the same count. The
/// caller's progress counter ([`progress::current`](crate::progress::current)) goes with the
/// work to the pool's threads.
///
/// ```
/// let n = touchpoint_core::threads::install(3, || Ok(rayon::current_num_threads()))?;
/// assert_eq!(n, 3);
/// let e = touchpoint_core::threads::install(10_000, || Ok(())).unwrap_err();
/// assert!(e.to_string().contains("at most 1024 threads"), "{e}");
/// # Ok::<(), touchpoint_core::Error>(())
/// ```
pub fn install<T: Send>(n_threads: usize, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    let pool = pool(n_threads)?;
    match crate::progress::current() {
        Some(p) => pool.install(|| crate::progress::scope(&p, f)),
        None => pool.install(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_typed_errors() {
        for n in [0, MAX_THREADS + 1, 10_000, usize::MAX] {
            let e = install(n, || Ok(())).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidOption, "{n}");
            let m = e.to_string();
            assert!(m.contains("n_threads") && m.contains(&n.to_string()), "{m}");
        }
        let m = check(MAX_THREADS + 1).unwrap_err().to_string();
        assert!(m.contains("at most 1024 threads") && m.contains("n_threads=None"), "{m}");
        assert!(check(MAX_THREADS).is_ok() && check(1).is_ok());
    }

    #[test]
    fn pools_are_reused_by_thread_count() {
        let a = pool(3).unwrap();
        let b = pool(3).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(install(3, || Ok(rayon::current_num_threads())).unwrap(), 3);
        assert_eq!(install(2, || Ok(rayon::current_num_threads())).unwrap(), 2);
        // repeated calls are cheap: no thread is started after the first
        let t = std::time::Instant::now();
        for _ in 0..1000 {
            install(5, || Ok(())).unwrap();
        }
        assert!(t.elapsed().as_secs_f64() < 5.0);
        assert!(CACHE.lock().unwrap().pools.len() <= CACHED_POOLS);
    }
}
