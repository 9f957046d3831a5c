//! Asynchronous inference (`nireq` requests in flight): every frame leaves once, in the order
//! it came, with its own results; EOS waits for the frames in flight.

mod common;

use common::{frame, info, model, run};
use gva_meta::VideoFrame;

fn cell_frames(count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let cell = i % 64;
            frame(64, 64, (cell % 8 * 8, cell / 8 * 8, 8, 8), [0, 0, 255])
        })
        .collect()
}

fn check_order(element: &str, count: usize, interval: usize) {
    let out = run(element, 64, 64, &cell_frames(count)).expect("runs");
    assert_eq!(out.len(), count, "every frame leaves once");
    for (i, buffer) in out.iter().enumerate() {
        assert_eq!(
            buffer.pts().expect("pts").mseconds(),
            33 * i as u64,
            "frame {i} in order"
        );
        let frame = VideoFrame::new(buffer.as_ref(), info(64, 64));
        let boxes: Vec<(u32, u32)> = frame.regions().map(|r| (r.rect().x, r.rect().y)).collect();
        if i % interval == 0 {
            let cell = (i % 64) as u32;
            assert_eq!(
                boxes,
                vec![(cell % 8 * 8, cell / 8 * 8)],
                "frame {i}'s own box"
            );
        } else {
            assert_eq!(boxes, vec![], "skipped frame {i} untouched");
        }
    }
}

#[test]
fn four_requests_keep_frame_order() {
    let element = format!(
        "gvadetect nireq=4 model={} model-proc={} ie-config=INFERENCE_PRECISION_HINT=f32",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    check_order(&element, 100, 1);
}

#[test]
fn skipped_frames_keep_their_place_among_requests_in_flight() {
    let element = format!(
        "gvadetect nireq=3 inference-interval=3 model={} model-proc={} ie-config=INFERENCE_PRECISION_HINT=f32",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    check_order(&element, 50, 3);
}

#[test]
fn stopping_with_frames_in_flight_does_not_hang_and_restarts() {
    use gst::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;
    common::init();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc ! video/x-raw,format=BGR,width=64,height=64,framerate=30/1 \
         ! gvadetect name=detect nireq=4 model={} ! appsink name=sink sync=false",
        model("detector_ssd.xml")
    ))
    .expect("a pipeline")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let detect = pipeline.by_name("detect").expect("gvadetect");
    let sink = pipeline
        .by_name("sink")
        .and_downcast::<gst_app::AppSink>()
        .expect("appsink");
    // Frames that entered gvadetect, and frames that left it (reached the appsink); each
    // frame that enters sends how many are inside.
    let entered = Arc::new(AtomicUsize::new(0));
    let left = Arc::new(AtomicUsize::new(0));
    let (inside_tx, inside_rx) = mpsc::channel::<usize>();
    {
        let (entered, left) = (entered.clone(), left.clone());
        let inside_tx = std::sync::Mutex::new(inside_tx);
        detect.static_pad("sink").expect("a sink pad").add_probe(
            gst::PadProbeType::BUFFER,
            move |_, _| {
                let n = entered.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = inside_tx
                    .lock()
                    .unwrap()
                    .send(n - left.load(Ordering::SeqCst));
                gst::PadProbeReturn::Ok
            },
        );
    }
    {
        let left = left.clone();
        sink.static_pad("sink").expect("a sink pad").add_probe(
            gst::PadProbeType::BUFFER,
            move |_, _| {
                left.fetch_add(1, Ordering::SeqCst);
                gst::PadProbeReturn::Ok
            },
        );
    }
    let src = detect.static_pad("src").expect("a src pad");
    // More frames than gvadetect holds with one request (see below).
    const IN_FLIGHT: usize = 5;
    for round in 0..2 {
        // Downstream holds the first frame that comes out (a blocking probe, released when
        // the pad deactivates), so the frames behind it stay inside gvadetect.
        let block = src
            .add_probe(
                gst::PadProbeType::BLOCK | gst::PadProbeType::BUFFER,
                |_, _| gst::PadProbeReturn::Ok,
            )
            .expect("a blocking probe");
        while inside_rx.try_recv().is_ok() {}
        pipeline.set_state(gst::State::Playing).expect("plays");
        // Wait until more frames are inside gvadetect than one request can hold. With its
        // output held, the element fills up and then stops taking frames; measured, it holds
        // at most 4 frames with nireq=1 (the held one, the request's, the spare input filled
        // meanwhile, the one waiting in the chain function), 5 with nireq=2 or 3, 6 with
        // nireq=4. So IN_FLIGHT frames inside show that several requests were in flight when
        // NULL comes (with nireq=1 this test fails here).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let timeout = deadline.saturating_duration_since(std::time::Instant::now());
            match inside_rx.recv_timeout(timeout) {
                Ok(n) if n >= IN_FLIGHT => break,
                Ok(_) => {}
                Err(e) => panic!(
                    "round {round}: fewer than {IN_FLIGHT} frames inside gvadetect (no requests \
                     in flight?): {e}"
                ),
            }
        }
        assert_eq!(
            left.load(Ordering::SeqCst),
            0,
            "round {round}: nothing left"
        );
        // NULL now, from another thread, so that a hang fails the test instead of stalling it.
        let (done_tx, done_rx) = mpsc::channel();
        let p = pipeline.clone();
        std::thread::spawn(move || {
            let _ = done_tx.send(p.set_state(gst::State::Null));
        });
        let stopped = done_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("round {round}: NULL hangs with frames in flight"));
        stopped.expect("stops");
        src.remove_probe(block);
        left.store(0, Ordering::SeqCst);
        entered.store(0, Ordering::SeqCst);
    }
    let bus = pipeline.bus().expect("a bus");
    assert!(
        bus.pop_filtered(&[gst::MessageType::Error]).is_none(),
        "no error"
    );
    // Restarted, frames flow again: the first ten of the new run, in order.
    pipeline.set_state(gst::State::Playing).expect("plays");
    let pts: Vec<gst::ClockTime> = (0..10)
        .map(|_| {
            let sample = sink
                .try_pull_sample(gst::ClockTime::from_seconds(30))
                .expect("a frame after the restart");
            sample.buffer().and_then(|b| b.pts()).expect("pts")
        })
        .collect();
    pipeline.set_state(gst::State::Null).expect("stops");
    let expected: Vec<gst::ClockTime> = (0..10u64)
        .map(|i| gst::ClockTime::from_nseconds(i * 1_000_000_000 / 30))
        .collect();
    assert_eq!(pts, expected);
    assert!(
        bus.pop_filtered(&[gst::MessageType::Error]).is_none(),
        "no error"
    );
}

