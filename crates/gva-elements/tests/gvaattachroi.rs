//! `gvaattachroi`: regions from the `roi` property and from JSON files in the three modes,
//! gvametaconvert output replayed, and bad input failing before the first frame with a message
//! naming the problem.

mod common;

use std::path::PathBuf;

use gst::prelude::*;
use gva_meta::{Precision, VideoFrame};

const W: usize = 64;
const H: usize = 48;

/// `n` black BGR frames.
fn frames(n: usize) -> Vec<gst::Buffer> {
    common::init();
    (0..n)
        .map(|_| gst::Buffer::from_slice(vec![0u8; W * H * 3]))
        .collect()
}

/// A region as the test compares it: label, x, y, w, h, confidence, label_id.
type Seen = (String, u32, u32, u32, u32, f64, Option<i32>);

/// The regions of each buffer.
fn regions(buffers: &[gst::Buffer]) -> Vec<Vec<Seen>> {
    buffers
        .iter()
        .map(|b| {
            VideoFrame::new(b.as_ref(), common::info(W as u32, H as u32))
                .regions()
                .map(|r| {
                    let rect = r.rect();
                    (
                        r.label().unwrap().to_owned(),
                        rect.x,
                        rect.y,
                        rect.w,
                        rect.h,
                        r.confidence().unwrap(),
                        r.label_id().ok(),
                    )
                })
                .collect()
        })
        .collect()
}

fn region(label: &str, x: u32, y: u32, w: u32, h: u32) -> Seen {
    (label.to_owned(), x, y, w, h, 0.0, None)
}

/// `text` written to a file of the test's own temp folder.
fn json(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gvaattachroi-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

fn run(element: &str, n: usize) -> common::Outcome {
    common::run_collecting("BGR", element, W, H, frames(n))
}

/// Runs `element` on 3 frames and returns its error, checking that no frame came out.
fn error(element: &str) -> String {
    let outcome = run(element, 3);
    assert!(outcome.buffers.is_empty(), "{element}: frames came out");
    outcome
        .error
        .unwrap_or_else(|| panic!("{element}: no error"))
}

#[test]
fn roi_property_puts_one_region_on_every_frame_of_any_format() {
    let outcome = run("gvaattachroi roi=10,20,42,44", 4);
    assert_eq!(outcome.error, None);
    assert_eq!(
        regions(&outcome.buffers),
        vec![vec![region("", 10, 20, 32, 24)]; 4]
    );
    // Any raw video: only the size is used (GRAY8 here, odd size).
    let gray = (0..2)
        .map(|_| gst::Buffer::from_slice(vec![0u8; 36 * 21]))
        .collect();
    let outcome = common::run_collecting("GRAY8", "gvaattachroi roi=1,2,35,21", 35, 21, gray);
    assert_eq!(outcome.error, None);
    assert_eq!(
        regions(&outcome.buffers),
        vec![vec![region("", 1, 2, 34, 19)]; 2]
    );
}

#[test]
fn in_order_attaches_entry_n_to_frame_n_and_warns_once_past_the_end() {
    let path = json(
        "in_order.json",
        r#"[{"objects": [{"x": 1, "y": 2, "w": 3, "h": 4}]},
            {},
            {"objects": [{"x": 5, "y": 6, "w": 7, "h": 8, "roi_type": "zone"},
                         {"x": 0, "y": 0, "w": 64, "h": 48}]}]"#,
    );
    let outcome = run(&format!("gvaattachroi file-path={}", path.display()), 5);
    assert_eq!(outcome.error, None);
    assert_eq!(
        regions(&outcome.buffers),
        vec![
            vec![region("", 1, 2, 3, 4)],
            vec![],
            vec![region("zone", 5, 6, 7, 8), region("", 0, 0, 64, 48)],
            vec![],
            vec![],
        ]
    );
    assert_eq!(
        outcome.warnings,
        vec![
            "gvaattachroi: the stream has more frames than the JSON file has entries (3): frames \
             from number 3 on get no regions from it (mode=in-loop starts over instead)"
                .to_owned()
        ]
    );
}

#[test]
fn in_loop_starts_over() {
    let path = json(
        "in_loop.json",
        "{\"objects\": [{\"x\": 1, \"y\": 1, \"w\": 2, \"h\": 2}]}\n\
         {\"objects\": [{\"x\": 3, \"y\": 3, \"w\": 4, \"h\": 4}]}\n",
    );
    let outcome = run(
        &format!("gvaattachroi file-path={} mode=in-loop", path.display()),
        5,
    );
    assert_eq!(outcome.error, None);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    let a = vec![region("", 1, 1, 2, 2)];
    let b = vec![region("", 3, 3, 4, 4)];
    assert_eq!(
        regions(&outcome.buffers),
        vec![a.clone(), b.clone(), a.clone(), b, a]
    );
}

