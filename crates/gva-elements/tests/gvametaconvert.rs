//! `gvametaconvert`: DL Streamer's JSON per frame, attached as a `GstGVAJSONMeta`.
//!
//! Frames get their metadata through `gva-meta`, pass through the element in a
//! `gst_check::Harness` (or a pipeline, for start errors), and the attached JSON is compared
//! with DL Streamer's schema field by field, and byte for byte in a few cases.

mod common;

use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gst_check::Harness;
use gva_meta::{NewRegion, Precision, VideoFrame};
use serde_json::{Value, json};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;
const CAPS: &str = "video/x-raw,format=BGR,width=640,height=480,framerate=30/1";

/// GStreamer with the `gva` plugin; any GLib CRITICAL from here on aborts the test run.
fn init() {
    common::init();
    gst::glib::log_set_always_fatal(gst::glib::LogLevels::LEVEL_CRITICAL);
}

fn info() -> gst_video::VideoInfo {
    common::info(WIDTH, HEIGHT)
}

/// A black frame with the given PTS.
fn frame(pts: Option<gst::ClockTime>) -> gst::Buffer {
    init();
    let mut buffer = gst::Buffer::with_size(info().size()).expect("a buffer");
    buffer.get_mut().expect("new buffer").set_pts(pts);
    buffer
}

/// Writes metadata onto `buffer` through gva-meta.
fn with_meta<R>(
    buffer: &mut gst::Buffer,
    f: impl FnOnce(&mut VideoFrame<&mut gst::BufferRef>) -> R,
) -> R {
    let mut frame = VideoFrame::new(buffer.get_mut().expect("writable"), info());
    f(&mut frame)
}

/// A harness around `gvametaconvert` configured by `configure`, with video caps.
fn harness(configure: impl FnOnce(&gst::Element)) -> Harness {
    init();
    let mut h = Harness::new("gvametaconvert");
    configure(&h.element().expect("the element"));
    h.set_src_caps_str(CAPS);
    h
}

/// Each buffer pushed through a harness set up by `configure`, and what came out.
fn convert(configure: impl FnOnce(&gst::Element), buffers: Vec<gst::Buffer>) -> Vec<gst::Buffer> {
    let mut h = harness(configure);
    let n = buffers.len();
    for buffer in buffers {
        assert_eq!(h.push(buffer), Ok(gst::FlowSuccess::Ok));
    }
    let out: Vec<gst::Buffer> = (0..n).map(|_| h.pull().expect("a buffer out")).collect();
    assert!(h.try_pull().is_none(), "no extra buffer");
    out
}

/// The JSON messages attached to `buffer`.
fn messages(buffer: &gst::Buffer) -> Vec<String> {
    VideoFrame::new(buffer.as_ref(), info())
        .messages()
        .map(|m| m.text().expect("UTF-8").to_owned())
        .collect()
}

/// The one JSON message of `buffer`, as text.
fn message(buffer: &gst::Buffer) -> String {
    let mut all = messages(buffer);
    assert_eq!(all.len(), 1, "exactly one message: {all:?}");
    all.remove(0)
}

