// The one table of result codes: number, Rust variant, C name. It is expanded twice, by
// `result_codes!` of `src/result.rs` (the Rust enum, its names and `touchpoint_result_str`) and by
// the one of `build.rs` (the same enum as source for cbindgen, which does not expand macros).
// Numbers are stable and never reused.
result_codes! {
    /// Status code returned by every fallible function. Numbers are stable and never reused.
    enum touchpoint_result {
        /// Success.
        Ok = 0 => "TOUCHPOINT_RESULT_OK",
        /// A required pointer argument was NULL.
        NullParameter = 1 => "TOUCHPOINT_RESULT_NULL_PARAMETER",
        /// An argument is out of its range or unknown (an unknown model name, an enum code or
        /// a `uint8_t` flag out of range, ...).
        InvalidArgument = 2 => "TOUCHPOINT_RESULT_INVALID_ARGUMENT",
        /// A string argument is not valid UTF-8.
        InvalidUtf8 = 3 => "TOUCHPOINT_RESULT_INVALID_UTF8",
        /// A CSV header lacks a column or repeats one.
        Schema = 4 => "TOUCHPOINT_RESULT_SCHEMA",
        /// A value in the input is invalid (the message names field, row and value).
        InvalidValue = 5 => "TOUCHPOINT_RESULT_INVALID_VALUE",
        /// The input has no rows.
        EmptyInput = 6 => "TOUCHPOINT_RESULT_EMPTY_INPUT",
        /// A file could not be read or written, or a CSV is malformed.
        Io = 7 => "TOUCHPOINT_RESULT_IO",
        /// The model cannot run on this data (the message says what to use instead).
        ModelNotApplicable = 8 => "TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE",
        /// The caller's buffer is too small; `*out_n` holds the size needed.
        BufferTooSmall = 9 => "TOUCHPOINT_RESULT_BUFFER_TOO_SMALL",
        /// An index is out of range.
        OutOfRange = 10 => "TOUCHPOINT_RESULT_OUT_OF_RANGE",
        /// An iterative solve did not converge.
        NoConvergence = 11 => "TOUCHPOINT_RESULT_NO_CONVERGENCE",
        /// The operation is not possible on this object (e.g. pushing rows to events read from CSV).
        InvalidState = 12 => "TOUCHPOINT_RESULT_INVALID_STATE",
        /// A saved model is truncated, damaged, of a newer format or of another kind (the
        /// message says which and at what byte).
        ModelFile = 13 => "TOUCHPOINT_RESULT_MODEL_FILE",
        /// Two partials, or a partial and what it is read with, were built with different specs
        /// (touchpoint vocabulary, journey options, models or orders: their fingerprints
        /// differ), so their counts cannot be added (the message says what differs).
        Incompatible = 14 => "TOUCHPOINT_RESULT_INCOMPATIBLE",
        /// The caller stopped the work: a progress callback returned 0. Nothing was
        /// half-built; the outputs are untouched.
        Cancelled = 15 => "TOUCHPOINT_RESULT_CANCELLED",
        /// A bug: the library panicked. The process is intact; please report the message.
        Panic = 99 => "TOUCHPOINT_RESULT_PANIC",
    }
}
