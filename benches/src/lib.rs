//! Shared set-up for the criterion benches in `benches/`.

/// Makes `gvapython` start the project's `.venv` Python (where `gstgva` is installed), unless
/// `GVA_PYTHON_EXE` or `VIRTUAL_ENV` already chooses an interpreter.
///
/// # Safety
/// It sets an environment variable: call it at start-up, before any other thread exists.
pub unsafe fn python_from_venv() {
    let venv_python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if std::env::var_os("GVA_PYTHON_EXE").is_none()
        && std::env::var_os("VIRTUAL_ENV").is_none()
        && venv_python.exists()
    {
        // SAFETY: the caller's contract (no other thread yet).
        unsafe { std::env::set_var("GVA_PYTHON_EXE", &venv_python) };
    }
}

/// A source pad of our own linked to the sink pad of `pipeline`'s element `element`, so a bench
/// can push frames from its own thread (a push returns when everything downstream is done).
/// Sets the pipeline PLAYING, then sends stream-start, `caps` and a time segment.
pub fn feed_pad(pipeline: &gst::Pipeline, element: &str, caps: &str) -> gst::Pad {
    use gst::prelude::*;
    let pad = gst::Pad::builder(gst::PadDirection::Src)
        .name("feed")
        .build();
    let sink = pipeline
        .by_name(element)
        .unwrap()
        .static_pad("sink")
        .unwrap();
    pad.link(&sink).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    pad.set_active(true).unwrap();
    assert!(pad.push_event(gst::event::StreamStart::new("bench")));
    assert!(pad.push_event(gst::event::Caps::new(&caps.parse().unwrap())));
    let segment = gst::FormattedSegment::<gst::ClockTime>::new();
    assert!(pad.push_event(gst::event::Segment::new(&segment)));
    pad
}
