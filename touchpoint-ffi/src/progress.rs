//! Progress callbacks for long calls, and stopping them: `touchpoint_progress_set`.

use std::ffi::{CString, c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use touchpoint_core::progress::{self, Progress};

use crate::panic::boundary;
use crate::result::touchpoint_result;

/// A progress callback: `stage` (what is counted: `"states"`, `"resamples"`, `"permutations"`,
/// `"bytes"`; NUL-terminated, valid during the call only), units `done` of `total` (0: not
/// known), and the `user` pointer given to `touchpoint_progress_set`. Return nonzero to go on,
/// 0 to stop the work: the call then returns `TOUCHPOINT_RESULT_CANCELLED` with its outputs
/// untouched.
pub type touchpoint_progress_callback =
    Option<unsafe extern "C" fn(stage: *const c_char, done: u64, total: u64, user: *mut c_void) -> i32>;

/// The caller's callback and pointer, called from the library's worker threads.
struct Caller {
    f: unsafe extern "C" fn(*const c_char, u64, u64, *mut c_void) -> i32,
    user: *mut c_void,
}

impl Caller {
    fn call(&self, s: &progress::Snapshot) -> bool {
        let stage = CString::new(s.stage).unwrap_or_default();
        // SAFETY: `touchpoint_progress_set`'s contract: callable from any thread with `user`.
        unsafe { (self.f)(stage.as_ptr(), s.done, s.total, self.user) != 0 }
    }
}

// SAFETY: `touchpoint_progress_set`'s contract makes the callback and its `user` pointer safe to
// use from any thread (the library never calls it from two threads at once).
unsafe impl Send for Caller {}
// SAFETY: as above.
unsafe impl Sync for Caller {}

/// Install (or with a NULL `callback` remove) a progress callback for every later call made
/// **on the calling thread** (each thread has its own; other threads are unaffected). Calls
/// that report progress: `touchpoint_journey_graph_prioritize_json` by state (states),
/// attribution and graph intervals with a bootstrap (resamples), sampled Shapley
/// (permutations) and `touchpoint_path_table_read_csv` (bytes). The callback runs when the
/// work starts, at most every `interval_ms` milliseconds while it runs (0: at every step), and
/// when it ends; it may run on one of the library's worker threads, never on two at once.
/// Returning 0 stops the work (`TOUCHPOINT_RESULT_CANCELLED`); the next call starts afresh.
///
/// @param callback the callback; NULL removes it
/// @param user passed to every call of `callback` (may be NULL)
/// @param interval_ms the least time between two calls while the work runs
/// @return OK. Never fails.
///
/// # Safety
/// `callback` must be NULL or a function that may be called from any thread as documented,
/// with `user`, until it is removed or replaced on this thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn touchpoint_progress_set(
    callback: touchpoint_progress_callback,
    user: *mut c_void,
    interval_ms: u64,
) -> touchpoint_result {
    boundary(|| {
        let p = callback.map(|f| {
            let caller = Caller { f, user };
            Arc::new(Progress::with_callback(Box::new(move |s| caller.call(s)), Duration::from_millis(interval_ms)))
        });
        progress::set_thread_default(p);
        Ok(())
    })
}