#[test]
fn by_timestamp_matches_the_stream_time() {
    // Frames are 33 ms apart: frame 2 is at 66 ms. An entry at 1 ns matches no frame.
    let path = json(
        "by_timestamp.json",
        r#"[{"timestamp": 66000000, "objects": [{"x": 2, "y": 2, "w": 2, "h": 2}]},
            {"timestamp": 1, "objects": [{"x": 9, "y": 9, "w": 9, "h": 9}]},
            {"timestamp": 0, "objects": [{"x": 1, "y": 1, "w": 1, "h": 1}]}]"#,
    );
    let outcome = run(
        &format!(
            "gvaattachroi file-path={} mode=by-timestamp",
            path.display()
        ),
        4,
    );
    assert_eq!(outcome.error, None);
    assert_eq!(
        regions(&outcome.buffers),
        vec![
            vec![region("", 1, 1, 1, 1)],
            vec![],
            vec![region("", 2, 2, 2, 2)],
            vec![]
        ]
    );
}

#[test]
fn detections_labels_and_tensors_like_gvametaconvert_writes_them() {
    let path = json(
        "tensors.json",
        r#"[{"objects": [{"detection": {"bounding_box": {"x_min": 0.25, "y_min": 0.5,
                                                         "x_max": 0.75, "y_max": 1.0},
                                        "confidence": 0.875, "label": "face", "label_id": 3},
                          "tensors": [{"name": "landmarks", "format": "landmark_points",
                                       "model_name": "lm", "layer_name": "out",
                                       "data": [0.5, 0.25, 1.5], "dims": [1, 3],
                                       "point_names": ["eye", "nose"],
                                       "precision": "FP16", "confidence": 0.5}]}],
             "tensors": [{"name": "scene", "label": "day", "label_id": 2}]}]"#,
    );
    let outcome = run(&format!("gvaattachroi file-path={}", path.display()), 1);
    assert_eq!(outcome.error, None);
    assert_eq!(
        regions(&outcome.buffers),
        vec![vec![("face".to_owned(), 16, 24, 32, 24, 0.875, Some(3))]]
    );
    let frame = VideoFrame::new(
        outcome.buffers[0].as_ref(),
        common::info(W as u32, H as u32),
    );
    let region = frame.regions().next().unwrap();
    let n = region.normalized_rect().unwrap();
    assert_eq!((n.x, n.y, n.w, n.h), (0.25, 0.5, 0.5, 0.5));
    let tensors: Vec<_> = region.tensors().filter(|t| !t.is_detection()).collect();
    assert_eq!(tensors.len(), 1);
    let t = tensors[0];
    assert_eq!(t.name(), "landmarks");
    assert_eq!(t.format().unwrap(), "landmark_points");
    assert_eq!(t.model_name().unwrap(), "lm");
    assert_eq!(t.layer_name().unwrap(), "out");
    assert_eq!(t.dims().unwrap(), vec![1, 3]);
    assert_eq!(t.confidence().unwrap(), 0.5);
    // The data is stored as 32-bit floats, whatever the file's "precision" said.
    assert_eq!(t.precision().unwrap(), Precision::Fp32);
    let floats: Vec<f32> = t
        .data()
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(floats, vec![0.5, 0.25, 1.5]);
    let names = t.structure().get::<gst::Array>("point_names").unwrap();
    let names: Vec<String> = names.iter().map(|v| v.get::<String>().unwrap()).collect();
    assert_eq!(names, vec!["eye", "nose"]);
    let frame_tensors: Vec<_> = frame.tensors().collect();
    assert_eq!(frame_tensors.len(), 1);
    assert_eq!(frame_tensors[0].name(), "scene");
    assert_eq!(frame_tensors[0].label().unwrap(), "day");
    assert_eq!(frame_tensors[0].label_id().unwrap(), 2);
}

#[test]
fn roi_and_file_together_and_neither() {
    let path = json(
        "both.json",
        r#"[{"objects": [{"x": 1, "y": 1, "w": 2, "h": 2}]}]"#,
    );
    let outcome = run(
        &format!("gvaattachroi roi=0,0,8,8 file-path={}", path.display()),
        1,
    );
    assert_eq!(
        regions(&outcome.buffers),
        vec![vec![region("", 0, 0, 8, 8), region("", 1, 1, 2, 2)]]
    );
    // Neither: DL Streamer's region over the whole frame.
    let outcome = run("gvaattachroi", 2);
    assert_eq!(
        regions(&outcome.buffers),
        vec![vec![region("", 0, 0, 64, 48)]; 2]
    );
}

