//! The pads both elements have: raw video of any format in and out, always present.

/// A `sink` and a `src` template for raw video (any format, size and rate).
pub fn video_filter_templates() -> Vec<gst::PadTemplate> {
    let caps = gst_video::VideoCapsBuilder::new().build();
    [
        ("src", gst::PadDirection::Src),
        ("sink", gst::PadDirection::Sink),
    ]
    .into_iter()
    .filter_map(|(name, direction)| {
        gst::PadTemplate::new(name, direction, gst::PadPresence::Always, &caps).ok()
    })
    .collect()
}
