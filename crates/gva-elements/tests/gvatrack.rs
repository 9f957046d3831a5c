//! `gvatrack` in real pipelines: ids that follow objects in every tracking type and frame
//! format, the colour cue of zero-term, short-term-imageless between the frames of `gvadetect
//! inference-interval` (with the classification carried over), the id as gvametaconvert and
//! gvawatermark read it, restarts, `max_num_objects`, regions without a confidence, and start
//! errors.
//!
//! Regions come from `gvaattachroi` JSON (pixel boxes drawn into the frames), or from the real
//! `gvadetect` on the generated `detector_ssd` model.

mod common;

use std::path::PathBuf;

use gst::prelude::*;
use gst_check::Harness;
use gva_meta::VideoFrame;
use serde_json::Value;

/// A coloured box on one frame.
#[derive(Debug, Clone, Copy)]
struct Thing {
    rgb: [u8; 3],
    x: usize,
    y: usize,
    w: usize,
    h: usize,
}

const GREY: [u8; 3] = [90, 90, 90];
const RED: [u8; 3] = [220, 40, 40];
const BLUE: [u8; 3] = [40, 40, 220];

/// BGR frames of `width` x `height` (rows padded to 4 bytes, as GStreamer lays them out),
/// grey, with the things of each frame drawn in.
fn draw(width: usize, height: usize, scene: &[Vec<Thing>]) -> Vec<gst::Buffer> {
    common::init();
    let stride = (width * 3).next_multiple_of(4);
    scene
        .iter()
        .map(|things| {
            let mut data = vec![0u8; stride * height];
            for row in data.chunks_exact_mut(stride) {
                for px in row[..width * 3].chunks_exact_mut(3) {
                    px.copy_from_slice(&[GREY[2], GREY[1], GREY[0]]);
                }
            }
            for t in things {
                for y in t.y..(t.y + t.h).min(height) {
                    for x in t.x..(t.x + t.w).min(width) {
                        let at = y * stride + x * 3;
                        data[at..at + 3].copy_from_slice(&[t.rgb[2], t.rgb[1], t.rgb[0]]);
                    }
                }
            }
            gst::Buffer::from_slice(data)
        })
        .collect()
}

