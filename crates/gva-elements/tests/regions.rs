//! Region inference through the request pool (issue 15 §1): regions of one frame and of the
//! frames after it in flight together, in batches, each region getting its own results; frames
//! leave in order once their regions' results are attached, skipped frames and frames without
//! regions included; the streaming thread goes on while a frame is being pushed; events,
//! flushes and stops keep working.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{info, model, run_buffers};
use gst::prelude::*;
use gva_meta::{NewRegion, VideoFrame};

const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";
const COLOURS: [(&str, [u8; 3]); 3] = [
    ("blue", [255, 0, 0]),
    ("green", [0, 255, 0]),
    ("red", [0, 0, 255]),
];

/// The colour of region `j` of frame `i`.
fn colour(i: usize, j: usize) -> usize {
    (i + 2 * j) % 3
}

/// 64x64 BGR frames: frame `i` has `i % 5` regions "thing", region `j` a 16x16 block at
/// (16 j, 16 j) painted [`colour`]`(i, j)`; region `j` of a frame is tracked as object
/// `tracked(j)` (0: untracked).
fn frames(count: usize, tracked: impl Fn(usize) -> i32) -> Vec<gst::Buffer> {
    common::init();
    (0..count)
        .map(|i| {
            let mut data = vec![0u8; 64 * 64 * 3];
            for j in 0..i % 5 {
                for y in 16 * j..16 * j + 16 {
                    for x in 16 * j..16 * j + 16 {
                        let at = (y * 64 + x) * 3;
                        data[at..at + 3].copy_from_slice(&COLOURS[colour(i, j) % 3].1);
                    }
                }
            }
            let mut buffer = gst::Buffer::from_slice(data);
            let mut frame = VideoFrame::new(buffer.make_mut(), info(64, 64));
            for j in 0..i % 5 {
                let p = 16 * j as i64;
                let mut added = frame
                    .add_region(&NewRegion::pixels(p, p, 16, 16).label("thing"))
                    .unwrap();
                added.region.set_object_id(tracked(j));
            }
            buffer
        })
        .collect()
}

/// Per frame: its pts in ms, then each region's colour labels (one per classification).
fn labels(out: &[gst::Buffer]) -> Vec<(u64, Vec<Vec<String>>)> {
    out.iter()
        .map(|buffer| {
            let frame = VideoFrame::new(buffer.as_ref(), info(64, 64));
            let mut regions: Vec<_> = frame
                .regions()
                .map(|r| {
                    let labels = r
                        .tensors()
                        .filter(|t| t.name() == "color")
                        .map(|t| t.label().unwrap().to_owned())
                        .collect::<Vec<_>>();
                    (r.rect().x, labels)
                })
                .collect();
            regions.sort();
            (
                buffer.pts().unwrap().mseconds(),
                regions.into_iter().map(|(_, l)| l).collect(),
            )
        })
        .collect()
}

/// What [`labels`] gives when the regions of frames `infer(i)` are classified as region `j`
/// of frame `source(i, j)` shows, and the others are left alone.
fn expected(
    count: usize,
    infer: impl Fn(usize) -> bool,
    source: impl Fn(usize, usize) -> usize,
) -> Vec<(u64, Vec<Vec<String>>)> {
    (0..count)
        .map(|i| {
            let regions = (0..i % 5)
                .map(|j| {
                    if infer(i) {
                        vec![COLOURS[colour(source(i, j), j)].0.to_owned()]
                    } else {
                        vec![]
                    }
                })
                .collect();
            (33 * i as u64, regions)
        })
        .collect()
}

fn classify(settings: &str) -> String {
    format!(
        "gvaclassify model={} model-proc={} {F32} {settings}",
        model("classifier.xml"),
        model("classifier.json")
    )
}

#[test]
fn regions_of_many_frames_in_flight_and_in_batches_get_their_own_results_in_order() {
    for settings in [
        "nireq=1",
        "nireq=4",
        "nireq=2 batch-size=3",
        "nireq=3 batch-size=4",
    ] {
        let out = run_buffers("BGR", &classify(settings), 64, 64, frames(60, |_| 0))
            .unwrap_or_else(|e| panic!("{settings}: {e}"));
        assert_eq!(labels(&out), expected(60, |_| true, |i, _| i), "{settings}");
    }
}

#[test]
fn skipped_frames_and_frames_without_regions_keep_their_place() {
    let out = run_buffers(
        "BGR",
        &classify("nireq=3 batch-size=2 inference-interval=3"),
        64,
        64,
        frames(45, |_| 0),
    )
    .unwrap();
    assert_eq!(labels(&out), expected(45, |i| i % 3 == 0, |i, _| i));
}