#[test]
fn gvametapublish_json_lines_replay_onto_the_frames() {
    let source = json(
        "source.json",
        r#"[{"objects": [{"detection": {"bounding_box": {"x_min": 0.125, "y_min": 0.25,
                                                         "x_max": 0.5, "y_max": 0.75},
                                        "confidence": 0.5, "label": "car", "label_id": 1}}]},
            {"objects": [{"x": 10, "y": 12, "w": 20, "h": 22}]},
            {},
            {"objects": [{"x": 3, "y": 4, "w": 5, "h": 6, "roi_type": "cat"}]}]"#,
    );
    let recorded = source.with_file_name("recorded.jsonl");
    let _ = std::fs::remove_file(&recorded);
    let first = run(
        &format!(
            "gvaattachroi file-path={} ! gvametaconvert ! gvametapublish file-format=json-lines \
             file-path={}",
            source.display(),
            recorded.display()
        ),
        4,
    );
    assert_eq!(first.error, None);
    let lines = std::fs::read_to_string(&recorded).unwrap();
    // gvametaconvert writes no record for the frame without regions.
    assert_eq!(lines.lines().count(), 3, "{lines}");
    let replayed = run(
        &format!(
            "gvaattachroi file-path={} mode=by-timestamp",
            recorded.display()
        ),
        4,
    );
    assert_eq!(replayed.error, None);
    assert_eq!(regions(&replayed.buffers), regions(&first.buffers));
    assert_eq!(
        regions(&replayed.buffers)[0],
        vec![("car".to_owned(), 8, 12, 24, 24, 0.5, Some(1))]
    );
}

#[test]
fn malformed_json_fails_the_start() {
    let path = json("malformed.json", "[{\"objects\": [{\"x\": 1,");
    let e = error(&format!("gvaattachroi file-path={}", path.display()));
    assert_eq!(
        e,
        format!(
            "gvaattachroi: {}: not valid JSON: EOF while parsing a value at line 1 column 22",
            path.display()
        )
    );
}

#[test]
fn missing_file_fails_the_start() {
    let e = error("gvaattachroi file-path=/no/such/dir/rois.json");
    assert!(
        e.starts_with(
            "gvaattachroi: cannot read the JSON file '/no/such/dir/rois.json': No such file"
        ),
        "{e}"
    );
}

#[test]
fn wrong_types_name_entry_object_and_key() {
    let path = json(
        "wrong_types.json",
        r#"[{"objects": []}, {"objects": [{"x": 1, "y": 2, "w": "wide", "h": 4}]}]"#,
    );
    let e = error(&format!("gvaattachroi file-path={}", path.display()));
    assert_eq!(
        e,
        format!(
            "gvaattachroi: {}: entry 1, object 0: \"w\" must be a whole number from 0 to \
             4294967295, found the string \"wide\"",
            path.display()
        )
    );
    let path = json(
        "no_timestamp.json",
        r#"[{"timestamp": 0}, {"objects": []}]"#,
    );
    let e = error(&format!(
        "gvaattachroi file-path={} mode=by-timestamp",
        path.display()
    ));
    assert!(e.contains("entry 1: \"timestamp\" is missing"), "{e}");
}

#[test]
fn boxes_out_of_the_frame_fail_before_the_first_frame() {
    let path = json(
        "outside.json",
        r#"[{"objects": [{"x": 0, "y": 0, "w": 4, "h": 4}]},
            {"objects": [{"x": 40, "y": 0, "w": 30, "h": 10}]}]"#,
    );
    let e = error(&format!("gvaattachroi file-path={}", path.display()));
    assert_eq!(
        e,
        "gvaattachroi: entry 1, object 0: the box x 40, y 0, w 30, h 10 reaches outside the \
         64x48 frame"
    );
    let e = error("gvaattachroi roi=0,0,65,10");
    assert_eq!(
        e,
        "gvaattachroi: roi 0,0,65,10 reaches outside the 64x48 frame"
    );
    let path = json(
        "outside_fractions.json",
        r#"[{"objects": [{"detection": {"bounding_box": {"x_min": -0.5, "y_min": 0,
                                                         "x_max": 0.5, "y_max": 1}}}]}]"#,
    );
    let e = error(&format!("gvaattachroi file-path={}", path.display()));
    assert!(
        e.contains("x_min -0.5, y_min 0, x_max 0.5, y_max 1 is not a box inside the frame"),
        "{e}"
    );
}

#[test]
fn malformed_roi_fails_the_start() {
    assert_eq!(
        error("gvaattachroi roi=1,2,3"),
        "gvaattachroi: roi '1,2,3' has 3 values; expected 4: \
         x_top_left,y_top_left,x_bottom_right,y_bottom_right"
    );
    assert!(error("gvaattachroi roi=9,9,3,3").contains("is empty"));
}

#[test]
fn properties_have_dl_streamers_names_and_defaults() {
    common::init();
    let e = gst::ElementFactory::make("gvaattachroi").build().unwrap();
    assert!(e.name().starts_with("gvaattachroi"));
    assert_eq!(e.property::<Option<String>>("file-path"), None);
    assert_eq!(e.property::<Option<String>>("roi"), None);
    assert_eq!(
        e.property_value("mode").serialize().unwrap().as_str(),
        "in-order"
    );
    let values = common::enum_values(&e, "mode");
    assert_eq!(
        values,
        [(0, "in-order"), (1, "in-loop"), (2, "by-timestamp")].map(|(v, n)| (v, n.to_owned()))
    );
    e.set_property_from_str("mode", "by-timestamp");
    assert_eq!(
        e.property_value("mode").serialize().unwrap().as_str(),
        "by-timestamp"
    );
    assert!(
        e.find_property("roi")
            .unwrap()
            .blurb()
            .unwrap()
            .ends_with("x_top_left,y_top_left,x_bottom_right,y_bottom_right")
    );
}
