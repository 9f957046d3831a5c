//! `gvafpscounter`: measures frames per second and prints DL Streamer's `FpsCounter(...)`
//! lines on stdout; buffers pass through untouched.
//!
//! Counters are process-wide and keyed by element name, so several instances (in one or more
//! pipelines) report as streams of one measurement: an average counter (`FpsCounter(average
//! Xsec)` every second since the last stream joined, `FpsCounter(overall Xsec)` at EOS; it skips
//! the first `starting-frame` frames) and one counter per `interval` (`FpsCounter(last Xsec)`).
//! A line reads `total=T fps, number-streams=N, per-stream=T/N fps`, followed by each stream's
//! fps in parentheses (streams in name order) when there is more than one; measurements shorter
//! than 0.1 s print DL Streamer's "Not enough data" line instead. The pure logic is in
//! [`counter`] (times are passed in, so it is testable exactly); [`set_output`] redirects the
//! lines.
//!
//! Properties: `interval` (`"1"`; whole seconds, comma separated — anything else fails the
//! start with an error naming the value), `starting-frame` (0), `print-std-dev` (false;
//! appends `std dev interval: X ms` of the frame intervals to the interval reports), `avg-fps`
//! (read-only: total fps of the average counter's latest report, the overall one after EOS).
//!
//! ```text
//! gst-launch-1.0 videotestsrc num-buffers=300 ! gvafpscounter interval=1,5 ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

pub mod counter;
mod imp;
mod registry;

pub use registry::set_output;

glib::wrapper! {
    /// The `gvafpscounter` element.
    pub struct GvaFpsCounter(ObjectSubclass<imp::GvaFpsCounter>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvafpscounter` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvafpscounter",
        gst::Rank::NONE,
        GvaFpsCounter::static_type(),
    )
}