/// The one JSON message of `buffer`, parsed.
fn parsed(buffer: &gst::Buffer) -> Value {
    let text = message(buffer);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A frame at 1 s with one "face" at (64, 48) 128x96, confidence 0.5, label id 1; and the
/// region's id.
fn face_frame() -> (gst::Buffer, i32) {
    let mut buffer = frame(Some(gst::ClockTime::SECOND));
    let id = with_meta(&mut buffer, |f| {
        let added = f
            .add_region(
                &NewRegion::pixels(64, 48, 128, 96)
                    .label("face")
                    .confidence(0.5)
                    .label_id(1),
            )
            .expect("a region");
        added.region.as_region().id()
    });
    (buffer, id)
}

#[test]
fn compact_json_is_byte_for_byte_dlstreamer() {
    let (buffer, id) = face_frame();
    let out = convert(|_| {}, vec![buffer]);
    assert_eq!(
        message(&out[0]),
        format!(
            concat!(
                r#"{{"objects":[{{"detection":{{"bounding_box":{{"x_max":0.3,"x_min":0.1,"#,
                r#""y_max":0.3,"y_min":0.1}},"confidence":0.5,"label":"face","label_id":1}},"#,
                r#""h":96,"region_id":{id},"roi_type":"face","w":128,"x":64,"y":48}}],"#,
                r#""resolution":{{"height":480,"width":640}},"timestamp":1000000000}}"#
            ),
            id = id
        )
    );
}

#[test]
fn indented_json_is_nlohmann_pretty_print() {
    let (buffer, id) = face_frame();
    let out = convert(|e| e.set_property("json-indent", 4), vec![buffer]);
    let expected = format!(
        r#"{{
    "objects": [
        {{
            "detection": {{
                "bounding_box": {{
                    "x_max": 0.3,
                    "x_min": 0.1,
                    "y_max": 0.3,
                    "y_min": 0.1
                }},
                "confidence": 0.5,
                "label": "face",
                "label_id": 1
            }},
            "h": 96,
            "region_id": {id},
            "roi_type": "face",
            "w": 128,
            "x": 64,
            "y": 48
        }}
    ],
    "resolution": {{
        "height": 480,
        "width": 640
    }},
    "timestamp": 1000000000
}}"#
    );
    assert_eq!(message(&out[0]), expected);

    let (buffer, _) = face_frame();
    let out = convert(|e| e.set_property("json-indent", 0), vec![buffer]);
    let text = message(&out[0]);
    assert!(
        text.starts_with("{\n\"objects\": [\n{\n\"detection\": {\n"),
        "{text}"
    );
    assert!(text.ends_with("\"timestamp\": 1000000000\n}"), "{text}");
}

#[test]
fn numbers_print_as_nlohmann_does() {
    let values = [
        1.0,
        0.5,
        1e-5,
        0.0001,
        1e20,
        123456789012345.0,
        1e15,
        -0.0,
        0.1,
        2.5e-7,
    ];
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        let t = f.add_tensor().expect("a tensor");
        t.set_precision(Precision::Fp64);
        let bytes: Vec<u8> = values.iter().flat_map(|v: &f64| v.to_ne_bytes()).collect();
        t.set_data(&bytes);
    });
    let out = convert(|e| e.set_property("add-tensor-data", true), vec![buffer]);
    let text = message(&out[0]);
    assert!(
        text.contains(
            r#""data":[1.0,0.5,1e-05,0.0001,1e+20,123456789012345.0,1e+15,-0.0,0.1,2.5e-07]"#
        ),
        "{text}"
    );
}