/// The scene's boxes as a gvaattachroi JSON file (one entry per frame).
fn regions_file(name: &str, scene: &[Vec<Thing>]) -> PathBuf {
    let entries: Vec<Value> = scene
        .iter()
        .map(|things| {
            let objects: Vec<Value> = things
                .iter()
                .map(|t| serde_json::json!({"x": t.x, "y": t.y, "w": t.w, "h": t.h, "roi_type": "thing"}))
                .collect();
            serde_json::json!({ "objects": objects })
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("gvatrack-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, Value::Array(entries).to_string()).expect("written");
    path
}

/// The object ids of each frame's regions, in region order.
fn ids(buffers: &[gst::Buffer]) -> Vec<Vec<Option<i32>>> {
    buffers
        .iter()
        .map(|b| {
            VideoFrame::new(b.as_ref(), common::info(1, 1))
                .regions()
                .map(|r| r.object_id().ok())
                .collect()
        })
        .collect()
}

/// Runs the scene through `videoconvert ! <format> ! gvaattachroi ! <after>` and returns the
/// output buffers (panics on an error).
fn track(
    name: &str,
    (width, height): (usize, usize),
    scene: &[Vec<Thing>],
    format: &str,
    after: &str,
) -> Vec<gst::Buffer> {
    let file = regions_file(name, scene);
    let outcome = common::run_collecting(
        "BGR",
        &format!(
            "videoconvert ! video/x-raw,format={format} ! gvaattachroi file-path={} ! {after}",
            file.display()
        ),
        width,
        height,
        draw(width, height, scene),
    );
    assert_eq!(outcome.error, None, "{name} {format}");
    assert_eq!(
        outcome.buffers.len(),
        scene.len(),
        "{name} {format}: frames lost"
    );
    outcome.buffers
}

/// Two things: red moving right, blue moving down.
fn two_movers(frames: usize) -> Vec<Vec<Thing>> {
    (0..frames)
        .map(|f| {
            vec![
                Thing {
                    rgb: RED,
                    x: 10 + 4 * f,
                    y: 20,
                    w: 24,
                    h: 20,
                },
                Thing {
                    rgb: BLUE,
                    x: 200,
                    y: 10 + 3 * f,
                    w: 20,
                    h: 30,
                },
            ]
        })
        .collect()
}

#[test]
fn ids_follow_moving_objects_in_every_tracking_type() {
    let scene = two_movers(20);
    for tracking_type in ["zero-term", "zero-term-imageless", "short-term-imageless"] {
        let out = track(
            "movers",
            (320, 160),
            &scene,
            "BGR",
            &format!("gvatrack tracking-type={tracking_type}"),
        );
        assert_eq!(
            ids(&out),
            vec![vec![Some(1), Some(2)]; 20],
            "{tracking_type}"
        );
    }
}

/// A red thing moves right for 10 frames; then, where it would be next, a blue thing goes on
/// along the same path (the red one went behind something, the blue one came out).
fn red_then_blue() -> Vec<Vec<Thing>> {
    (0..20)
        .map(|f| {
            vec![Thing {
                rgb: if f < 10 { RED } else { BLUE },
                x: 20 + 4 * f,
                y: 40,
                w: 30,
                h: 24,
            }]
        })
        .collect()
}

#[test]
fn zero_term_tells_objects_apart_by_colour_in_every_format_at_odd_sizes() {
    let scene = red_then_blue();
    let expected: Vec<Vec<Option<i32>>> = (0..20)
        .map(|f| vec![Some(if f < 10 { 1 } else { 2 })])
        .collect();
    for format in [
        "BGR", "RGB", "BGRx", "BGRA", "RGBx", "RGBA", "NV12", "I420", "GRAY8",
    ] {
        let out = track("colours", (161, 121), &scene, format, "gvatrack");
        assert_eq!(ids(&out), expected, "zero-term on {format}");
    }
    // Position and shape alone cannot tell them apart: the control.
    let out = track(
        "colours",
        (161, 121),
        &scene,
        "BGR",
        "gvatrack tracking-type=zero-term-imageless",
    );
    assert_eq!(ids(&out), vec![vec![Some(1)]; 20]);
}

/// `(label, x, object id, confidence, classification label)` of each region of a frame.
type Tracked = (String, u32, Option<i32>, f64, Option<String>);

#[test]
fn short_term_fills_the_frames_between_detections_with_ids_and_classifications() {
    // A red 8x8 block moves one detector cell (8 px) to the right every third frame; gvadetect
    // infers on frames 0, 3, 6 and 9 only; gvaclassify classifies what gvadetect found. The
    // block moves a whole box size between inferences: the distance gate is set to 1.5 box
    // sizes (the default, 1, would be just reached).
    common::init();
    let frames: Vec<Vec<u8>> = (0..12)
        .map(|f| common::frame(64, 64, (8 * (f / 3), 24, 8, 8), [0, 0, 255]))
        .collect();
    let f32 = "ie-config=INFERENCE_PRECISION_HINT=f32";
    let pipeline = format!(
        "gvadetect model={} model-proc={} inference-interval=3 {f32} \
         ! gvaclassify model={} model-proc={} {f32} \
         ! gvatrack tracking-type=short-term-imageless config=max_distance=1.5",
        common::model("detector_ssd.xml"),
        common::model("detector_ssd.json"),
        common::model("classifier.xml"),
        common::model("classifier.json"),
    );
    let out = common::run(&pipeline, 64, 64, &frames).expect("runs");
    assert_eq!(out.len(), 12);
    let seen: Vec<Vec<Tracked>> = out
        .iter()
        .map(|b| {
            VideoFrame::new(b.as_ref(), common::info(64, 64))
                .regions()
                .map(|r| {
                    (
                        r.label().unwrap().to_owned(),
                        r.rect().x,
                        r.object_id().ok(),
                        r.confidence().unwrap(),
                        r.param("color").map(|t| t.label().unwrap().to_owned()),
                    )
                })
                .collect()
        })
        .collect();
    for (f, regions) in seen.iter().enumerate() {
        let [(label, x, id, confidence, color)] = &regions[..] else {
            panic!("frame {f}: {regions:?}");
        };
        assert_eq!(label, "red", "frame {f}");
        assert_eq!(*id, Some(1), "frame {f}");
        assert_eq!(color.as_deref(), Some("red"), "frame {f}: classification");
        let cell = 8 * (f / 3) as u32;
        if f % 3 == 0 {
            // Detected: the detector's cell and confidence.
            assert_eq!((*x, *confidence), (cell, 1.0), "frame {f}");
        } else {
            // Predicted: DL Streamer's confidence 1.0, the box at the Kalman prediction: once
            // the speed is learnt, between the cell of the last detection and the next one.
            assert_eq!(*confidence, 1.0, "frame {f}");
            if f > 3 {
                assert!(*x > cell && *x < cell + 8, "frame {f}: predicted x {x}");
            }
        }
    }
    // The predicted regions are regions like any other: the detection's label_id too.
    let frame = VideoFrame::new(out[4].as_ref(), common::info(64, 64));
    assert_eq!(frame.regions().next().unwrap().label_id().unwrap(), 2);
}

#[test]
fn the_id_reaches_gvametaconvert_and_colours_the_gvawatermark_box() {
    let scene: Vec<Vec<Thing>> = (0..3)
        .map(|f| {
            vec![
                Thing {
                    rgb: GREY,
                    x: 10 + 2 * f,
                    y: 10,
                    w: 20,
                    h: 20,
                },
                Thing {
                    rgb: GREY,
                    x: 60,
                    y: 60,
                    w: 20,
                    h: 20,
                },
            ]
        })
        .collect();
    let out = track(
        "metaconvert",
        (120, 100),
        &scene,
        "BGR",
        "gvatrack ! gvametaconvert ! gvawatermark",
    );
    for buffer in &out {
        let frame = VideoFrame::new(buffer.as_ref(), common::info(120, 100));
        let json: Value =
            serde_json::from_str(frame.messages().next().unwrap().text().unwrap()).unwrap();
        let ids: Vec<&Value> = json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| &o["id"])
            .collect();
        assert_eq!(ids, vec![&Value::from(1), &Value::from(2)]);
        // gvawatermark colours a tracked box by its id: index 2 of DL Streamer's table is
        // blue (R, G, B = 0, 0, 255), stored B, G, R. (By label_id it would be index 0, red.)
        let map = buffer.map_readable().unwrap();
        let at = (60 * 120 + 70) * 3;
        assert_eq!(&map[at..at + 3], &[255, 0, 0], "top edge of the second box");
    }
}

/// A buffer of a 32x32 BGR frame with one region at `x`.
fn frame_with_region(x: u32) -> gst::Buffer {
    common::init();
    let mut buffer = gst::Buffer::from_slice(vec![0u8; 32 * 32 * 3]);
    let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), common::info(32, 32));
    frame
        .add_region(&gva_meta::NewRegion::pixels(x.into(), 4, 8, 8).label("thing"))
        .unwrap();
    buffer
}

