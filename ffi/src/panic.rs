//! The panic boundary every `extern "C"` body runs inside.

use std::panic::{catch_unwind, UnwindSafe};

/// Runs `body` and returns its value, or `on_panic` if it panicked.
///
/// A panic must never unwind across `extern "C"`: that aborts the process (and the MPI job
/// around it). The default panic hook still prints the panic message to stderr, which is
/// what a user reporting the bug needs. Builds with `panic = "abort"` cannot catch
/// anything; Plume's profiles keep the default `unwind`.
pub(crate) fn boundary<T>(on_panic: T, body: impl FnOnce() -> T + UnwindSafe) -> T {
    catch_unwind(body).unwrap_or(on_panic)
}

#[cfg(test)]
mod tests {
    use super::boundary;

    #[test]
    fn returns_the_body_value() {
        assert_eq!(boundary(0_u32, || 7), 7);
    }

    #[test]
    fn turns_a_panic_into_the_fallback() {
        let got = boundary(100_u32, || -> u32 { panic!("deliberate test panic") });
        assert_eq!(got, 100);
    }
}