#[test]
fn objects_follow_dlstreamer_schema() {
    let mut buffer = frame(Some(gst::ClockTime::from_mseconds(40)));
    let (first, second) = with_meta(&mut buffer, |f| {
        let mut added = f
            .add_region(
                &NewRegion::normalized(0.25, 0.5, 0.5, 0.25)
                    .label("person")
                    .confidence(0.875)
                    .label_id(3),
            )
            .expect("a region");
        let r = &mut added.region;
        r.set_object_id(7);
        r.detection_mut()
            .set_extra_params_json(r#"{"zone":"A","n":2}"#)
            .expect("extra params");
        let age = r.add_tensor("age").expect("age");
        age.set_str("label", "31").unwrap();
        age.set_str("model_name", "age_gender").unwrap();
        age.set_f64("confidence", 0.75).unwrap();
        age.set_i32("label_id", 31).unwrap();
        let gender = r
            .add_tensor("classification_layer_name:prob")
            .expect("gender");
        gender.set_str("attribute_name", "gender").unwrap();
        gender.set_str("label", "female").unwrap();
        gender.set_str("model_name", "age_gender").unwrap();
        // A label without a model name is not an attribute in DL Streamer's JSON.
        let orphan = r.add_tensor("orphan").expect("orphan");
        orphan.set_str("label", "x").unwrap();
        let first = r.as_region().id();

        let mut child = f
            .add_region(&NewRegion::pixels(10, 20, 30, 40))
            .expect("a child region");
        child.region.set_parent_id(first);
        (first, child.region.as_region().id())
    });
    let out = convert(|e| e.set_property("source", "rtsp://cam/1"), vec![buffer]);
    let v = parsed(&out[0]);

    assert_eq!(v["resolution"], json!({"width": 640, "height": 480}));
    assert_eq!(v["timestamp"], json!(40_000_000u64));
    assert_eq!(v["source"], json!("rtsp://cam/1"));
    assert!(v.get("tags").is_none());
    assert!(v.get("system_timestamp").is_none());
    assert!(v.get("tensors").is_none(), "no tensor data unless asked");
    let objects = v["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 2);

    let person = &objects[0];
    assert_eq!(
        person,
        &json!({
            "x": 160, "y": 240, "w": 320, "h": 120,
            "region_id": first,
            "id": 7,
            "roi_type": "person",
            "detection": {
                "bounding_box": {"x_min": 0.25, "y_min": 0.5, "x_max": 0.75, "y_max": 0.75},
                "confidence": 0.875,
                "label_id": 3,
                "label": "person"
            },
            "extra_params": {"zone": "A", "n": 2},
            "age": {"label": "31", "model": {"name": "age_gender"}, "confidence": 0.75, "label_id": 31},
            "gender": {"label": "female", "model": {"name": "age_gender"}}
        })
    );

    // No label, no tracking id, a parent.
    assert_eq!(
        objects[1],
        json!({
            "x": 10, "y": 20, "w": 30, "h": 40,
            "region_id": second,
            "parent_id": first,
            "detection": {
                "bounding_box": {
                    "x_min": 10.0 / 640.0, "y_min": 20.0 / 480.0,
                    "x_max": 40.0 / 640.0, "y_max": 60.0 / 480.0
                },
                "confidence": 0.0
            }
        })
    );
}

#[test]
fn full_frame_classification_is_an_extra_object() {
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        let t = f.add_tensor().expect("a tensor");
        t.set_name("scene").unwrap();
        t.set_str("label", "indoor").unwrap();
        t.set_str("model_name", "scene_net").unwrap();
        t.set_str("layer_name", "prob").unwrap();
        t.set_type("classification_result").unwrap();
        t.set_confidence(0.5);
        t.set_label_id(2);
        let raw = f.add_tensor().expect("a raw tensor");
        raw.set_name("inference_layer_name:out").unwrap();
        raw.set_str("model_name", "raw_net").unwrap();
        raw.set_str("layer_name", "out").unwrap();
        raw.set_precision(Precision::Fp32);
        raw.set_dims(&[1, 2]);
        raw.set_data(&[1.5f32, -2.0].map(f32::to_ne_bytes).concat());
    });

    let out = convert(|_| {}, vec![buffer.copy()]);
    let v = parsed(&out[0]);
    assert_eq!(
        v["objects"],
        json!([{
            "x": 0, "y": 0, "w": 640, "h": 480,
            "scene": {"label": "indoor", "model": {"name": "scene_net"}, "confidence": 0.5, "label_id": 2}
        }])
    );
    assert!(v.get("tensors").is_none());

    let out = convert(|e| e.set_property("add-tensor-data", true), vec![buffer]);
    let v = parsed(&out[0]);
    let classified = json!({
        "precision": "UNSPECIFIED", "layout": "ANY", "name": "scene",
        "model_name": "scene_net", "layer_name": "prob",
        "label": "indoor", "confidence": 0.5, "label_id": 2
    });
    let raw = json!({
        "precision": "FP32", "layout": "ANY", "dims": [1, 2], "name": "inference_layer_name:out",
        "model_name": "raw_net", "layer_name": "out", "data": [1.5, -2.0]
    });
    // The frame object lists every frame tensor; the frame's own list only those without `type`.
    assert_eq!(v["objects"][0]["tensors"], json!([classified, raw]));
    assert_eq!(v["tensors"], json!([raw]));
}