#[test]
fn tracked_objects_reuse_their_results_while_frames_are_in_flight() {
    // Region j is object j + 1 (in the first run region 0 is untracked): re-classified every
    // `interval` frames (where it is present), with the last classification's results in
    // between. In the second run every region is tracked, so some frames have all their
    // regions answered from the history: nothing of them is inferred, and they still leave in
    // their place.
    // (name, object id of region j, reclassify-interval)
    type Run = (&'static str, fn(usize) -> i32, usize);
    let runs: [Run; 2] = [
        (
            "region 0 untracked",
            |j| if j == 0 { 0 } else { j as i32 + 1 },
            4,
        ),
        ("every region tracked", |j| j as i32 + 1, 6),
    ];
    for (name, tracked, interval) in runs {
        let out = run_buffers(
            "BGR",
            &classify(&format!(
                "nireq=4 batch-size=2 reclassify-interval={interval}"
            )),
            64,
            64,
            frames(60, tracked),
        )
        .unwrap();
        // The frame each region's results come from: its own when untracked; else the last
        // frame the object was classified on: the first frame on which it is present once
        // `interval` frames have passed since it was classified before.
        let mut classified_on = [None::<usize>; 5];
        let mut source = vec![vec![0; 5]; 60];
        for (i, row) in source.iter_mut().enumerate() {
            for (j, on) in classified_on.iter_mut().enumerate().take(i % 5) {
                if tracked(j) == 0 || on.is_none_or(|c| i - c >= interval) {
                    *on = Some(i);
                }
                row[j] = on.unwrap();
            }
        }
        let all_reused = (0..60)
            .filter(|&i| i % 5 > 0 && (0..i % 5).all(|j| source[i][j] != i))
            .count();
        assert_eq!(all_reused > 0, tracked(0) != 0, "{name}: {all_reused}");
        assert_eq!(
            labels(&out),
            expected(60, |_| true, |i, j| source[i][j]),
            "{name}"
        );
    }
}

#[test]
fn gvadetect_on_regions_in_batches_sets_each_parent() {
    common::init();
    // Two regions per frame, each with one coloured 8x8 block inside; the detector runs on
    // each region (its 32x32 crop resized to 64x64).
    let buffers: Vec<gst::Buffer> = (0..12)
        .map(|i| {
            let mut data = vec![0u8; 64 * 64 * 3];
            for (k, x0) in [0usize, 32].into_iter().enumerate() {
                let bgr = COLOURS[(i + k) % 3].1;
                for y in 8..12 {
                    for x in x0 + 8..x0 + 12 {
                        data[(y * 64 + x) * 3..][..3].copy_from_slice(&bgr);
                    }
                }
            }
            let mut buffer = gst::Buffer::from_slice(data);
            let mut frame = VideoFrame::new(buffer.make_mut(), info(64, 64));
            for x0 in [0, 32] {
                frame
                    .add_region(&NewRegion::pixels(x0, 0, 32, 32).label("area"))
                    .unwrap();
            }
            buffer
        })
        .collect();
    let element = format!(
        "gvadetect model={} model-proc={} {F32} inference-region=roi-list nireq=2 batch-size=3",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let out = run_buffers("BGR", &element, 64, 64, buffers).unwrap();
    assert_eq!(out.len(), 12);
    for (i, buffer) in out.iter().enumerate() {
        let frame = VideoFrame::new(buffer.as_ref(), info(64, 64));
        let areas: Vec<(u32, i32)> = frame
            .regions()
            .filter(|r| r.label().unwrap() == "area")
            .map(|r| (r.rect().x, r.id()))
            .collect();
        let mut found: Vec<(String, u32, u32, u32, u32, i32)> = frame
            .regions()
            .filter(|r| r.label().unwrap() != "area")
            .map(|r| {
                let b = r.rect();
                (
                    r.label().unwrap().to_owned(),
                    b.x,
                    b.y,
                    b.w,
                    b.h,
                    r.parent_id(),
                )
            })
            .collect();
        found.sort_by_key(|f| f.1);
        let parent = |x: u32| areas.iter().find(|a| a.0 == x).unwrap().1;
        assert_eq!(
            found,
            [
                (COLOURS[i % 3].0.to_owned(), 8, 8, 4, 4, parent(0)),
                (COLOURS[(i + 1) % 3].0.to_owned(), 40, 8, 4, 4, parent(32)),
            ],
            "frame {i}"
        );
    }
}

/// A playing `videotestsrc pattern=red ! gvadetect ! <classify> ! appsink` (64 red cells, so
/// 64 regions to classify per frame), with its appsink.
fn red_cells(classify: &str, appsink: &str) -> (gst::Pipeline, gst_app::AppSink) {
    common::init();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc pattern=red ! video/x-raw,format=BGR,width=64,height=64,framerate=30/1 \
         ! gvadetect model={} model-proc={} {F32} ! {classify} ! appsink name=sink {appsink}",
        model("detector_ssd.xml"),
        model("detector_ssd.json"),
    ))
    .expect("a pipeline")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let sink = pipeline
        .by_name("sink")
        .and_downcast::<gst_app::AppSink>()
        .expect("appsink");
    (pipeline, sink)
}

