//! Progress of long operations, and stopping them.
//!
//! A [`Progress`] is shared by the caller and the work: the work says how much there is
//! ([`Progress::start`]) and counts what it has done ([`Progress::advance`], cheap: one atomic
//! add, from any thread); the caller reads [`Progress::snapshot`] whenever it likes (the Python
//! face redraws a `tqdm` bar from its own thread) or gets a callback at most every
//! [`Progress::with_callback`]'s interval (the C face). [`Progress::cancel`] — or a callback
//! that returns `false` — makes the next `advance` return [`Error::Cancelled`], so the work
//! stops at its next step and returns cleanly, leaving nothing half-built.
//!
//! The work finds its counter without a parameter: [`scope`] makes a counter the *current* one
//! of the calling thread for the duration of a call (and [`set_thread_default`] for every
//! later call on the thread, which is how the C face installs a callback); long operations
//! take [`current`] on the calling thread and advance it from their worker threads.
//!
//! Operations that report progress: `prioritize_states` (the per-state return probabilities),
//! bootstrap resamples (attribution and graph intervals), sampled Shapley (permutations), and
//! reading a path CSV file (bytes read).
//!
//! ```
//! use touchpoint_core::progress::Progress;
//! use touchpoint_core::Error;
//! let p = Progress::new();
//! p.start("replicates", 3);
//! p.advance(1)?;
//! assert_eq!(p.snapshot().done, 1);
//! p.cancel();
//! assert!(matches!(p.advance(1), Err(Error::Cancelled { .. })));
//! # Ok::<(), Error>(())
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// A callback: the current snapshot; `false` cancels.
pub type Callback = Box<dyn Fn(&Snapshot) -> bool + Send + Sync>;

/// Where a piece of work stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// What is being counted (`"states"`, `"replicates"`, `"samples"`, `"bytes"`).
    pub stage: &'static str,
    /// Units done.
    pub done: u64,
    /// Units in all (0: not known yet).
    pub total: u64,
}

/// Shared progress counter and cancellation flag (see the [module](self) docs).
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    stage: Mutex<&'static str>,
    cancelled: AtomicBool,
    callback: Option<(Callback, Duration, Mutex<Option<Instant>>)>,
    /// Whose cancellation this counter shares ([`Progress::child`]).
    parent: Option<std::sync::Arc<Progress>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("snapshot", &self.snapshot()).field("cancelled", &self.is_cancelled()).finish()
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

static NONE: Progress = Progress::new();

impl Progress {
    /// A counter nobody watches (what the plain functions pass).
    pub fn none() -> &'static Progress {
        &NONE
    }

    /// A fresh counter, polled by the caller.
    pub const fn new() -> Self {
        Self {
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            stage: Mutex::new(""),
            cancelled: AtomicBool::new(false),
            callback: None,
            parent: None,
        }
    }

    /// A counter for one part of a larger piece of work run beside other parts (a segment of
    /// `attribute_by_segment`): its counts are its own and nobody watches them, its
    /// cancellation is `parent`'s, so a cancel stops every part at its next step.
    pub fn child(parent: &std::sync::Arc<Progress>) -> std::sync::Arc<Progress> {
        std::sync::Arc::new(Self { parent: Some(parent.clone()), ..Self::new() })
    }

    /// A counter that calls `f` from the working thread(s) when work starts, at most once per
    /// `every` while it advances, and when it ends; `f` returning `false` cancels the work.
    /// `f` may be called from several threads, never at the same time.
    pub fn with_callback(f: Callback, every: Duration) -> Self {
        Self { callback: Some((f, every, Mutex::new(None))), ..Self::new() }
    }

    fn is_none(&self) -> bool {
        std::ptr::eq(self, &NONE)
    }

    /// Work of `total` units named `stage` begins (the count restarts at 0).
    pub fn start(&self, stage: &'static str, total: u64) {
        if self.is_none() {
            return;
        }
        if let Ok(mut s) = self.stage.lock() {
            *s = stage;
        }
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.call(true);
    }

    /// `n` more units done. [`Error::Cancelled`] once [`cancel`](Self::cancel) was called or
    /// the callback returned `false`: return it at once.
    #[inline]
    pub fn advance(&self, n: u64) -> Result<()> {
        if self.is_none() {
            return Ok(());
        }
        self.done.fetch_add(n, Ordering::Relaxed);
        if self.callback.is_some() {
            self.call(false);
        }
        self.check()
    }

    /// [`Error::Cancelled`] when cancelled (for loops that have nothing to count).
    #[inline]
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            let stage = self.stage.lock().map(|s| *s).unwrap_or("");
            Err(Error::Cancelled { stage })
        } else {
            Ok(())
        }
    }

    /// The work is done: the callback sees the final count.
    pub fn finish(&self) {
        if self.callback.is_some() {
            self.call(true);
        }
    }

    /// Ask the work to stop at its next step.
    pub fn cancel(&self) {
        if !self.is_none() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }

    /// Whether [`cancel`](Self::cancel) was called (on this counter or its parent).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed) || self.parent.as_ref().is_some_and(|p| p.is_cancelled())
    }

    /// Where the work stands.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            stage: self.stage.lock().map(|s| *s).unwrap_or(""),
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    fn call(&self, force: bool) {
        let Some((f, every, last)) = &self.callback else { return };
        if self.is_cancelled() {
            return; // said once is enough
        }
        // one caller at a time; a thread that finds the lock taken skips its turn
        let Ok(mut last) = (if force { last.lock().map_err(|_| ()) } else { last.try_lock().map_err(|_| ()) }) else {
            return;
        };
        let now = Instant::now();
        if !force && last.is_some_and(|t| now.duration_since(t) < *every) {
            return;
        }
        *last = Some(now);
        if !f(&self.snapshot()) {
            self.cancel();
        }
    }
}

