//! The process-wide counters every `gvafpscounter` feeds (so that several instances aggregate
//! as streams, keyed by element name), and where their lines go (stdout by default).
//!
//! The counters live while at least one `gvafpscounter` is started; when the last one stops
//! they are dropped, so a later pipeline in the same process measures afresh.

use std::io::Write;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

use super::counter::FpsCounters;
use crate::base_inference::lock;

/// The counters, the number of started elements, and the output.
struct Registry {
    counters: FpsCounters,
    started: usize,
    output: Option<Box<dyn Write + Send>>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
    Mutex::new(Registry {
        counters: FpsCounters::new(),
        started: 0,
        output: None,
    })
});

/// Sends the `FpsCounter` lines of this process to `output` instead of stdout (`None`: back to
/// stdout) — DL Streamer's `fps_counter_set_output`, for applications and tests.
pub fn set_output(output: Option<Box<dyn Write + Send>>) {
    lock(&REGISTRY).output = output;
}

impl Registry {
    fn print(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let mut text = lines.join("\n");
        text.push('\n');
        // Losing a report line must not stop the stream: write errors are ignored, like
        // DL Streamer's fprintf.
        match self.output.as_mut() {
            Some(out) => {
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
    }
}

/// An element starts: adds its counters (kept if they exist).
pub fn start(intervals: &[(String, u32)], starting_frame: u64, print_std_dev: bool) {
    let mut registry = lock(&REGISTRY);
    registry
        .counters
        .add(intervals, starting_frame, print_std_dev);
    registry.started += 1;
}

/// Element `name` stops: its stream ends if it had not (printing the final reports, as
/// DL Streamer does when the element is disposed); the last one to stop drops the counters.
pub fn stop(name: &str) {
    let mut registry = lock(&REGISTRY);
    if registry.counters.counts(name) {
        let (lines, _) = registry.counters.eos(name, Instant::now());
        registry.print(&lines);
    }
    registry.started = registry.started.saturating_sub(1);
    if registry.started == 0 {
        registry.counters = FpsCounters::new();
    }
}

/// A frame of stream `name`: prints due reports; returns the average fps if it was reported.
pub fn new_frame(name: &str) -> Option<f64> {
    let mut registry = lock(&REGISTRY);
    let (lines, average) = registry.counters.new_frame(name, Instant::now());
    registry.print(&lines);
    average
}

/// End of stream `name`: prints the final reports; returns the average counter's latest fps.
pub fn eos(name: &str) -> Option<f64> {
    let mut registry = lock(&REGISTRY);
    let (lines, average) = registry.counters.eos(name, Instant::now());
    registry.print(&lines);
    average
}
