//! Shared test plumbing: plugin registration, generated models, frames and pipelines.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Once;

use gst::prelude::*;
use gst_video::prelude::*;

/// Initializes GStreamer once and registers the `gva` plugin statically.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        if std::env::var_os("GST_REGISTRY_1_0").is_none() {
            let registry = std::env::temp_dir().join(format!(
                "gva-elements-test-registry-{}.bin",
                std::process::id()
            ));
            // SAFETY: set once, before GStreamer starts and before any test thread reads it.
            unsafe { std::env::set_var("GST_REGISTRY_1_0", registry) };
        }
        gst::init().expect("GStreamer initializes");
        gstgva::plugin_register_static().expect("the gva plugin registers");
    });
}

/// The gva plugin this build made: the cdylib cargo builds next to the test binaries.
pub fn built_plugin() -> PathBuf {
    let exe = std::env::current_exe().expect("this test's path");
    let built = exe
        .parent()
        .expect("the test binary's folder")
        .join("libgstgva.so");
    assert!(
        built.is_file(),
        "{} is missing: cargo builds the plugin's cdylib next to the test binaries",
        built.display()
    );
    built
}

/// A generated test model (`cargo xtask models`), by file name.
pub fn model(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/models")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask models` first",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// A black packed BGR frame with the block `x..x+w`, `y..y+h` painted `bgr`.
pub fn frame(
    width: usize,
    height: usize,
    block: (usize, usize, usize, usize),
    bgr: [u8; 3],
) -> Vec<u8> {
    let mut data = vec![0u8; width * height * 3];
    let (x, y, w, h) = block;
    for row in y..y + h {
        for col in x..x + w {
            let at = (row * width + col) * 3;
            data[at..at + 3].copy_from_slice(&bgr);
        }
    }
    data
}

/// Runs `appsrc ! <element> ! appsink` on BGR `frames` of `width` x `height`: the buffers that
/// came out, or the text of the first error.
pub fn run(
    element: &str,
    width: usize,
    height: usize,
    frames: &[Vec<u8>],
) -> Result<Vec<gst::Buffer>, String> {
    run_format("BGR", element, width, height, frames)
}

/// Runs `appsrc ! <element> ! appsink` on `frames` of `width` x `height` whose caps say
/// `format` (e.g. `RGBx`; `element` may start with `videoconvert ! …`).
pub fn run_format(
    format: &str,
    element: &str,
    width: usize,
    height: usize,
    frames: &[Vec<u8>],
) -> Result<Vec<gst::Buffer>, String> {
    init();
    let buffers = frames
        .iter()
        .map(|data| gst::Buffer::from_slice(data.clone()))
        .collect();
    run_buffers(format, element, width, height, buffers)
}

/// Runs `appsrc ! <element> ! appsink` on `buffers` (which may carry metadata already) of
/// `width` x `height` whose caps say `format`; timestamps are set here.
pub fn run_buffers(
    format: &str,
    element: &str,
    width: usize,
    height: usize,
    buffers: Vec<gst::Buffer>,
) -> Result<Vec<gst::Buffer>, String> {
    let outcome = run_collecting(format, element, width, height, buffers);
    match outcome.error {
        Some(text) => Err(text),
        None => Ok(outcome.buffers),
    }
}

/// The pipeline `description` with its `appsrc` named `src` and `appsink` named `sink` (or
/// the parser's error).
pub fn app_pipeline(
    description: &str,
) -> Result<(gst::Pipeline, gst_app::AppSrc, gst_app::AppSink), String> {
    init();
    let pipeline = gst::parse::launch(description)
        .map_err(|e| e.to_string())?
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
    let src = pipeline
        .by_name("src")
        .and_downcast::<gst_app::AppSrc>()
        .expect("an appsrc named src");
    let sink = pipeline
        .by_name("sink")
        .and_downcast::<gst_app::AppSink>()
        .expect("an appsink named sink");
    Ok((pipeline, src, sink))
}

/// The `VideoInfo` of BGR frames of `width` x `height`.
pub fn info(width: u32, height: u32) -> gst_video::VideoInfo {
    gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgr, width, height)
        .build()
        .expect("video info")
}

/// The caps of `format` frames of `width` x `height` at 30/1; NV12 and I420 say
/// `colorimetry=bt601` (BT.601 limited range).
pub fn video_caps(format: &str, width: usize, height: usize) -> String {
    let colorimetry = if matches!(format, "NV12" | "I420") {
        ",colorimetry=bt601"
    } else {
        ""
    };
    format!("video/x-raw,format={format},width={width},height={height},framerate=30/1{colorimetry}")
}

