//! The panic boundary around each trajectory: a bug that one odd input trips, in a reader or
//! in the grader, becomes that trajectory's error and the run goes on. Readers of files that
//! hold many trajectories put each one behind it; the grading engine puts each read and each
//! grade behind it.
//!
//! A panic inside [`isolate`] is caught, and its message and location are kept for the error
//! instead of being printed; a panic anywhere else is reported by the hook that was installed
//! before (the default one prints it), as if this module did not exist. A tool that must see
//! every panic, caught or not (the fuzzer), calls [`install_hook`] and then installs its own
//! hook over it.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`isolate`] (nesting counted).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The last panic caught on this thread: message and location.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs the hook that keeps caught panics quiet (once; [`isolate`] calls it).
pub fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) == 0 {
                return previous(info);
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            let text = match info.location() {
                Some(l) => format!("{message} (at {}:{})", l.file(), l.line()),
                None => message,
            };
            CAUGHT.with(|c| *c.borrow_mut() = Some(text));
        }));
    });
}

/// Runs `f`, turning a panic into `Err` with the panic's message and where it happened.
///
/// `f` is treated as unwind-safe: callers must drop whatever state `f` may have left half
/// updated (the engine stops reading a file whose reader panicked).
pub fn isolate<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    CAUGHT.with(|c| c.borrow_mut().take());
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    result.map_err(|payload| {
        CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| {
            // Another hook over ours saw the panic first (a fuzzer): the payload still says what.
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_location() {
        let s = String::from("“https://x");
        let got = isolate(|| {
            let i = 1;
            s[i..].len()
        });
        let err = got.unwrap_err();
        assert!(err.contains("byte index 1 is not a char boundary"), "{err}");
        assert!(err.contains("isolate.rs:"), "{err}");
        assert_eq!(isolate(|| 2 + 2), Ok(4));
        // Nested boundaries: the inner one catches, the outer one sees a normal return.
        assert_eq!(isolate(|| isolate(|| panic!("inner")).unwrap_err().starts_with("inner")), Ok(true));
    }
}
