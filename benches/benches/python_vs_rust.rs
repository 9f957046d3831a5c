//! The migration's pay-off: per-frame cost of the demo's anchor decoder as a Python callback
//! (`gvapython module=samples/face_detection_decoder.py`) and as the Rust element ported from it
//! (`rsfacedecoder`, `samples/rust`), on the same frames, against `identity` (the cost of the
//! element and push alone), with 1 stream and with 4 streams in one process (4 pipelines on 4
//! threads: the Python callbacks share one GIL, the Rust elements share nothing).
//!
//! The frames are the demo video's 120 frames with the real detector's output tensors, made
//! once by `gvainference` before timing; every run pushes fresh copies of them (metas included,
//! pixels shared), made beforehand. Each stream is `X ! fakesink`, fed from a source pad of our
//! own in the calling thread, so a push returns when the decoder and the sink are done: the
//! time is the whole CPU cost per frame, and with 4 streams, the wall time of all 4.
//!
//! Needs `cargo xtask setup` (the model and video in target/assets, `.venv`).
//!
//! `cargo bench -p gva-benches --bench python_vs_rust -- --warm-up-time 1 --measurement-time 3`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use gst::prelude::*;

const STREAMS: usize = 4;
const CAPS: &str = "video/x-raw,format=BGRx,width=176,height=144,framerate=30/1";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn init() {
    // SAFETY: at start-up, before any other thread exists.
    unsafe { gva_benches::python_from_venv() };
    gst::init().unwrap();
    gstgva::plugin_register_static().unwrap();
    gstgvapython::plugin_register_static().unwrap();
    gstgvarustsample::plugin_register_static().unwrap();
    gva_meta::register().unwrap();
}

/// The demo video's frames with the detector's output tensors attached, by `gvainference`.
fn detector_frames() -> Vec<gst::Buffer> {
    let assets = root().join("target/assets");
    let (video, model) = (
        assets.join("carphone_pristine.mp4"),
        assets.join("face_detection_short_range.tflite"),
    );
    for file in [&video, &model] {
        assert!(
            file.is_file(),
            "{}: run `cargo xtask setup`",
            file.display()
        );
    }
    let pipeline = gst::parse::launch(&format!(
        "filesrc location={} ! decodebin ! videoconvert ! video/x-raw,format=BGRx \
         ! gvainference model={} model-proc={} ! appsink name=sink sync=false",
        video.display(),
        model.display(),
        root()
            .join("samples/model_procs/face_detection_short_range.json")
            .display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut frames = Vec::new();
    while let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(60)) {
        frames.push(sample.buffer_owned().unwrap());
    }
    let error = pipeline
        .bus()
        .unwrap()
        .pop_filtered(&[gst::MessageType::Error]);
    pipeline.set_state(gst::State::Null).unwrap();
    assert!(error.is_none(), "making the frames failed: {error:?}");
    assert_eq!(frames.len(), 120, "the demo video has 120 frames");
    frames
}

/// `element ! fakesink`, PLAYING for its whole life, fed from our own source pad.
struct Stream {
    pipeline: gst::Pipeline,
    pad: gst::Pad,
}

impl Stream {
    fn new(element: &str) -> Self {
        let pipeline = gst::parse::launch(&format!(
            "{element} name=x ! fakesink sync=false async=false"
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let pad = gva_benches::feed_pad(&pipeline, "x", CAPS);
        Self { pipeline, pad }
    }

    /// Pushes `frames`; the time that took.
    fn run(&self, frames: Vec<gst::Buffer>) -> Duration {
        let start = Instant::now();
        for frame in frames {
            self.pad.push(frame).unwrap();
        }
        start.elapsed()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.pad.set_active(false);
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Fresh copies of the frames (the elements write regions onto them).
fn copies(frames: &[gst::Buffer]) -> Vec<gst::Buffer> {
    frames.iter().map(|f| f.copy()).collect()
}

/// Total time of `iters` passes of every frame through every stream at once.
fn time_streams(streams: &[Stream], frames: &[gst::Buffer], iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let batches: Vec<_> = streams.iter().map(|_| copies(frames)).collect();
        let start = Instant::now();
        std::thread::scope(|s| {
            for (stream, batch) in streams.iter().zip(batches) {
                s.spawn(move || stream.run(batch));
            }
        });
        total += start.elapsed();
    }
    total
}

/// The elements compared: (name, pipeline element).
fn elements() -> [(&'static str, String); 3] {
    let decoder = root().join("samples/face_detection_decoder.py");
    [
        ("identity", "identity".to_owned()),
        (
            "gvapython",
            format!("gvapython module={}", decoder.display()),
        ),
        ("rsfacedecoder", "rsfacedecoder".to_owned()),
    ]
}

fn streams_of(element: &str, n: usize, frames: &[gst::Buffer]) -> Vec<Stream> {
    let streams: Vec<Stream> = (0..n).map(|_| Stream::new(element)).collect();
    // One pass first: Python loaded, caps negotiated, anchors computed.
    time_streams(&streams, frames, 1);
    streams
}

fn bench(c: &mut Criterion, frames: &[gst::Buffer]) {
    for n in [1, STREAMS] {
        let mut group = c.benchmark_group(format!("python_vs_rust/{n}_stream"));
        group.throughput(Throughput::Elements((frames.len() * n) as u64));
        for (label, element) in elements() {
            let streams = streams_of(&element, n, frames);
            group.bench_function(label, |b| {
                b.iter_custom(|iters| time_streams(&streams, frames, iters));
            });
        }
        group.finish();
    }
}

/// Best of `runs` passes: microseconds per frame (all streams' frames counted).
fn micros_per_frame(element: &str, n: usize, frames: &[gst::Buffer], runs: u32) -> f64 {
    let streams = streams_of(element, n, frames);
    let best = (0..runs)
        .map(|_| time_streams(&streams, frames, 1))
        .min()
        .unwrap_or_default();
    best.as_secs_f64() * 1e6 / (frames.len() * n) as f64
}

fn summary(frames: &[gst::Buffer]) {
    println!(
        "\nface decoder per frame, best of 15 passes of {} frames per stream:",
        frames.len()
    );
    println!("| streams | element | µs per frame | frames/s | decoder µs per frame |");
    println!("|---|---|---|---|---|");
    for n in [1, STREAMS] {
        let cost: Vec<(&str, f64)> = elements()
            .iter()
            .map(|(label, element)| (*label, micros_per_frame(element, n, frames, 15)))
            .collect();
        let identity = cost[0].1;
        for (label, us) in cost {
            println!(
                "| {n} | {label} | {us:.1} | {:.0} | {:.1} |",
                1e6 / us,
                us - identity
            );
        }
    }
}

fn main() {
    init();
    let frames = detector_frames();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &frames);
    c.final_summary();
    // Only for real measurements (`cargo bench` passes --bench), not for `cargo test --benches`.
    if std::env::args().any(|a| a == "--bench") {
        summary(&frames);
    }
}