#[test]
fn region_tensors_with_add_tensor_data() {
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        let mut added = f
            .add_region(&NewRegion::pixels(0, 0, 64, 48).label("car").label_id(0))
            .expect("a region");
        added.region.set_object_id(3);
        let color = added.region.add_tensor("color").expect("color");
        color.set_str("label", "red").unwrap();
        color.set_str("model_name", "colors").unwrap();
        color.set_precision(Precision::U8);
        color.set_data(&[0, 255, 7]);
        let mut names = gst::Array::new(["nose", "eye"]);
        color.structure_mut().set("point_names", &names);
        names = gst::Array::new([1u32, 2]);
        color.structure_mut().set("point_connections", &names);
    });
    let out = convert(|e| e.set_property("add-tensor-data", true), vec![buffer]);
    let v = parsed(&out[0]);
    let tensors = &v["objects"][0]["tensors"];
    assert_eq!(
        tensors,
        &json!([
            {"precision": "UNSPECIFIED", "layout": "ANY", "name": "detection",
             "confidence": 0.0, "label_id": 0},
            {"precision": "U8", "layout": "ANY", "name": "color", "model_name": "colors",
             "label": "red", "data": [0, 255, 7],
             "point_names": ["nose", "eye"], "point_connections": [1, 2]}
        ]),
        "the tracking id is not a tensor"
    );
    assert_eq!(v["objects"][0]["id"], json!(3));
    assert!(v.get("tensors").is_none(), "no frame tensors");
}

/// A frame with one tensor of `precision` holding `bytes`; the `data` the element wrote and
/// the tensor's JSON text.
fn tensor_data(precision: Option<Precision>, bytes: &[u8]) -> (Option<Value>, String) {
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        let t = f.add_tensor().expect("a tensor");
        if let Some(p) = precision {
            t.set_precision(p);
        }
        t.set_data(bytes);
    });
    let out = convert(|e| e.set_property("add-tensor-data", true), vec![buffer]);
    let text = message(&out[0]);
    let v: Value = serde_json::from_str(&text).expect("JSON");
    (v["tensors"][0].get("data").cloned(), text)
}

fn bytes<const N: usize, T: Copy>(values: &[T], to: fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|v| to(*v)).collect()
}

