//! `gvametaconvert`: turns the GVA metadata of each video frame into DL Streamer's JSON and
//! attaches it to the frame as a `GstGVAJSONMeta` (for `gvametapublish`, `gvapython`, or an
//! application's pad probe).
//!
//! The text is byte-for-byte what DL Streamer's element writes (nlohmann::json): keys sorted,
//! compact unless `json-indent` is 0‥10, doubles in nlohmann's shortest round-trip notation
//! (`1.0`, `0.5`, `1e-05`), and DL Streamer's rules for which fields appear:
//!
//! ```text
//! {"objects":[{"detection":{"bounding_box":{"x_max":…,"x_min":…,"y_max":…,"y_min":…},
//!               "confidence":…,"label":"face","label_id":1},
//!              "age":{"label":"31","model":{"name":"age_gender"},…},
//!              "h":…,"id":<tracking id, if ≠ 0>,"parent_id":<if any>,"region_id":…,
//!              "roi_type":"face","tensors":[…],"w":…,"x":…,"y":…}, …],
//!  "resolution":{"height":480,"width":640},"source":…,"system_timestamp":…,"tags":{…},
//!  "tensors":[…],"timestamp":<stream time of the PTS, ns>}
//! ```
//!
//! - One object per region of interest, plus one covering the whole frame when frame-level
//!   tensors carry a classification (`label` or `label_id`).
//! - `add-tensor-data=true` adds `"tensors"` to each object and to the frame (frame tensors
//!   without a `type`), with `data` decoded by the tensor's real precision (U8, I8, U16, I16,
//!   U32, I32, U64, I64, FP16, BF16, FP32, FP64, Q78; DL Streamer reads everything but U8 and
//!   I64 as FP32).
//! - A frame with neither objects nor tensors gets no message unless `add-empty-results=true`.
//! - `system_timestamp` only for buffers with a `GstVideoTimeCodeMeta` (e.g. from
//!   `timecodestamper`), in UTC with `timestamp-utc=true`, with microseconds with
//!   `timestamp-microseconds=true`.
//! - `format=dump-detection` attaches nothing and logs one `Detection: …` line per region at
//!   INFO level instead.
//! - `tags` must be a JSON object: anything else is logged when set and fails the start of the
//!   element with an error saying what is wrong.
//! - `signal-handoffs=true` emits `handoff` with each buffer after its JSON is attached.
//!
//! Buffers of any caps pass through unchanged apart from the added meta; only video caps get
//! JSON.
//!
//! Where it differs from DL Streamer, on purpose: tensor data by real precision (above); `tags`
//! must be a JSON object (DL Streamer silently drops invalid tags and takes any JSON value);
//! the whole-frame object appears only for classified frame tensors (DL Streamer adds an empty
//! one for any tensor meta); `parent_id` appears when the region has a parent (≠ 0 in
//! `GstVideoRegionOfInterestMeta`); the `"object_id"` structure is not listed as a tensor;
//! `handoff` is emitted after the JSON is attached rather than instead of it; properties keep
//! their values across READY→NULL; audio JSON is not produced.
//!
//! ```text
//! gst-launch-1.0 filesrc location=video.mp4 ! decodebin3 ! videoconvert ! video/x-raw,format=BGR \
//!     ! gvadetect model=face.xml ! gvametaconvert source=video.mp4 tags='{"camera":"lobby"}' \
//!     ! gvametapublish file-path=out.json ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

mod dump;
mod frame_json;
mod imp;
mod system_timestamp;
mod tensor_json;

glib::wrapper! {
    /// The `gvametaconvert` element.
    pub struct GvaMetaConvert(ObjectSubclass<imp::GvaMetaConvert>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// `format`: what the element makes of each frame's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsMetaconvertFormat")]
pub enum Format {
    /// A `GstGVAJSONMeta` with DL Streamer's JSON.
    #[default]
    #[enum_value(name = "Conversion to GstGVAJSONMeta", nick = "json")]
    Json = 0,
    /// One INFO line per region in the debug log.
    #[enum_value(name = "Dump detection to GST debug log", nick = "dump-detection")]
    DumpDetection = 1,
}

/// Registers `gvametaconvert` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvametaconvert",
        gst::Rank::NONE,
        GvaMetaConvert::static_type(),
    )
}
