//! The boundary every export runs inside: panics become `TOUCHPOINT_RESULT_PANIC`, errors set
//! the thread's last error message.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::{FfiError, clear_last_error, set_last_error, touchpoint_result};

/// Run `f` and turn its outcome into a result code. Panics (including rayon worker panics,
/// which rayon re-raises on this thread) are caught and reported, never unwound into C.
pub(crate) fn boundary(f: impl FnOnce() -> Result<(), FfiError>) -> touchpoint_result {
    // a call cancelled through the thread's progress callback does not cancel the next one
    touchpoint_core::progress::rearm_thread_default();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => {
            clear_last_error();
            touchpoint_result::Ok
        }
        Ok(Err(e)) => {
            set_last_error(&e.message);
            e.code
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (panic): {what}; please report this as a bug"));
            touchpoint_result::Panic
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_code_and_a_message() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let r = boundary(|| panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(r, touchpoint_result::Panic);
        crate::result::with_last_error(|m| assert!(m.contains("boom"), "{m}"));
        assert_eq!(boundary(|| Ok(())), touchpoint_result::Ok);
        crate::result::with_last_error(|m| assert!(m.is_empty()));
    }
}
