//! Region inference keeps the heap flat (issue 14 item 2): no OpenVINO handle is taken per
//! region, and everything a frame's regions need is freed once it leaves.
//!
//! `gvadetect ! gvaclassify` on frames of 20 coloured cells (20 regions each) runs in this
//! process; glibc's in-use bytes (`mallinfo2`, every arena) are read with nothing in flight
//! after a warm-up and after each of three runs of 400 frames (8,000 region inferences). A
//! leak grows the heap in every run; a one-off (a thread of OpenVINO's first running an
//! inference, a queue reaching a new size: up to ~180 KB seen here) in one at most, so the
//! smallest growth of the three is bounded: 8 bytes a region, below the smallest heap block
//! glibc hands out (24 bytes), so no allocation per region may stay behind. A port leaked per
//! region (the old code: ~80 bytes) grew it by 80.
//!
//! GLib's slice allocator is turned off (`G_SLICE=always-malloc`, before GLib starts): its
//! magazines keep freed GstBuffer blocks and grow with the frames (~250 bytes a frame with
//! `appsrc ! identity ! appsink` alone), which would hide what this measures.
//! In a file of its own: the heap is the whole process's.

mod common;

use gst::prelude::*;

const REGIONS: usize = 20;
const BOUND_PER_REGION: usize = 8;
const FRAMES: usize = 400;

/// A 64x64 BGR frame whose first 20 grid cells are red, green or blue.
fn cells() -> Vec<u8> {
    let mut data = vec![0u8; 64 * 64 * 3];
    for cell in 0..REGIONS {
        let (x0, y0) = (cell % 8 * 8, cell / 8 * 8);
        for y in y0..y0 + 8 {
            for x in x0..x0 + 8 {
                data[(y * 64 + x) * 3 + cell % 3] = 255;
            }
        }
    }
    data
}

fn in_use() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

#[test]
fn region_inference_keeps_the_heap_flat() {
    // SAFETY: before GLib starts (this file's only test), before any other thread runs.
    unsafe { std::env::set_var("G_SLICE", "always-malloc") };
    common::init();
    let (pipeline, src, sink) = common::app_pipeline(&format!(
        "appsrc name=src format=time caps=video/x-raw,format=BGR,width=64,height=64,framerate=30/1 \
         ! gvadetect model={} model-proc={} nireq=2 \
         ! gvaclassify model={} model-proc={} nireq=2 batch-size=2 \
         ! appsink name=sink sync=false",
        common::model("detector_ssd.xml"),
        common::model("detector_ssd.json"),
        common::model("classifier.xml"),
        common::model("classifier.json"),
    ))
    .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let frame = gst::Buffer::from_slice(cells());
    let mut pts = 0;
    // Runs `count` frames through and waits until each has left.
    let mut run = |count: usize| {
        for _ in 0..count {
            let mut buffer = frame.copy();
            buffer
                .get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_mseconds(pts));
            pts += 33;
            src.push_buffer(buffer).unwrap();
        }
        for _ in 0..count {
            let sample = sink
                .try_pull_sample(gst::ClockTime::from_seconds(20))
                .expect("a frame leaves");
            let regions = sample
                .buffer()
                .unwrap()
                .iter_meta::<gst_video::VideoRegionOfInterestMeta>()
                .count();
            assert_eq!(regions, REGIONS);
        }
    };
    run(300);
    let mut heap = vec![in_use()];
    for _ in 0..3 {
        run(FRAMES);
        heap.push(in_use());
    }
    pipeline.set_state(gst::State::Null).unwrap();
    let least = heap
        .windows(2)
        .map(|w| w[1].saturating_sub(w[0]))
        .min()
        .unwrap_or(0);
    let per_region = least as f64 / (FRAMES * REGIONS) as f64;
    assert!(
        per_region < BOUND_PER_REGION as f64,
        "the heap grew by at least {per_region:.2} bytes per region inference in each run \
         (in use after each: {heap:?})"
    );
}
