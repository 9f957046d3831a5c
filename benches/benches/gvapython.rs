//! Per-frame cost of `gvapython` (SPEC §7.3): `appsrc ! gvapython ! fakesink` against the same
//! pipeline with `identity`, for
//!
//! - an empty callback (`return True`), 1 stream and 4 parallel streams (4 pipelines, 4 threads:
//!   they share one GIL);
//! - a callback that reads `rect()`, `label()` and `confidence()` of 10 regions, attached in Rust
//!   (gva-meta) before the buffers are pushed (the identity baseline gets the same buffers).
//!
//! Every iteration pushes [`FRAMES`] 16x16 GRAY8 buffers per stream, made beforehand (not
//! timed), into pipelines that stay PLAYING, two ways:
//!
//! - `pipeline`: `appsrc ! X ! fakesink`, waiting until the sink has seen every buffer. The
//!   pushing thread and appsrc's streaming thread overlap, so this is end-to-end throughput and
//!   hides part of X's cost behind the producer;
//! - `direct`: `X ! fakesink` fed from a source pad of our own, in the pushing thread: each push
//!   returns after X and the sink are done, so the time is the whole CPU cost per frame.
//!
//! Criterion reports the time per frame as throughput; at the end (only under `cargo bench`) a
//! summary prints the nanoseconds per frame that gvapython adds to identity, best of 7 runs.
//!
//! `cargo bench -p gva-benches --bench gvapython -- --warm-up-time 1 --measurement-time 3`

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use gst::prelude::*;
use gva_meta::{NewRegion, VideoFrame};

/// Buffers pushed per stream and iteration.
const FRAMES: u64 = 2000;
const STREAMS: usize = 4;
const REGIONS: u32 = 10;
const CAPS: &str = "video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1";

const EMPTY_CALLBACK: &str = "def process_frame(frame):\n    return True\n";
const REGIONS_CALLBACK: &str = "\
def process_frame(frame):
    for r in frame.regions():
        r.rect()
        r.label()
        r.confidence()
    return True
";

