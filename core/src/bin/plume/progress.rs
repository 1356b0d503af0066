//! A spinner on stderr for operations that take more than a second.
//!
//! The spinner is created hidden and shown by a watcher thread only once the command has
//! run for [`SHOW_AFTER`], so quick commands never draw anything. It is never shown when
//! stderr is not a terminal, nor in `--json` mode.

use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long an operation runs before the spinner appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// Spinner redraw interval.
const TICK: Duration = Duration::from_millis(120);

/// A delayed spinner; [`Progress::phase`] names what is being done now.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    stop: Option<Sender<()>>,
    watcher: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the delay clock. With `wanted` false (e.g. `--json`), or when stderr is not a
    /// terminal, the spinner stays hidden for good.
    pub fn start(wanted: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar, stop: None, watcher: None };
        }
        let style = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let watcher = std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(SHOW_AFTER) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(TICK);
                // Wait for `finish` (a message or the sender's drop).
                let _ = stopped.recv();
            }
        });
        Progress { bar, stop: Some(stop), watcher: Some(watcher) }
    }

    /// Names the current phase ("reading x.raw", "compressing", ...).
    pub fn phase(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// Stops and erases the spinner; call before printing results. Idempotent.
    pub fn finish(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