/// The `VideoInfo` of [`video_caps`].
pub fn video_info(format: &str, width: usize, height: usize) -> gst_video::VideoInfo {
    init();
    let caps: gst::Caps = video_caps(format, width, height).parse().expect("caps");
    gst_video::VideoInfo::from_caps(&caps).expect("video info")
}

/// A black frame of `info`: zero bytes for packed formats, Y=16 U=V=128 for YUV.
pub fn black_frame(info: &gst_video::VideoInfo) -> gst::Buffer {
    let mut buffer = gst::Buffer::with_size(info.size()).expect("buffer");
    {
        let buffer = buffer.get_mut().unwrap();
        let mut frame = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, info).unwrap();
        let yuv = frame.n_planes() > 1;
        for plane in 0..frame.n_planes() {
            let value = match (yuv, plane) {
                (false, _) => 0,
                (true, 0) => 16,
                (true, _) => 128,
            };
            frame.plane_data_mut(plane).unwrap().fill(value);
        }
    }
    buffer
}

/// Packed BGR pixels rewritten in the packed `format` (BGR, BGRx, BGRA, RGB, RGBx, RGBA); the
/// fourth byte is 255.
pub fn packed_as(bgr: &[u8], format: &str) -> Vec<u8> {
    bgr.chunks_exact(3)
        .flat_map(|p| {
            let [b, g, r] = [p[0], p[1], p[2]];
            match format {
                "BGR" => vec![b, g, r],
                "RGB" => vec![r, g, b],
                "BGRx" | "BGRA" => vec![b, g, r, 255],
                "RGBx" | "RGBA" => vec![r, g, b, 255],
                _ => panic!("not a packed format: {format}"),
            }
        })
        .collect()
}

/// What a pipeline run by [`run_collecting`] produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The buffers that reached the appsink.
    pub buffers: Vec<gst::Buffer>,
    /// The texts of the warning messages posted.
    pub warnings: Vec<String>,
    /// The text of the first error message, if any.
    pub error: Option<String>,
}

/// Runs `appsrc ! <element> ! appsink` on `buffers` of `width` x `height` whose caps say
/// `format`, timestamped 33 ms apart, and keeps the warnings as well as the first error.
pub fn run_collecting(
    format: &str,
    element: &str,
    width: usize,
    height: usize,
    buffers: Vec<gst::Buffer>,
) -> Outcome {
    let (pipeline, src, sink) = match app_pipeline(&format!(
        "appsrc name=src format=time caps=video/x-raw,format={format},width={width},height={height},framerate=30/1 \
         ! {element} ! appsink name=sink sync=false"
    )) {
        Ok(parts) => parts,
        Err(e) => {
            return Outcome {
                error: Some(e),
                ..Outcome::default()
            };
        }
    };
    let bus = pipeline.bus().expect("a bus");
    let mut outcome = Outcome::default();
    let started = pipeline.set_state(gst::State::Playing).is_ok();
    if started {
        for (i, mut buffer) in buffers.into_iter().enumerate() {
            buffer
                .make_mut()
                .set_pts(gst::ClockTime::from_mseconds(33 * i as u64));
            let _ = src.push_buffer(buffer);
        }
        let _ = src.end_of_stream();
        while let Ok(sample) = sink.pull_sample() {
            outcome.buffers.extend(sample.buffer_owned());
        }
    }
    while let Some(message) =
        bus.pop_filtered(&[gst::MessageType::Error, gst::MessageType::Warning])
    {
        match message.view() {
            gst::MessageView::Error(e) if outcome.error.is_none() => {
                outcome.error = Some(e.error().to_string());
            }
            gst::MessageView::Warning(w) => outcome.warnings.push(w.error().to_string()),
            _ => {}
        }
    }
    if !started && outcome.error.is_none() {
        outcome.error = Some("state change failed".to_owned());
    }
    pipeline.set_state(gst::State::Null).expect("stops");
    outcome
}

/// The `(value, nick)` pairs of the enum property `property` of `element`.
pub fn enum_values(element: &gst::Element, property: &str) -> Vec<(i32, String)> {
    let pspec = element.find_property(property).expect("the property");
    let class = gst::glib::EnumClass::with_type(pspec.value_type()).expect("an enum");
    class
        .values()
        .iter()
        .map(|v| (v.value(), v.nick().to_owned()))
        .collect()
}