fn init() -> PathBuf {
    // SAFETY: at start-up, before any other thread exists.
    unsafe { gva_benches::python_from_venv() };
    gst::init().unwrap();
    gstgvapython::plugin_register_static().unwrap();
    gva_meta::register().unwrap();
    let dir = std::env::temp_dir().join(format!("gvapython-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("empty_callback.py"), EMPTY_CALLBACK).unwrap();
    std::fs::write(dir.join("regions_callback.py"), REGIONS_CALLBACK).unwrap();
    dir
}

/// How buffers get into the element.
#[derive(Clone, Copy, Debug)]
enum Feed {
    /// `appsrc ! X ! fakesink`: appsrc's streaming thread runs X.
    Pipeline,
    /// `X ! fakesink`, pushed from our own source pad in the calling thread.
    Direct,
}

impl Feed {
    fn name(self) -> &'static str {
        match self {
            Feed::Pipeline => "pipeline",
            Feed::Direct => "direct",
        }
    }
}

/// One pipeline around `element`, PLAYING for its whole life.
struct Stream {
    pipeline: gst::Pipeline,
    input: Input,
}

enum Input {
    AppSrc {
        src: gst_app::AppSrc,
        /// Buffers that reached the sink, and its condition variable.
        sunk: Arc<(Mutex<u64>, Condvar)>,
    },
    Pad(gst::Pad),
}

impl Stream {
    fn new(element: &str, feed: Feed) -> Self {
        let desc = match feed {
            Feed::Pipeline => format!(
                "appsrc name=src format=time is-live=false block=true max-buffers=64 caps={CAPS} \
                 ! {element} name=x ! fakesink name=sink sync=false async=false"
            ),
            Feed::Direct => format!("{element} name=x ! fakesink name=sink sync=false async=false"),
        };
        let pipeline = gst::parse::launch(&desc)
            .unwrap()
            .downcast::<gst::Pipeline>()
            .unwrap();
        let input = match feed {
            Feed::Pipeline => {
                let src = pipeline
                    .by_name("src")
                    .unwrap()
                    .downcast::<gst_app::AppSrc>()
                    .unwrap();
                let sunk = Arc::new((Mutex::new(0u64), Condvar::new()));
                let counter = sunk.clone();
                pipeline
                    .by_name("sink")
                    .unwrap()
                    .static_pad("sink")
                    .unwrap()
                    .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                        let (count, cond) = &*counter;
                        *count.lock().unwrap() += 1;
                        cond.notify_one();
                        gst::PadProbeReturn::Ok
                    });
                pipeline.set_state(gst::State::Playing).unwrap();
                Input::AppSrc { src, sunk }
            }
            Feed::Direct => Input::Pad(gva_benches::feed_pad(&pipeline, "x", CAPS)),
        };
        let stream = Self { pipeline, input };
        // One frame through, so Python is loaded and caps are negotiated before timing.
        stream.run(vec![gst::Buffer::with_size(256).unwrap()]);
        stream
    }

    /// Pushes `buffers` and waits until the sink has seen them all; the time that took.
    fn run(&self, buffers: Vec<gst::Buffer>) -> Duration {
        match &self.input {
            Input::Pad(pad) => {
                let start = Instant::now();
                for buffer in buffers {
                    pad.push(buffer).unwrap();
                }
                start.elapsed()
            }
            Input::AppSrc { src, sunk } => {
                let (count, cond) = &**sunk;
                let target = *count.lock().unwrap() + buffers.len() as u64;
                let start = Instant::now();
                for buffer in buffers {
                    src.push_buffer(buffer).unwrap();
                }
                let mut n = count.lock().unwrap();
                while *n < target {
                    let (guard, timeout) = cond.wait_timeout(n, Duration::from_secs(30)).unwrap();
                    n = guard;
                    assert!(!timeout.timed_out() || *n >= target, "the stream stalled");
                }
                start.elapsed()
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Input::Pad(pad) = &self.input {
            let _ = pad.set_active(false);
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// What a stream carries.
#[derive(Clone, Copy)]
enum Frames {
    Plain,
    WithRegions,
}

fn frames(kind: Frames, n: u64) -> Vec<gst::Buffer> {
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, 16, 16)
        .build()
        .unwrap();
    (0..n)
        .map(|_| {
            let mut buffer = gst::Buffer::with_size(256).unwrap();
            if let Frames::WithRegions = kind {
                let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
                for i in 0..REGIONS {
                    let i64 = i64::from(i);
                    frame
                        .add_region(
                            &NewRegion::pixels(i64, i64, 4, 4)
                                .label("person")
                                .confidence(0.5 + f64::from(i) / 100.0),
                        )
                        .unwrap();
                }
            }
            buffer
        })
        .collect()
}

/// Total time of `iters` iterations of [`FRAMES`] frames through every stream at once.
fn time_streams(streams: &[Stream], kind: Frames, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let batches: Vec<_> = streams.iter().map(|_| frames(kind, FRAMES)).collect();
        if let [stream] = streams {
            total += stream.run(batches.into_iter().next().unwrap());
            continue;
        }
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

struct Variant {
    name: &'static str,
    streams: usize,
    frames: Frames,
    gvapython: String,
}

fn variants(dir: &Path) -> Vec<Variant> {
    let module = |file: &str| format!("gvapython module={}", dir.join(file).display());
    vec![
        Variant {
            name: "1_stream_empty_callback",
            streams: 1,
            frames: Frames::Plain,
            gvapython: module("empty_callback.py"),
        },
        Variant {
            name: "4_streams_empty_callback",
            streams: STREAMS,
            frames: Frames::Plain,
            gvapython: module("empty_callback.py"),
        },
        Variant {
            name: "1_stream_10_regions_read",
            streams: 1,
            frames: Frames::WithRegions,
            gvapython: module("regions_callback.py"),
        },
    ]
}

fn streams_of(element: &str, feed: Feed, n: usize) -> Vec<Stream> {
    (0..n).map(|_| Stream::new(element, feed)).collect()
}

const FEEDS: [Feed; 2] = [Feed::Direct, Feed::Pipeline];

fn bench(c: &mut Criterion, variants: &[Variant]) {
    for feed in FEEDS {
        for v in variants {
            let mut group = c.benchmark_group(format!("gvapython/{}/{}", feed.name(), v.name));
            group.throughput(Throughput::Elements(FRAMES * v.streams as u64));
            for (label, element) in [
                ("identity", "identity"),
                ("gvapython", v.gvapython.as_str()),
            ] {
                let streams = streams_of(element, feed, v.streams);
                group.bench_function(label, |b| {
                    b.iter_custom(|iters| time_streams(&streams, v.frames, iters));
                });
            }
            group.finish();
        }
    }
}

/// Best-of-`runs` nanoseconds per frame (all streams' frames counted).
fn ns_per_frame(element: &str, feed: Feed, v: &Variant, runs: u32) -> f64 {
    let streams = streams_of(element, feed, v.streams);
    time_streams(&streams, v.frames, 2); // warm-up
    (0..runs)
        .map(|_| time_streams(&streams, v.frames, 1))
        .min()
        .unwrap()
        .as_nanos() as f64
        / (FRAMES * v.streams as u64) as f64
}

fn summary(variants: &[Variant]) {
    println!("\ngvapython: nanoseconds per frame added to identity (best of 7 x {FRAMES} frames):");
    for feed in FEEDS {
        for v in variants {
            let identity = ns_per_frame("identity", feed, v, 7);
            let gvapython = ns_per_frame(&v.gvapython, feed, v, 7);
            println!(
                "  {:<9}{:<26} identity {identity:>7.0} ns  gvapython {gvapython:>7.0} ns  \
                 added {:>7.0} ns",
                feed.name(),
                v.name,
                gvapython - identity
            );
        }
    }
}

fn main() {
    let dir = init();
    let variants = variants(&dir);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &variants);
    c.final_summary();
    // Only for real measurements (`cargo bench` passes --bench), not for `cargo test --benches`.
    if std::env::args().any(|a| a == "--bench") {
        summary(&variants);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
