//! Batching, `boxes_labels`, inference on regions (all three elements), `reclassify-interval`,
//! model-proc keys in the results, the model's own name, and the start errors of the
//! backend and scheduling properties.

mod common;

use std::path::PathBuf;

use gst::prelude::*;

use common::{frame, info, init, model, run, run_buffers};
use gva_meta::{NewRegion, Rect, VideoFrame};

const F32: &str = "ie-config=INFERENCE_PRECISION_HINT=f32";

/// The generated detectors' grid cell (row, col) of frame `i` of a moving block.
fn cell(i: usize) -> (usize, usize) {
    (i % 8, (i * 3 + 1) % 8)
}

/// `(label, rect)` of each region of a BGR frame of `width` x `height`.
fn regions(buffer: &gst::Buffer, width: u32, height: u32) -> Vec<(String, Rect<u32>)> {
    VideoFrame::new(buffer.as_ref(), info(width, height))
        .regions()
        .map(|r| (r.label().unwrap_or_default().to_owned(), r.rect()))
        .collect()
}

#[test]
fn batches_of_three_keep_every_frame_in_order_and_flush_a_partial_batch() {
    let frames: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let (row, col) = cell(i);
            frame(64, 64, (8 * col, 8 * row, 8, 8), [0, 0, 255])
        })
        .collect();
    let element = format!(
        "gvadetect model={} model-proc={} {F32} batch-size=3 nireq=2",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let out = run(&element, 64, 64, &frames).unwrap();
    assert_eq!(out.len(), 10, "10 frames in batches 3+3+3+1");
    for (i, buffer) in out.iter().enumerate() {
        let (row, col) = cell(i);
        assert_eq!(
            buffer.pts(),
            Some(gst::ClockTime::from_mseconds(33 * i as u64))
        );
        assert_eq!(
            regions(buffer, 64, 64),
            [(
                "red".to_owned(),
                Rect::new(8 * col as u32, 8 * row as u32, 8, 8)
            )],
            "frame {i}"
        );
    }
}