fn harness(description: &str) -> Harness {
    common::init();
    let mut h = Harness::new_parse(description);
    h.set_src_caps_str("video/x-raw,format=BGR,width=32,height=32,framerate=30/1");
    h
}

fn id_of(h: &mut Harness, buffer: gst::Buffer) -> Vec<Option<i32>> {
    h.push(buffer).expect("pushed");
    ids(&[h.pull().expect("a buffer")]).remove(0)
}

#[test]
fn a_new_segment_a_flush_and_a_restart_forget_objects_but_never_reuse_ids() {
    let mut h = harness("gvatrack");
    for _ in 0..3 {
        assert_eq!(id_of(&mut h, frame_with_region(4)), vec![Some(1)]);
    }
    // A new segment (e.g. a seek in a player): the same box is a new object.
    assert!(
        h.push_event(gst::event::Segment::new(&gst::FormattedSegment::<
            gst::ClockTime,
        >::new()))
    );
    assert_eq!(id_of(&mut h, frame_with_region(4)), vec![Some(2)]);
    assert_eq!(id_of(&mut h, frame_with_region(5)), vec![Some(2)]);
    // A flush.
    assert!(h.push_event(gst::event::FlushStart::new()));
    assert!(h.push_event(gst::event::FlushStop::new(true)));
    assert!(
        h.push_event(gst::event::Segment::new(&gst::FormattedSegment::<
            gst::ClockTime,
        >::new()))
    );
    assert_eq!(id_of(&mut h, frame_with_region(5)), vec![Some(3)]);
    drop(h);

    // NULL -> PLAYING with the same element: ids go on.
    common::init();
    let pipeline = gst::parse::launch(
        "appsrc name=src format=time caps=video/x-raw,format=BGR,width=32,height=32,framerate=30/1 \
         ! gvatrack name=track ! appsink name=sink sync=false",
    )
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let src = pipeline
        .by_name("src")
        .and_downcast::<gst_app::AppSrc>()
        .unwrap();
    let sink = pipeline
        .by_name("sink")
        .and_downcast::<gst_app::AppSink>()
        .unwrap();
    let mut seen = Vec::new();
    for _run in 0..2 {
        pipeline.set_state(gst::State::Playing).unwrap();
        for _ in 0..2 {
            src.push_buffer(frame_with_region(4)).unwrap();
        }
        src.end_of_stream().unwrap();
        while let Ok(sample) = sink.pull_sample() {
            seen.extend(ids(&[sample.buffer_owned().unwrap()]));
        }
        pipeline.set_state(gst::State::Null).unwrap();
    }
    assert_eq!(
        seen,
        vec![vec![Some(1)], vec![Some(1)], vec![Some(2)], vec![Some(2)]]
    );
}

