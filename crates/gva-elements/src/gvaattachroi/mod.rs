//! `gvaattachroi`: attaches regions of interest to each frame, so that `gvaclassify`,
//! `gvainference inference-region=roi-list` and `gvapython` can work on fixed areas of a view, or
//! so that recorded metadata can be replayed onto frames.
//!
//! Properties (DL Streamer's):
//! - `roi`: `x_top_left,y_top_left,x_bottom_right,y_bottom_right` in pixels: one region on every
//!   frame (no label, confidence 0).
//! - `file-path`: a JSON file of per-frame entries in gvametaconvert's shape (see [`file`] for
//!   the keys read); `mode` says which frame takes which entry: `in-order` (0, default: the n-th
//!   frame the n-th entry; frames past the last entry get nothing, with one warning on the bus),
//!   `in-loop` (1: starts over after the last entry), `by-timestamp` (2: the entry whose
//!   `timestamp` is the frame's stream time in nanoseconds; frames without one get nothing).
//! - With both, each frame gets the `roi` region and its entry's regions; with neither, a region
//!   covering the whole frame (as DL Streamer).
//!
//! Bad input fails before the first frame with a message naming the problem: a malformed `roi`
//! or JSON, a missing file, a value of the wrong type (which entry, object and key), a box out
//! of the frame (checked against the frame size when the caps arrive). A frame is never dropped.
//!
//! Differences from DL Streamer, on purpose: every entry is checked at start (DL Streamer finds
//! a malformed entry when its frame comes); JSON lines (gvametapublish `file-format=json-lines`)
//! are read too; tensors with `data` get `precision` FP32 (the data is stored as 32-bit floats);
//! the labels of a region's tensors are not repeated as frame-level tensors.
//!
//! ```text
//! gst-launch-1.0 filesrc location=video.mp4 ! decodebin3 ! videoconvert \
//!     ! gvaattachroi roi=100,50,400,300 ! gvaclassify model=car-color.xml ! fakesink
//! gst-launch-1.0 … ! gvaattachroi file-path=rois.json mode=by-timestamp ! gvawatermark ! …
//! ```

use gst::glib;
use gst::prelude::*;

mod attach;
pub mod file;
mod imp;
mod roi;

pub use file::RoiFile;
pub use roi::FixedRoi;

/// `mode`: DL Streamer's values and numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsAttachRoiMode")]
pub enum Mode {
    /// The n-th frame takes the n-th entry.
    #[default]
    #[enum_value(
        name = "Attach ROIs in order. Number of frames in the pipeline must match to number of ROIs in JSON.",
        nick = "in-order"
    )]
    InOrder = 0,
    /// As in-order, starting over after the last entry.
    #[enum_value(
        name = "Attach ROIs in cyclic manner. Same as in-order, but for cases when the number of frames in the pipeline exceeds ROIs in JSON.",
        nick = "in-loop"
    )]
    InLoop = 1,
    /// The entry whose `timestamp` is the frame's stream time.
    #[enum_value(
        name = "Attach ROIs using timestamping. ROIs in JSON file must be timestamped.",
        nick = "by-timestamp"
    )]
    ByTimestamp = 2,
}

glib::wrapper! {
    /// The `gvaattachroi` element.
    pub struct GvaAttachRoi(ObjectSubclass<imp::GvaAttachRoi>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvaattachroi` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvaattachroi",
        gst::Rank::NONE,
        GvaAttachRoi::static_type(),
    )
}
