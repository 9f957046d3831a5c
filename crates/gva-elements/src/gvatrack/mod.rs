//! `gvatrack`: gives each region of interest the id of the object it shows, the same id on every
//! frame while the object is tracked — what `gstgva.RegionOfInterest.object_id()`,
//! gvametaconvert's `"id"`, gvawatermark's `"<id>: "` and `gvaclassify reclassify-interval` read.
//!
//! Properties (DL Streamer's names, values and defaults):
//! - `tracking-type`: `zero-term` (0, default) — detection on every frame; regions are matched to
//!   the tracked objects by position (a constant-velocity Kalman prediction), shape and a colour
//!   histogram of their pixels, which tells crossing objects apart; `short-term-imageless` (1) —
//!   for `gvadetect inference-interval=N`: position and shape, and on frames without a detection
//!   of an object it adds the object's region at its predicted position, with the label,
//!   `label_id`, confidence 1.0 (as DL Streamer) and copies of the results (e.g. classifications)
//!   its last detected region carried; `zero-term-imageless` (2) — position and shape only, the
//!   fastest.
//! - `config`: comma-separated `KEY=VALUE` — `max_num_objects` (-1), `tracking_per_class`
//!   (true), and the algorithm's thresholds `max_distance`, `min_shape_similarity`,
//!   `min_appearance_similarity`, `max_lost_frames`, `max_missed_detections` (see
//!   [`CONFIG_BLURB`], shown by `gst-inspect-1.0 gvatrack`). Unknown keys and bad values fail
//!   the start with a message naming them.
//! - `device`: empty or `CPU`; anything else fails the start.
//!
//! Regions are matched to objects by the optimal assignment (Kuhn-Munkres, `pathfinding`),
//! not greedily; see [`Tracker`] for the life of an object. Regions need no detection
//! confidence: whatever made a region (gvadetect, gvaattachroi, Python), it is tracked.
//!
//! Ids start at 1 and are never given to a second object by one element: a flush, a new segment
//! or stream, a new frame size and a restart (NULL→PLAYING) forget the tracked objects, but the
//! ids go on counting (DL Streamer restarts at 1 with each new tracker instance; gva-rs keeps ids
//! unique for the element's life, so analytics downstream never merge two objects).
//! `max_num_objects` bounds the memory: when it is reached, the object lost the longest makes
//! room; a detection that finds no room gets no id.
//!
//! Frames: BGR, BGRx, BGRA, RGB, RGBx, RGBA, NV12, I420, GRAY8, any size; only `zero-term` reads
//! the pixels.
//!
//! ```text
//! gst-launch-1.0 filesrc location=video.mp4 ! decodebin3 ! videoconvert ! video/x-raw,format=BGRx \
//!     ! gvadetect model=face.xml inference-interval=3 ! gvatrack tracking-type=short-term-imageless \
//!     ! gvaclassify model=age.xml reclassify-interval=10 ! gvawatermark ! videoconvert ! autovideosink
//! ```

use gst::glib;
use gst::prelude::*;

mod appearance;
mod association;
mod config;
mod geometry;
mod imp;
mod kalman;
mod pixels;
mod regions;
mod tracker;

pub use appearance::Appearance;
pub use association::{Gates, assign, similarity};
pub use config::{CONFIG_BLURB, Config, ConfigError, KEYS, TrackingType};
pub use geometry::BoxF;
pub use kalman::BoxFilter;
pub use regions::{Params, TrackError, track_frame};
pub use tracker::{Class, Detection, Prediction, Tracker};

/// The frame formats gvatrack takes: those of the inference elements.
pub const FORMATS: [gst_video::VideoFormat; 9] = crate::pads::RGB_YUV_AND_GRAY;

glib::wrapper! {
    /// The `gvatrack` element.
    pub struct GvaTrack(ObjectSubclass<imp::GvaTrack>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvatrack` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvatrack",
        gst::Rank::NONE,
        GvaTrack::static_type(),
    )
}