#[test]
fn frames_flow_again_after_a_flushing_seek() {
    use gst::prelude::*;
    common::init();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc ! video/x-raw,format=BGR,width=64,height=64,framerate=30/1 \
         ! gvadetect nireq=4 model={} ! appsink name=sink sync=false max-buffers=4",
        model("detector_ssd.xml")
    ))
    .expect("a pipeline")
    .downcast::<gst::Pipeline>()
    .expect("a pipeline");
    let sink = pipeline
        .by_name("sink")
        .and_downcast::<gst_app::AppSink>()
        .expect("appsink");
    pipeline.set_state(gst::State::Playing).expect("plays");
    let timeout = gst::ClockTime::from_seconds(10);
    for _ in 0..10 {
        sink.try_pull_sample(timeout)
            .expect("frames before the seek");
    }
    pipeline
        .seek_simple(gst::SeekFlags::FLUSH, gst::ClockTime::ZERO)
        .expect("seeks");
    let mut after = Vec::new();
    for _ in 0..10 {
        let sample = sink
            .try_pull_sample(timeout)
            .expect("frames after the seek");
        after.push(sample.buffer().and_then(|b| b.pts()).expect("pts"));
    }
    pipeline.set_state(gst::State::Null).expect("stops");
    let mut sorted = after.clone();
    sorted.sort();
    assert_eq!(after, sorted, "in order after the seek");
    let bus = pipeline.bus().expect("a bus");
    assert!(
        bus.pop_filtered(&[gst::MessageType::Error]).is_none(),
        "no error"
    );
}

#[test]
fn an_unlinked_src_pad_ends_the_pipeline_with_not_linked_instead_of_hanging() {
    // Frames still in flight when EOS comes (4 requests, 3 frames): their failed pushes have
    // no next frame to be returned on, so the element reports them itself. (A frame done
    // before the last one came in returns not-linked upstream, and the source reports it.)
    use gst::prelude::*;
    common::init();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc name=source num-buffers=3 ! video/x-raw,format=BGR,width=64,height=64 \
         ! gvadetect name=detect nireq=4 model={}",
        model("detector_ssd.xml")
    ))
    .expect("a pipeline");
    pipeline.set_state(gst::State::Playing).expect("plays");
    let bus = pipeline.bus().expect("a bus");
    let message = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(20),
            &[gst::MessageType::Error, gst::MessageType::Eos],
        )
        .expect("the pipeline ends");
    pipeline.set_state(gst::State::Null).expect("stops");
    let gst::MessageView::Error(error) = message.view() else {
        panic!("an error, not {message:?}");
    };
    assert_eq!(error.error().to_string(), "Internal data stream error.");
    let debug = error.debug().map(|d| d.to_string()).unwrap_or_default();
    assert!(
        debug.contains("streaming stopped, reason not-linked (-1)"),
        "{debug}"
    );
    let reporter = message
        .src()
        .map(|s| s.name().to_string())
        .unwrap_or_default();
    // Named: the tests of this file run in one process, where default names count up.
    assert!(
        ["detect", "source"].contains(&reporter.as_str()),
        "{reporter}"
    );
}