#[test]
fn batch_size_with_skipped_frames_and_several_formats() {
    // Every other frame inferred: a skipped frame flushes the partial batch before it passes.
    let frames: Vec<Vec<u8>> = (0..7)
        .map(|i| frame(64, 64, (8 * i, 0, 8, 8), [0, 255, 0]))
        .collect();
    let element = format!(
        "videoconvert ! video/x-raw,format=BGRx ! gvadetect model={} model-proc={} {F32} \
         batch-size=2 inference-interval=2 ! videoconvert ! video/x-raw,format=BGR",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let out = run(&element, 64, 64, &frames).unwrap();
    assert_eq!(out.len(), 7);
    for (i, buffer) in out.iter().enumerate() {
        let expected: Vec<(String, Rect<u32>)> = if i % 2 == 0 {
            vec![("green".to_owned(), Rect::new(8 * i as u32, 0, 8, 8))]
        } else {
            vec![]
        };
        assert_eq!(regions(buffer, 64, 64), expected, "frame {i}");
    }
}

#[test]
fn boxes_labels_detections_become_regions_with_the_model_proc_keys() {
    let frames = vec![frame(64, 64, (40, 24, 8, 8), [0, 0, 255])];
    let element = format!(
        "gvadetect model={} model-proc={} {F32}",
        model("detector_boxes.xml"),
        model("detector_boxes.json")
    );
    let out = run(&element, 64, 64, &frames).unwrap();
    let frame = VideoFrame::new(out[0].as_ref(), info(64, 64));
    let found: Vec<_> = frame.regions().collect();
    assert_eq!(found.len(), 1);
    let roi = &found[0];
    assert_eq!(roi.label().unwrap(), "red");
    assert_eq!(roi.rect(), Rect::new(40, 24, 8, 8));
    let detection = roi.detection().expect("a detection structure");
    assert_eq!(detection.label_id().unwrap(), 2);
    assert_eq!(detection.confidence().unwrap(), 1.0);
    // DL Streamer copies the model-proc item into the detection structure.
    assert_eq!(detection.get_str("converter").unwrap(), "boxes_labels");
    let labels = detection
        .structure()
        .get::<gst::Array>("labels")
        .expect("labels array");
    let labels: Vec<String> = labels.iter().map(|v| v.get().unwrap()).collect();
    assert_eq!(labels, ["blue", "green", "red"]);
}

/// A black 128x128 BGR frame with a red 8x8 block at (80, 48) inside the region `car`
/// (64, 32, 64, 64) and a green block at (8, 8) inside the region `person` (0, 0, 32, 32).
fn frame_with_regions() -> gst::Buffer {
    init();
    let mut data = frame(128, 128, (80, 48, 8, 8), [0, 0, 255]);
    let green = frame(128, 128, (8, 8, 8, 8), [0, 255, 0]);
    for (d, g) in data.iter_mut().zip(green) {
        *d = (*d).max(g);
    }
    let mut buffer = gst::Buffer::from_slice(data);
    {
        let mut frame = VideoFrame::new(buffer.make_mut(), info(128, 128));
        frame
            .add_region(&NewRegion::pixels(64, 32, 64, 64).label("car"))
            .unwrap();
        frame
            .add_region(&NewRegion::pixels(0, 0, 32, 32).label("person"))
            .unwrap();
    }
    buffer
}

#[test]
fn gvadetect_on_regions_maps_boxes_to_the_frame_and_sets_parent_id() {
    let element = format!(
        "gvadetect model={} model-proc={} {F32} inference-region=roi-list object-class=car",
        model("detector_ssd.xml"),
        model("detector_ssd.json")
    );
    let out = run_buffers("BGR", &element, 128, 128, vec![frame_with_regions()]).unwrap();
    let frame = VideoFrame::new(out[0].as_ref(), info(128, 128));
    let car = frame
        .regions()
        .find(|r| r.label().unwrap() == "car")
        .unwrap()
        .id();
    let found: Vec<_> = frame
        .regions()
        .filter(|r| r.label().unwrap() != "car" && r.label().unwrap() != "person")
        .map(|r| (r.label().unwrap().to_owned(), r.rect(), r.parent_id()))
        .collect();
    // The car region is the model's 64x64 input as it is: the block is at (16, 16) in it.
    // The green block is in the person region, which object-class leaves out.
    assert_eq!(found, [("red".to_owned(), Rect::new(80, 48, 8, 8), car)]);
    let detection = frame
        .regions()
        .find(|r| r.label().unwrap() == "red")
        .unwrap()
        .detection()
        .unwrap()
        .structure()
        .to_owned();
    assert_eq!(detection.get::<f64>("x_min").unwrap(), 80.0 / 128.0);
    assert_eq!(detection.get::<f64>("y_max").unwrap(), 56.0 / 128.0);
}

#[test]
fn gvainference_on_regions_attaches_tensors_to_each_region() {
    init();
    let mut data = vec![0u8; 64 * 64 * 3];
    for px in data.chunks_exact_mut(3) {
        px.copy_from_slice(&[30, 60, 90]);
    }
    let mut buffer = gst::Buffer::from_slice(data);
    VideoFrame::new(buffer.make_mut(), info(64, 64))
        .add_region(&NewRegion::pixels(10, 20, 40, 30).label("thing"))
        .unwrap();
    let element = format!(
        "gvainference model={} model-proc={} {F32} inference-region=roi-list",
        model("multi_output.xml"),
        model("multi_output.json")
    );
    let out = run_buffers("BGR", &element, 64, 64, vec![buffer]).unwrap();
    let frame = VideoFrame::new(out[0].as_ref(), info(64, 64));
    assert_eq!(frame.tensors().count(), 0, "results go to the region");
    let roi = frame.regions().next().unwrap();
    let tensors: Vec<(String, String, String)> = roi
        .tensors()
        .filter(|t| !t.is_detection())
        .map(|t| {
            (
                t.name().to_owned(),
                t.model_name().unwrap().to_owned(),
                t.layer_name().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        tensors,
        [
            (
                "mean_bgr".to_owned(),
                "multi_output".to_owned(),
                "mean_bgr".to_owned()
            ),
            (
                "max_value".to_owned(),
                "multi_output".to_owned(),
                "max_value".to_owned()
            ),
        ]
    );
    let mean = roi.param("mean_bgr").unwrap().data().unwrap();
    let mean: Vec<f32> = mean
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes(b.try_into().unwrap()))
        .collect();
    assert_eq!(mean, [30.0, 60.0, 90.0]);
}

#[test]
fn reclassify_interval_reuses_the_results_of_tracked_objects() {
    init();
    // Six 32x32 frames whose colour changes; region "tracked" has object_id 5, region
    // "untracked" none. With reclassify-interval=3 the tracked one is classified on frames 0
    // and 3 only and keeps those results in between; the untracked one every frame.
    let colours: [[u8; 3]; 6] = [
        [0, 0, 255],
        [0, 255, 0],
        [0, 255, 0],
        [255, 0, 0],
        [0, 255, 0],
        [0, 0, 255],
    ];
    let buffers = colours
        .iter()
        .map(|bgr| {
            let mut buffer = gst::Buffer::from_slice(bgr.repeat(32 * 32));
            let mut frame = VideoFrame::new(buffer.make_mut(), info(32, 32));
            let mut tracked = frame
                .add_region(&NewRegion::pixels(0, 0, 32, 32).label("tracked"))
                .unwrap();
            tracked.region.set_object_id(5);
            frame
                .add_region(&NewRegion::pixels(0, 0, 32, 32).label("untracked"))
                .unwrap();
            buffer
        })
        .collect();
    let element = format!(
        "gvaclassify model={} model-proc={} {F32} reclassify-interval=3",
        model("classifier.xml"),
        model("classifier.json")
    );
    let out = run_buffers("BGR", &element, 32, 32, buffers).unwrap();
    let labels = |buffer: &gst::Buffer, region: &str| -> Vec<String> {
        let frame = VideoFrame::new(buffer.as_ref(), info(32, 32));
        let roi = frame
            .regions()
            .find(|r| r.label().unwrap() == region)
            .unwrap();
        roi.tensors()
            .filter(|t| t.name() == "color")
            .map(|t| t.label().unwrap().to_owned())
            .collect()
    };
    let tracked: Vec<Vec<String>> = out.iter().map(|b| labels(b, "tracked")).collect();
    let untracked: Vec<Vec<String>> = out.iter().map(|b| labels(b, "untracked")).collect();
    let one = |s: &str| vec![s.to_owned()];
    assert_eq!(
        tracked,
        [
            one("red"),
            one("red"),
            one("red"),
            one("blue"),
            one("blue"),
            one("blue")
        ]
    );
    assert_eq!(
        untracked,
        [
            one("red"),
            one("green"),
            one("green"),
            one("blue"),
            one("green"),
            one("red")
        ]
    );
}

#[test]
fn model_name_is_the_models_own_name_not_the_file_name() {
    let dir = std::env::temp_dir().join(format!("gva-model-name-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["xml", "bin"] {
        std::fs::copy(
            model(&format!("classifier.{ext}")),
            dir.join(format!("renamed.{ext}")),
        )
        .unwrap();
    }
    let element = format!(
        "gvainference model={} {F32}",
        dir.join("renamed.xml").display()
    );
    let out = run(&element, 32, 32, &[vec![0u8; 32 * 32 * 3]]).unwrap();
    let frame = VideoFrame::new(out[0].as_ref(), info(32, 32));
    let names: Vec<String> = frame
        .tensors()
        .map(|t| t.model_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["classifier"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_elements_with_one_model_instance_id_both_infer() {
    let element = format!(
        "gvainference name=a model={m} {F32} model-instance-id=shared \
         ! gvainference name=b model={m} {F32} model-instance-id=shared",
        m = model("classifier.xml")
    );
    let red = [0u8, 0, 255].repeat(32 * 32);
    let out = run(&element, 32, 32, &[red]).unwrap();
    let frame = VideoFrame::new(out[0].as_ref(), info(32, 32));
    let results: Vec<(String, Vec<u8>)> = frame
        .tensors()
        .map(|t| {
            (
                t.element_id().unwrap().to_owned(),
                t.data().unwrap().to_vec(),
            )
        })
        .collect();
    let red_share: Vec<u8> = [0f32, 0.0, 1.0]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect();
    assert_eq!(
        results,
        [
            ("shared".to_owned(), red_share.clone()),
            ("shared".to_owned(), red_share)
        ]
    );
}

#[test]
fn backend_and_scheduling_values_are_checked_at_start() {
    let start = |extra: &str| {
        run(
            &format!("gvadetect model={} {extra}", model("detector_ssd.xml")),
            64,
            64,
            &[vec![0u8; 64 * 64 * 3]],
        )
    };
    let err = start("pre-process-backend=vaapi").unwrap_err();
    assert!(err.contains("'vaapi'") && err.contains("VA-API"), "{err}");
    let err = start("pre-process-backend=cuda").unwrap_err();
    assert!(err.contains("unknown pre-process-backend 'cuda'"), "{err}");
    let err = start("scheduling-policy=fast").unwrap_err();
    assert!(err.contains("unknown scheduling-policy 'fast'"), "{err}");
    assert!(start("pre-process-backend=opencv scheduling-policy=latency").is_ok());
}

#[test]
fn a_deprecated_converter_name_works_and_posts_one_warning() {
    init();
    let dir = std::env::temp_dir().join(format!("gva-deprecated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let proc_path = dir.join("classifier.json");
    let text = std::fs::read_to_string(model("classifier.json"))
        .unwrap()
        .replace(
            "\"converter\": \"label\"",
            "\"converter\": \"tensor_to_label\"",
        );
    assert!(text.contains("tensor_to_label"));
    std::fs::write(&proc_path, text).unwrap();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=2 pattern=red ! video/x-raw,format=BGR,width=32,height=32 \
         ! gvaclassify inference-region=full-frame model={} model-proc={} {F32} ! fakesink",
        model("classifier.xml"),
        proc_path.display()
    ))
    .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let mut warnings = Vec::new();
    for msg in bus.iter_timed(gst::ClockTime::from_seconds(20)) {
        match msg.view() {
            gst::MessageView::Warning(w) => warnings.push(w.error().to_string()),
            gst::MessageView::Eos(_) => break,
            gst::MessageView::Error(e) => panic!("{}", e.error()),
            _ => {}
        }
    }
    pipeline.set_state(gst::State::Null).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("tensor_to_label") && warnings[0].contains("label"),
        "{}",
        warnings[0]
    );
}

#[test]
fn nhwc_models_like_tflite_take_frames_of_every_format_and_regions() {
    // classifier_nhwc is the classifier with an [N, H, W, C] input: same frames, same labels.
    init();
    let labels = |model_name: &str, format: &str, region: bool| -> Vec<String> {
        let mut bgr = frame(64, 64, (0, 0, 64, 64), [200, 10, 10]); // blue
        for (i, px) in bgr.chunks_exact_mut(3).enumerate() {
            if (i % 64) >= 32 {
                px.copy_from_slice(&[10, 10, 200]); // right half red
            }
        }
        let mut buffer = gst::Buffer::from_slice(common::packed_as(&bgr, format));
        if region {
            VideoFrame::new(buffer.make_mut(), info(64, 64))
                .add_region(&NewRegion::pixels(32, 0, 32, 64).label("right"))
                .unwrap();
        }
        let where_ = if region { "roi-list" } else { "full-frame" };
        let element = format!(
            "gvaclassify model={} model-proc={} {F32} inference-region={where_}",
            model(&format!("{model_name}.xml")),
            model(&format!("{model_name}.json"))
        );
        let out = run_buffers(format, &element, 64, 64, vec![buffer]).unwrap();
        let frame = VideoFrame::new(out[0].as_ref(), info(64, 64));
        let mut found: Vec<String> = frame
            .tensors()
            .map(|t| t.label().unwrap().to_owned())
            .collect();
        for r in frame.regions() {
            found.extend(
                r.tensors()
                    .filter(|t| !t.is_detection())
                    .map(|t| t.label().unwrap().to_owned()),
            );
        }
        found
    };
    for format in ["BGR", "RGBx"] {
        // Half blue (200) and half red (200): a tie, broken towards the lower index (blue).
        assert_eq!(labels("classifier", format, false), ["blue"], "{format}");
        assert_eq!(
            labels("classifier_nhwc", format, false),
            ["blue"],
            "{format}"
        );
        assert_eq!(labels("classifier", format, true), ["red"], "{format}");
        assert_eq!(labels("classifier_nhwc", format, true), ["red"], "{format}");
    }
}

/// A region found: its label and box.
type Found = (String, Rect<u32>);

/// The picture the mapping tests infer on: 128x64, black, a red block at x 80..96, y 16..32.
/// With `resize: aspect-ratio` the model sees it padded to 128x128 (black below), resized to
/// 64x64; with `crop: central` its middle 64x64 (x 32..96) as it is. The block is cell (row 1,
/// col 5) of the padded view, and cells (rows 2-3, cols 6-7) of the crop: either way its
/// regions must come back where the block is. Each case: its name, the model-proc written
/// for it, and the regions expected on the picture.
fn mapping_cases() -> Vec<(&'static str, PathBuf, Vec<Found>)> {
    let dir = std::env::temp_dir().join(format!("gva-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let red = |x, y, size| ("red".to_owned(), Rect::new(x, y, size, size));
    [
        (
            "aspect",
            r#""resize": "aspect-ratio""#,
            vec![red(80, 16, 16)],
        ),
        (
            "crop",
            r#""crop": "central""#,
            vec![
                red(80, 16, 8),
                red(88, 16, 8),
                red(80, 24, 8),
                red(88, 24, 8),
            ],
        ),
    ]
    .into_iter()
    .map(|(name, params, expected)| {
        let path = dir.join(format!("{name}.json"));
        std::fs::write(
            &path,
            format!(
                r#"{{"json_schema_version": "2.2.0",
                    "input_preproc": [{{"format": "image", "layer_name": "image",
                                        "params": {{{params}}}}}],
                    "output_postproc": [{{"layer_name": "detection_out",
                                          "converter": "detection_output",
                                          "labels": ["blue", "green", "red"]}}]}}"#
            ),
        )
        .unwrap();
        (name, path, expected)
    })
    .collect()
}

#[test]
fn boxes_map_back_through_aspect_ratio_padding_and_crops() {
    let frame = frame(128, 64, (80, 16, 16, 16), [0, 0, 255]);
    for (name, model_proc, expected) in mapping_cases() {
        let element = format!(
            "gvadetect model={} model-proc={} {F32}",
            model("detector_ssd.xml"),
            model_proc.display()
        );
        let out = run(&element, 128, 64, std::slice::from_ref(&frame)).unwrap();
        assert_eq!(regions(&out[0], 128, 64), expected, "{name}");
    }
}

#[test]
fn regions_are_padded_and_cropped_as_the_model_proc_says_like_whole_frames() {
    // The same picture as a region at (32, 40) of a 192x128 frame (DL Streamer pre-processes
    // a region as it does a frame: aspect-ratio padding black right or bottom, beyond the
    // region, not the frame's pixels there; the crop inside the region), in every colour
    // format family (YUV padding must be black too: other values are a colour the detector
    // sees). The boxes found are the whole frame's, moved by the region's place; the region
    // stretched to the model's square would give other boxes.
    let (ox, oy) = (32usize, 40usize);
    let frame = frame(192, 128, (ox + 80, oy + 16, 16, 16), [0, 0, 255]);
    for (name, model_proc, expected) in mapping_cases() {
        let expected: Vec<Found> = expected
            .into_iter()
            .map(|(label, r)| (label, Rect::new(r.x + ox as u32, r.y + oy as u32, r.w, r.h)))
            .collect();
        for format in ["BGR", "RGBx", "NV12", "I420"] {
            let element = format!(
                "videoconvert ! video/x-raw,format={format} \
                 ! gvaattachroi roi={ox},{oy},{},{} \
                 ! gvadetect inference-region=roi-list model={} model-proc={} {F32}",
                ox + 128,
                oy + 64,
                model("detector_ssd.xml"),
                model_proc.display()
            );
            let out = run(&element, 192, 128, std::slice::from_ref(&frame)).unwrap();
            let found: Vec<_> = regions(&out[0], 192, 128)
                .into_iter()
                .filter(|(label, _)| !label.is_empty())
                .collect();
            assert_eq!(found, expected, "{name}, {format}");
        }
    }
}

#[test]
fn the_model_is_read_once_at_start_and_compiled_from_what_was_read() {
    // The model file goes away once the element has started: the compilation at caps uses
    // the model read at start (reading it again would fail).
    init();
    let dir = std::env::temp_dir().join(format!("gva-read-at-start-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["xml", "bin"] {
        std::fs::copy(
            model(&format!("detector_ssd.{ext}")),
            dir.join(format!("detector_ssd.{ext}")),
        )
        .unwrap();
    }
    let (pipeline, src, sink) = common::app_pipeline(&format!(
        "appsrc name=src format=time caps=video/x-raw,format=BGR,width=64,height=64,framerate=30/1 \
         ! gvadetect model={} model-proc={} {F32} ! appsink name=sink sync=false",
        dir.join("detector_ssd.xml").display(),
        model("detector_ssd.json"),
    ))
    .unwrap();
    // READY -> PAUSED starts the element (before any caps).
    let _ = pipeline.set_state(gst::State::Paused).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    src.push_buffer(gst::Buffer::from_slice(frame(
        64,
        64,
        (40, 24, 8, 8),
        [0, 0, 255],
    )))
    .unwrap();
    let sample = sink
        .try_pull_sample(gst::ClockTime::from_seconds(20))
        .unwrap_or_else(|| {
            let bus = pipeline.bus().unwrap();
            let error = bus.pop_filtered(&[gst::MessageType::Error]);
            panic!("no frame: {error:?}")
        });
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(
        regions(&sample.buffer_owned().unwrap(), 64, 64),
        [("red".to_owned(), Rect::new(40, 24, 8, 8))]
    );
}