#[test]
fn regions_without_a_detection_confidence_are_tracked() {
    let mut h = harness("gvatrack tracking-type=zero-term-imageless");
    for x in [4u32, 6, 8] {
        let mut buffer = gst::Buffer::from_slice(vec![0u8; 32 * 32 * 3]);
        // A bare GStreamer region: no "detection" structure, no confidence, no label_id.
        gst_video::VideoRegionOfInterestMeta::add(buffer.get_mut().unwrap(), "bare", (x, 4, 8, 8));
        let before = VideoFrame::new(buffer.as_ref(), common::info(32, 32));
        assert!(before.regions().next().unwrap().confidence().is_err());
        assert_eq!(id_of(&mut h, buffer), vec![Some(1)]);
    }
}

#[test]
fn max_num_objects_bounds_the_objects_tracked() {
    let scene: Vec<Vec<Thing>> = (0..4)
        .map(|_| {
            (0..3)
                .map(|i| Thing {
                    rgb: GREY,
                    x: 10 + 40 * i,
                    y: 10,
                    w: 20,
                    h: 20,
                })
                .collect()
        })
        .collect();
    let out = track(
        "max_num_objects",
        (160, 60),
        &scene,
        "BGR",
        "gvatrack config=max_num_objects=2,tracking_per_class=false",
    );
    assert_eq!(ids(&out), vec![vec![Some(1), Some(2), None]; 4]);
}

/// The start error of `gvatrack <properties>` (no frame may come out).
fn start_error(properties: &str) -> String {
    common::init();
    let frames = vec![gst::Buffer::from_slice(vec![0u8; 32 * 32 * 3])];
    let outcome = common::run_collecting("BGR", &format!("gvatrack {properties}"), 32, 32, frames);
    assert!(outcome.buffers.is_empty(), "{properties}");
    outcome.error.expect("an error")
}

#[test]
fn bad_config_and_device_fail_the_start_with_the_cause() {
    assert_eq!(
        start_error("config=max_objects=5"),
        "gvatrack config: unknown key 'max_objects'; the keys are max_num_objects, \
         tracking_per_class, max_distance, min_shape_similarity, min_appearance_similarity, \
         max_lost_frames, max_missed_detections"
    );
    assert_eq!(
        start_error("config=tracking_per_class=perhaps"),
        "gvatrack config: tracking_per_class=perhaps is not valid: expected true or false"
    );
    assert_eq!(
        start_error("device=GPU"),
        "gvatrack: device 'GPU' is not supported: gva-rs tracks on the CPU (set device=CPU or \
         leave it unset)"
    );
    // DL Streamer's accepted spellings.
    for device in ["CPU", "cpu"] {
        common::init();
        let frames = vec![gst::Buffer::from_slice(vec![0u8; 32 * 32 * 3])];
        let outcome =
            common::run_collecting("BGR", &format!("gvatrack device={device}"), 32, 32, frames);
        assert_eq!(
            (outcome.error, outcome.buffers.len()),
            (None, 1),
            "{device}"
        );
    }
}

#[test]
fn properties_have_dl_streamers_names_values_and_defaults() {
    common::init();
    let e = gst::ElementFactory::make("gvatrack").build().unwrap();
    assert!(e.name().starts_with("gvatrack"));
    assert_eq!(
        e.property_value("tracking-type")
            .serialize()
            .unwrap()
            .as_str(),
        "zero-term"
    );
    assert_eq!(e.property::<Option<String>>("config"), None);
    assert_eq!(e.property::<String>("device"), "");
    let values = common::enum_values(&e, "tracking-type");
    assert_eq!(
        values,
        [
            (0, "zero-term"),
            (1, "short-term-imageless"),
            (2, "zero-term-imageless")
        ]
        .map(|(v, n)| (v, n.to_owned()))
    );
    // gst-inspect-1.0 documents every config key.
    let blurb = e
        .find_property("config")
        .unwrap()
        .blurb()
        .unwrap()
        .to_owned();
    for key in gstgva::gvatrack::KEYS {
        assert!(blurb.contains(key), "{key} in {blurb}");
    }
}