thread_local! {
    static CURRENT: std::cell::RefCell<Option<std::sync::Arc<Progress>>> = const { std::cell::RefCell::new(None) };
    static DEFAULT: std::cell::RefCell<Option<std::sync::Arc<Progress>>> = const { std::cell::RefCell::new(None) };
}

/// Run `f` with `p` as the calling thread's current counter (restored afterwards, also on
/// panic).
///
/// ```
/// use std::sync::Arc;
/// use touchpoint_core::progress::{self, Progress};
/// let p = Arc::new(Progress::new());
/// progress::scope(&p, || assert!(progress::current().is_some()));
/// assert!(progress::current().is_none());
/// ```
pub fn scope<T>(p: &std::sync::Arc<Progress>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<std::sync::Arc<Progress>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let prev = CURRENT.with(|c| c.borrow_mut().replace(p.clone()));
    let _restore = Restore(prev);
    f()
}

/// The counter of the calling thread: the one of the innermost [`scope`], else the thread's
/// default ([`set_thread_default`]), else none.
pub fn current() -> Option<std::sync::Arc<Progress>> {
    CURRENT.with(|c| c.borrow().clone()).or_else(|| DEFAULT.with(|d| d.borrow().clone()))
}

/// Install (or with `None` remove) a counter for every later call made on this thread.
pub fn set_thread_default(p: Option<std::sync::Arc<Progress>>) {
    DEFAULT.with(|d| *d.borrow_mut() = p);
}

/// Clear the cancellation of this thread's default counter, so that one cancelled call does
/// not cancel the next (the C face does this as each call enters).
pub fn rearm_thread_default() {
    DEFAULT.with(|d| {
        if let Some(p) = d.borrow().as_ref() {
            p.cancelled.store(false, Ordering::Relaxed);
        }
    });
}

/// Count `n` units on `p` when there is one (what the instrumented loops call).
#[inline]
pub(crate) fn tick(p: &Option<std::sync::Arc<Progress>>, n: u64) -> Result<()> {
    match p {
        Some(p) => p.advance(n),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn callback_sees_start_and_end_and_can_cancel() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let p = Progress::with_callback(
            Box::new(move |s| {
                s2.lock().unwrap().push((s.done, s.total));
                s.done < 3
            }),
            Duration::ZERO,
        );
        p.start("things", 5);
        assert!(p.advance(1).is_ok() && p.advance(1).is_ok());
        let e = p.advance(1).unwrap_err();
        assert!(matches!(e, Error::Cancelled { stage: "things" }), "{e}");
        assert!(e.to_string().contains("cancelled"), "{e}");
        assert_eq!(*seen.lock().unwrap(), vec![(0, 5), (1, 5), (2, 5), (3, 5)]);
    }

    #[test]
    fn a_child_counts_alone_and_stops_with_its_parent() {
        let parent = std::sync::Arc::new(Progress::new());
        parent.start("segments", 2);
        let child = Progress::child(&parent);
        child.start("resamples", 10);
        child.advance(4).unwrap();
        assert_eq!((parent.snapshot().done, child.snapshot().done), (0, 4));
        parent.cancel();
        assert!(matches!(child.advance(1), Err(Error::Cancelled { stage: "resamples" })));
    }

    #[test]
    fn the_shared_none_never_counts_nor_cancels() {
        let p = Progress::none();
        p.start("x", 10);
        p.cancel();
        assert!(p.advance(3).is_ok());
        assert_eq!(p.snapshot().done, 0);
    }

    #[test]
    fn advances_from_many_threads_add_up_and_the_callback_is_rate_limited() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        let p = Progress::with_callback(
            Box::new(move |_| {
                c2.fetch_add(1, Ordering::Relaxed);
                true
            }),
            Duration::from_secs(3600),
        );
        p.start("n", 4000);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| (0..1000).for_each(|_| p.advance(1).unwrap()));
            }
        });
        p.finish();
        assert_eq!(p.snapshot().done, 4000);
        assert_eq!(calls.load(Ordering::Relaxed), 2, "start and finish only, at this interval");
    }
}
