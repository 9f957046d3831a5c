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

/// The packed RGB family, the 4:2:0 YUV planes and GRAY8: what the inference elements and
/// gvatrack take.
pub(crate) const RGB_YUV_AND_GRAY: [gst_video::VideoFormat; 9] = {
    use gst_video::VideoFormat as F;
    [
        F::Bgr,
        F::Bgrx,
        F::Bgra,
        F::Rgb,
        F::Rgbx,
        F::Rgba,
        F::Nv12,
        F::I420,
        F::Gray8,
    ]
};

/// The packed RGB family and the 4:2:0 YUV planes ([`RGB_YUV_AND_GRAY`] without GRAY8): what
/// gvawatermark draws on.
pub(crate) const RGB_AND_YUV: &[gst_video::VideoFormat] = match RGB_YUV_AND_GRAY.split_last() {
    Some((_gray, rgb_and_yuv)) => rgb_and_yuv,
    None => &[],
};

/// `src` and `sink` pad templates taking raw video of `formats`, any size and frame rate.
pub(crate) fn video_src_sink(formats: &[gst_video::VideoFormat]) -> Vec<gst::PadTemplate> {
    let caps = gst_video::VideoCapsBuilder::new()
        .format_list(formats.iter().copied())
        .build();
    src_sink(&caps, &caps)
}

/// `src` and `sink` pad templates taking any caps (metadata-only elements).
pub(crate) fn any_src_sink() -> &'static [gst::PadTemplate] {
    static TEMPLATES: std::sync::LazyLock<Vec<gst::PadTemplate>> = std::sync::LazyLock::new(|| {
        let caps = gst::Caps::new_any();
        src_sink(&caps, &caps)
    });
    TEMPLATES.as_ref()
}