/// Every region of `sample`'s frame is classified "red", once.
fn all_red(sample: &gst::Sample) -> bool {
    let buffer = sample.buffer().expect("a buffer");
    let frame = VideoFrame::new(buffer, info(64, 64));
    frame.regions().count() == 64
        && frame.regions().all(|r| {
            let labels: Vec<_> = r.tensors().filter(|t| t.name() == "color").collect();
            labels.len() == 1 && labels[0].label().unwrap() == "red"
        })
}

#[test]
fn frames_flow_again_after_a_flushing_seek_and_a_restart() {
    let (pipeline, sink) = red_cells(
        &classify("name=classify nireq=4 batch-size=3"),
        "sync=false max-buffers=4",
    );
    let timeout = gst::ClockTime::from_seconds(10);
    for round in 0..2 {
        pipeline.set_state(gst::State::Playing).expect("plays");
        for _ in 0..5 {
            let sample = sink
                .try_pull_sample(timeout)
                .expect("frames before the seek");
            assert!(all_red(&sample), "round {round}");
        }
        pipeline
            .seek_simple(gst::SeekFlags::FLUSH, gst::ClockTime::ZERO)
            .expect("seeks");
        let mut after = Vec::new();
        for _ in 0..5 {
            let sample = sink
                .try_pull_sample(timeout)
                .expect("frames after the seek");
            assert!(all_red(&sample), "round {round}");
            after.push(sample.buffer().and_then(|b| b.pts()).expect("pts"));
        }
        assert!(after.is_sorted(), "in order after the seek: {after:?}");
        // Stopped with regions in flight.
        pipeline.set_state(gst::State::Null).expect("stops");
    }
    let bus = pipeline.bus().expect("a bus");
    assert!(
        bus.pop_filtered(&[gst::MessageType::Error]).is_none(),
        "no error"
    );
}

#[test]
fn the_next_frames_go_in_while_a_frame_is_being_pushed() {
    // Downstream holds the first frame's push; the element still takes the frame after it
    // (its regions go into the free requests) — the synchronous code pushed on the streaming
    // thread and took none — and no more than its requests can hold.
    let nireq = 2;
    let (pipeline, sink) = red_cells(
        &classify(&format!("name=classify nireq={nireq}")),
        "sync=false",
    );
    let classify = pipeline.by_name("classify").expect("gvaclassify");
    let entered = Arc::new(AtomicUsize::new(0));
    let count = entered.clone();
    classify
        .static_pad("sink")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            count.fetch_add(1, Ordering::SeqCst);
            gst::PadProbeReturn::Ok
        });
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Mutex::new(Some(held));
    classify
        .static_pad("src")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if let Some(held) = held.lock().unwrap().take() {
                let _ = held.recv_timeout(Duration::from_secs(30));
            }
            gst::PadProbeReturn::Ok
        });
    pipeline.set_state(gst::State::Playing).expect("plays");
    // 64 regions a frame, nireq + 1 request objects: the frame after the held one fills them
    // and waits inside the element for a request to free.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = (0, Instant::now());
    while Instant::now() < deadline {
        let now = entered.load(Ordering::SeqCst);
        if now != last.0 {
            last = (now, Instant::now());
        } else if now > 1 && last.1.elapsed() > Duration::from_millis(500) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let entered_while_held = entered.load(Ordering::SeqCst);
    release.send(()).unwrap();
    for _ in 0..5 {
        let sample = sink
            .try_pull_sample(gst::ClockTime::from_seconds(10))
            .expect("frames flow once released");
        assert!(all_red(&sample));
    }
    pipeline.set_state(gst::State::Null).expect("stops");
    assert_eq!(
        entered_while_held, 2,
        "frames that entered while the first was held"
    );
}
