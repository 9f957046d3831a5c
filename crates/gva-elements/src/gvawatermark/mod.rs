//! `gvawatermark`: draws the boxes, labels and confidences of the GVA metadata into the frame
//! (DL Streamer's colours, layout and 2-pixel boxes; see [`Watermark`]).
//!
//! Frames: BGR, RGB, BGRx, RGBx, BGRA, RGBA (drawn pixels opaque), NV12 and I420 (colours
//! converted with the caps' colour matrix and range; boxes on even coordinates so that luma and
//! half-resolution chroma agree). Padded strides and `GstVideoMeta` layouts are honoured. Text
//! is DejaVu Sans, compiled into the plugin, rasterized with `ab_glyph` once per character and
//! alpha-blended. A frame without regions or labelled tensors is passed on untouched (not even
//! mapped).
//!
//! Properties: `device` (DL Streamer's; only `CPU` or unset is accepted — drawing is on system
//! memory).
//!
//! ```text
//! gst-launch-1.0 filesrc location=video.mp4 ! decodebin3 ! videoconvert ! video/x-raw,format=BGRx \
//!     ! gvadetect model=detector.xml ! gvawatermark ! videoconvert ! autovideosink
//! ```

use gst::glib;
use gst::prelude::*;

pub(crate) mod canvas;
mod imp;
mod painter;
mod palette;
mod text;

pub use painter::{
    FULL_FRAME_COLOR, FULL_FRAME_TEXT_AT, LABEL_ABOVE, LABEL_INSIDE, THICKNESS, Watermark,
    WatermarkError, label_text,
};
pub use palette::{COLOR_TABLE, rgb_to_yuv, table_color};
pub use text::TEXT_PX;

glib::wrapper! {
    /// The `gvawatermark` element.
    pub struct GvaWatermark(ObjectSubclass<imp::GvaWatermark>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvawatermark` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvawatermark",
        gst::Rank::NONE,
        GvaWatermark::static_type(),
    )
}