#[test]
fn tensor_data_decodes_every_precision_by_its_real_type() {
    let cases: Vec<(Precision, Vec<u8>, Value)> = vec![
        (Precision::U8, vec![0, 7, 255], json!([0, 7, 255])),
        (
            Precision::I8,
            bytes(&[-128i8, -1, 127], i8::to_ne_bytes),
            json!([-128, -1, 127]),
        ),
        (
            Precision::U16,
            bytes(&[0u16, 65535], u16::to_ne_bytes),
            json!([0, 65535]),
        ),
        (
            Precision::I16,
            bytes(&[-32768i16, 300], i16::to_ne_bytes),
            json!([-32768, 300]),
        ),
        (
            Precision::I32,
            bytes(&[-2_000_000_000i32, 5], i32::to_ne_bytes),
            json!([-2_000_000_000i64, 5]),
        ),
        (
            Precision::U32,
            bytes(&[4_000_000_000u32], u32::to_ne_bytes),
            json!([4_000_000_000u64]),
        ),
        (
            Precision::I64,
            bytes(&[i64::MIN, 42], i64::to_ne_bytes),
            json!([i64::MIN, 42]),
        ),
        (
            Precision::U64,
            bytes(&[u64::MAX], u64::to_ne_bytes),
            json!([u64::MAX]),
        ),
        (
            Precision::Fp16,
            bytes(&[0x3c00u16, 0xc100, 0x3555, 0x7bff], u16::to_ne_bytes),
            json!([1.0, -2.5, 0.333251953125, 65504.0]),
        ),
        (
            Precision::Bf16,
            bytes(&[0x3f80u16, 0xc020, 0x3e4d], u16::to_ne_bytes),
            json!([1.0, -2.5, 0.2001953125]),
        ),
        (
            Precision::Fp32,
            bytes(&[1.0f32, -2.5, 0.1], f32::to_ne_bytes),
            json!([1.0, -2.5, f64::from(0.1f32)]),
        ),
        (
            Precision::Fp64,
            bytes(&[0.1f64, -1e300], f64::to_ne_bytes),
            json!([0.1, -1e300]),
        ),
        (
            Precision::Q78,
            bytes(&[256i16, -128, 1], i16::to_ne_bytes),
            json!([1.0, -0.5, 0.00390625]),
        ),
        (Precision::Bool, vec![0, 1], json!([0, 1])),
    ];
    for (precision, raw, expected) in cases {
        let (data, text) = tensor_data(Some(precision), &raw);
        assert_eq!(data, Some(expected), "{precision:?}: {text}");
        assert!(
            text.contains(&format!(r#""precision":"{}""#, precision.as_str())),
            "{text}"
        );
    }
    // Widened float32 prints as nlohmann prints the double it becomes.
    let (_, text) = tensor_data(
        Some(Precision::Fp32),
        &bytes(&[0.1f32, 3.0], f32::to_ne_bytes),
    );
    assert!(
        text.contains(r#""data":[0.10000000149011612,3.0]"#),
        "{text}"
    );
    // No precision: FP32, as DL Streamer reads it.
    let (data, text) = tensor_data(None, &bytes(&[2.0f32], f32::to_ne_bytes));
    assert_eq!(data, Some(json!([2.0])));
    assert!(text.contains(r#""precision":"UNSPECIFIED""#), "{text}");
    // Sub-byte precisions are not decoded; trailing bytes of a partial element are left out.
    assert_eq!(tensor_data(Some(Precision::U4), &[0x21]).0, None);
    assert_eq!(
        tensor_data(Some(Precision::I16), &[1, 0, 9]).0,
        Some(json!([i16::from_ne_bytes([1, 0])]))
    );
}

#[test]
fn empty_frames_get_a_message_only_with_add_empty_results() {
    let out = convert(|_| {}, vec![frame(Some(gst::ClockTime::ZERO))]);
    assert_eq!(messages(&out[0]), Vec::<String>::new());

    let out = convert(
        |e| {
            e.set_property("add-empty-results", true);
            e.set_property("source", "cam");
        },
        vec![frame(Some(gst::ClockTime::from_mseconds(5)))],
    );
    assert_eq!(
        message(&out[0]),
        r#"{"resolution":{"height":480,"width":640},"source":"cam","timestamp":5000000}"#
    );

    // Raw tensors count as results only with add-tensor-data.
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        f.add_tensor().expect("a tensor").set_data(&[0; 4]);
    });
    let out = convert(|_| {}, vec![buffer.copy()]);
    assert!(messages(&out[0]).is_empty());
    let out = convert(|e| e.set_property("add-tensor-data", true), vec![buffer]);
    assert_eq!(
        message(&out[0]),
        r#"{"resolution":{"height":480,"width":640},"tensors":[{"data":[0.0],"layout":"ANY","name":"meta","precision":"UNSPECIFIED"}],"timestamp":0}"#
    );
}

#[test]
fn tags_are_a_json_object() {
    let (buffer, _) = face_frame();
    let out = convert(
        |e| e.set_property("tags", r#"{"camera":"lobby","floor":[1,2]}"#),
        vec![buffer],
    );
    assert_eq!(
        parsed(&out[0])["tags"],
        json!({"camera": "lobby", "floor": [1, 2]})
    );
}

/// The error text of starting `videotestsrc ! gvametaconvert tags=<tags> ! fakesink`.
fn start_error(tags: &str) -> Option<String> {
    init();
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("videotestsrc")
        .property("num-buffers", 2)
        .build()
        .expect("videotestsrc");
    let convert = gst::ElementFactory::make("gvametaconvert")
        .build()
        .expect("gvametaconvert");
    convert.set_property("tags", tags);
    assert_eq!(
        convert.property::<Option<String>>("tags").as_deref(),
        Some(tags)
    );
    let sink = gst::ElementFactory::make("fakesink").build().expect("sink");
    pipeline.add_many([&src, &convert, &sink]).unwrap();
    gst::Element::link_many([&src, &convert, &sink]).unwrap();
    let _ = pipeline.set_state(gst::State::Playing);
    let bus = pipeline.bus().expect("a bus");
    let mut error = None;
    for message in bus.iter_timed(gst::ClockTime::from_seconds(10)) {
        match message.view() {
            gst::MessageView::Error(e) => {
                error = Some(e.error().to_string());
                break;
            }
            gst::MessageView::Eos(_) => break,
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null).expect("stops");
    error
}

#[test]
fn tags_that_are_not_an_object_fail_the_start_clearly() {
    let error = start_error("[1,2]").expect("an error");
    assert!(
        error.contains("tags must be a JSON object") && error.contains("[1,2]"),
        "{error}"
    );
    let error = start_error("{camera: lobby").expect("an error");
    assert!(error.contains("tags is not valid JSON"), "{error}");
    assert_eq!(start_error(r#"{"camera":"lobby"}"#), None);
}

#[test]
fn timestamp_is_the_stream_time_of_the_pts() {
    let mut h = harness(|e| e.set_property("add-empty-results", true));
    let mut segment = gst::FormattedSegment::<gst::ClockTime>::new();
    segment.set_start(gst::ClockTime::SECOND);
    segment.set_time(gst::ClockTime::from_seconds(10));
    assert!(h.push_event(gst::event::Segment::new(&segment)));
    h.push(frame(Some(gst::ClockTime::from_mseconds(1500))))
        .unwrap();
    h.push(frame(None)).unwrap();
    let with_pts = parsed(&h.pull().unwrap());
    assert_eq!(with_pts["timestamp"], json!(10_500_000_000u64));
    let without = parsed(&h.pull().unwrap());
    assert!(without.get("timestamp").is_none(), "{without}");
}

/// A face frame with a time code 07:08:09 + 2 frames at 4 fps (0.5 s) on 2024-05-06 in UTC+2.
fn time_coded_frame() -> gst::Buffer {
    init();
    let (mut buffer, _) = face_frame();
    // `new` is the constructor every GLib version has (`from_offset` needs a glib-rs feature).
    #[allow(deprecated)]
    let zone = gst::glib::TimeZone::new(Some("+02:00"));
    let jam = gst::glib::DateTime::new(&zone, 2024, 5, 6, 0, 0, 0.0).expect("a date");
    let tc = gst_video::ValidVideoTimeCode::new(
        gst::Fraction::new(4, 1),
        Some(&jam),
        gst_video::VideoTimeCodeFlags::empty(),
        7,
        8,
        9,
        2,
        0,
    )
    .expect("a time code");
    gst_video::VideoTimeCodeMeta::add(buffer.get_mut().unwrap(), &tc);
    buffer
}

#[test]
fn system_timestamp_comes_from_the_time_code() {
    let system = |utc: bool, micro: bool| {
        let out = convert(
            |e| {
                e.set_property("timestamp-utc", utc);
                e.set_property("timestamp-microseconds", micro);
            },
            vec![time_coded_frame()],
        );
        parsed(&out[0])["system_timestamp"].clone()
    };
    assert_eq!(system(false, false), json!("2024-05-06T07:08:09.500:+0200"));
    assert_eq!(
        system(false, true),
        json!("2024-05-06T07:08:09.500000:+0200")
    );
    assert_eq!(system(true, false), json!("2024-05-06T05:08:09.500Z"));
    assert_eq!(system(true, true), json!("2024-05-06T05:08:09.500000Z"));

    let (plain, _) = face_frame();
    let out = convert(|_| {}, vec![plain]);
    assert!(parsed(&out[0]).get("system_timestamp").is_none());
}

#[test]
fn every_frame_passes_once_in_order() {
    let buffers: Vec<gst::Buffer> = (0..6)
        .map(|i| {
            let (mut b, _) = face_frame();
            b.get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_mseconds(i * 10));
            b
        })
        .collect();
    let out = convert(|_| {}, buffers);
    let stamps: Vec<Value> = out.iter().map(|b| parsed(b)["timestamp"].clone()).collect();
    let expected: Vec<Value> = (0..6u64).map(|i| json!(i * 10_000_000)).collect();
    assert_eq!(stamps, expected);
}

#[test]
fn dump_detection_logs_instead_of_attaching() {
    init();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    gst::log::set_active(true);
    gst::log::set_threshold_for_name("gvametaconvert", gst::DebugLevel::Info);
    let log = gst::log::add_log_function(move |cat, level, _, _, _, _, message| {
        if cat.name() == "gvametaconvert"
            && level == gst::DebugLevel::Info
            && let Some(text) = message.get()
        {
            sink.lock().unwrap().push(text.to_string());
        }
    });
    let mut buffer = frame(Some(gst::ClockTime::ZERO));
    with_meta(&mut buffer, |f| {
        let mut added = f
            .add_region(&NewRegion::pixels(64, 48, 128, 96).label("dumped"))
            .unwrap();
        added.region.set_object_id(7);
    });
    let out = convert(
        |e| e.set_property_from_str("format", "dump-detection"),
        vec![buffer],
    );
    gst::log::remove_log_function(log);
    assert!(messages(&out[0]).is_empty(), "no JSON in dump-detection");
    let lines = lines.lock().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l == "Detection: id: 7, x: 64, y: 48, w: 128, h: 96, roi_type: dumped"),
        "{lines:?}"
    );
}

#[test]
fn handoff_sees_each_buffer_with_its_json() {
    let seen = Arc::new(Mutex::new(Vec::<usize>::new()));
    let record = seen.clone();
    let (first, _) = face_frame();
    let (second, _) = face_frame();
    let out = convert(
        move |e| {
            e.set_property("signal-handoffs", true);
            e.connect("handoff", false, move |args| {
                let buffer = args[1].get::<gst::Buffer>().expect("a buffer");
                record.lock().unwrap().push(messages(&buffer).len());
                None
            });
        },
        vec![first, second],
    );
    assert_eq!(*seen.lock().unwrap(), vec![1, 1]);
    assert_eq!(out.len(), 2);
}

#[test]
fn other_media_pass_through_without_json() {
    init();
    let mut h = Harness::new("gvametaconvert");
    h.element().unwrap().set_property("add-empty-results", true);
    h.set_src_caps_str("application/x-unknown");
    let (buffer, _) = face_frame();
    h.push(buffer).unwrap();
    let out = h.pull().unwrap();
    assert!(messages(&out).is_empty());
    assert_eq!(VideoFrame::new(out.as_ref(), info()).regions().count(), 1);
}

#[test]
fn properties_have_dlstreamer_defaults() {
    init();
    let e = gst::ElementFactory::make("gvametaconvert").build().unwrap();
    assert_eq!(
        e.property_value("format").serialize().ok().as_deref(),
        Some("json")
    );
    assert!(!e.property::<bool>("add-tensor-data"));
    assert!(!e.property::<bool>("add-empty-results"));
    assert!(!e.property::<bool>("signal-handoffs"));
    assert!(!e.property::<bool>("timestamp-utc"));
    assert!(!e.property::<bool>("timestamp-microseconds"));
    assert_eq!(e.property::<i32>("json-indent"), -1);
    assert_eq!(e.property::<Option<String>>("source"), None);
    assert_eq!(e.property::<Option<String>>("tags"), None);
    let spec = e.find_property("json-indent").unwrap();
    let spec = spec.downcast_ref::<gst::glib::ParamSpecInt>().unwrap();
    assert_eq!((spec.minimum(), spec.maximum()), (-1, 10));
}
