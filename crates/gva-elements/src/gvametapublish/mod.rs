//! `gvametapublish`: publishes the JSON metadata of each frame (the first `GstGVAJSONMeta`, as
//! written by `gvametaconvert`) to a file, stdout or an MQTT broker, and passes every buffer on
//! unchanged. Buffers without a JSON message pass silently.
//!
//! - `method=file` ([`file`](mod@file)): `file-path` (default `stdout`), `file-format=json` (the file is
//!   truncated and holds one JSON array: `[`, records joined by `,\n`, `]` + `\n` at EOS or when
//!   the pipeline stops early) or `json-lines` (appended, one record per line). Every record is
//!   flushed as it is written.
//! - `method=mqtt` ([`mqtt`]): `address` (`host:port`), `topic`, `mqtt-client-id`,
//!   `mqtt-config`, `username`, `password`, `max-connect-attempts`, `max-reconnect-interval`,
//!   `max-buffered-records`, `flush-timeout`. QoS 1 by default, records in frame order; while
//!   the broker is away records are held (bounded) and re-published after reconnecting.
//! - `method=kafka` is refused at start.
//!
//! Both methods implement [`publisher::Publisher`].
//!
//! ```text
//! gst-launch-1.0 filesrc location=in.mp4 ! decodebin3 ! videoconvert ! gvadetect model=det.xml \
//!     ! gvametaconvert ! gvametapublish file-path=out.json ! fakesink
//! gst-launch-1.0 … ! gvametaconvert ! gvametapublish method=mqtt address=localhost:1883 \
//!     topic=dlstreamer ! fakesink
//! ```

use gst::glib;
use gst::prelude::*;

pub mod file;
mod imp;
pub mod mqtt;
pub mod publisher;
pub mod settings;

glib::wrapper! {
    /// The `gvametapublish` element.
    pub struct GvaMetaPublish(ObjectSubclass<imp::GvaMetaPublish>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

/// Registers `gvametapublish` with `plugin`.
pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "gvametapublish",
        gst::Rank::NONE,
        GvaMetaPublish::static_type(),
    )
}
