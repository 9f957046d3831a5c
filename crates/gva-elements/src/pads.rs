//! Pad templates shared by the elements of the plugin.

/// The always-present `src` and `sink` pad templates of a one-in, one-out element.
pub(crate) fn src_sink(src: &gst::Caps, sink: &gst::Caps) -> Vec<gst::PadTemplate> {
    [
        ("src", gst::PadDirection::Src, src),
        ("sink", gst::PadDirection::Sink, sink),
    ]
    .into_iter()
    // Valid names, directions and caps: `new` cannot fail here.
    .filter_map(|(name, direction, caps)| {
        gst::PadTemplate::new(name, direction, gst::PadPresence::Always, caps).ok()
    })
    .collect()
}
