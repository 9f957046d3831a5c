//! Property names and defaults are DL Streamer's.

mod common;

use gst::glib::translate::IntoGlib;
use gst::prelude::*;
use gva_meta::VideoFrame;

fn element(factory: &str) -> gst::Element {
    common::init();
    gst::ElementFactory::make(factory)
        .build()
        .expect("the element exists")
}

#[test]
fn common_defaults() {
    for factory in ["gvainference", "gvadetect", "gvaclassify"] {
        let e = element(factory);
        assert_eq!(e.property::<Option<String>>("model"), None);
        assert_eq!(e.property::<Option<String>>("model-proc"), None);
        assert_eq!(e.property::<String>("device"), "CPU");
        assert_eq!(e.property::<String>("ie-config"), "");
        assert_eq!(e.property::<u32>("nireq"), 0);
        assert_eq!(e.property::<u32>("inference-interval"), 1);
        assert_eq!(e.property::<Option<String>>("model-instance-id"), None);
        assert_eq!(e.property::<Option<String>>("labels"), None);
        assert_eq!(e.property::<Option<String>>("labels-file"), None);
    }
}

#[test]
fn element_specific_defaults() {
    let detect = element("gvadetect");
    assert_eq!(detect.property::<f32>("threshold"), 0.5);
    let classify = element("gvaclassify");
    assert_eq!(
        classify
            .property_value("inference-region")
            .serialize()
            .ok()
            .as_deref(),
        Some("roi-list")
    );
    assert_eq!(classify.property::<Option<String>>("object-class"), None);
    classify.set_property_from_str("inference-region", "full-frame");
    assert_eq!(
        classify
            .property_value("inference-region")
            .serialize()
            .ok()
            .as_deref(),
        Some("full-frame")
    );
}

/// A region as `(label, x, y, w, h, confidence)`.
type Found = (String, u32, u32, u32, u32, f64);

/// Runs `frames` (64x64 BGR) through `e` in a harness; the regions of each frame that comes out.
fn detect_with(e: &gst::Element, frames: &[Vec<u8>]) -> Vec<Vec<Found>> {
    let mut h = gst_check::Harness::with_element(e, Some("sink"), Some("src"));
    h.set_src_caps_str("video/x-raw,format=BGR,width=64,height=64,framerate=30/1");
    for (i, data) in frames.iter().enumerate() {
        let mut buffer = gst::Buffer::from_slice(data.clone());
        buffer
            .get_mut()
            .unwrap()
            .set_pts(gst::ClockTime::from_mseconds(33 * i as u64));
        h.push(buffer).expect("pushed");
    }
    assert!(h.push_event(gst::event::Eos::new()));
    (0..frames.len())
        .map(|i| {
            let buffer = h.pull().expect("every frame comes out");
            assert_eq!(
                buffer.pts(),
                Some(gst::ClockTime::from_mseconds(33 * i as u64))
            );
            VideoFrame::new(buffer.as_ref(), common::info(64, 64))
                .regions()
                .map(|r| {
                    let rect = r.rect();
                    let label = r.label().expect("a label").to_owned();
                    let confidence = r.confidence().expect("a confidence");
                    (label, rect.x, rect.y, rect.w, rect.h, confidence)
                })
                .collect()
        })
        .collect()
}

#[test]
fn properties_round_trip() {
    // Set as an application sets them, read back, and acted on: `model` is the model that
    // detects, `threshold` 0.25 keeps a detection of confidence 0.30 that the default 0.5
    // drops, `inference-interval` 4 infers frames 0 and 4 of six only.
    let configure = |threshold: Option<f32>| {
        let e = element("gvadetect");
        e.set_property("model", common::model("detector_ssd.xml"));
        e.set_property("model-proc", common::model("detector_ssd.json"));
        e.set_property("ie-config", "INFERENCE_PRECISION_HINT=f32");
        e.set_property("inference-interval", 4u32);
        if let Some(t) = threshold {
            e.set_property("threshold", t);
        }
        e
    };
    let e = configure(Some(0.25));
    assert_eq!(
        e.property::<Option<String>>("model"),
        Some(common::model("detector_ssd.xml"))
    );
    assert_eq!(e.property::<f32>("threshold"), 0.25);
    assert_eq!(e.property::<u32>("inference-interval"), 4);

    // A red block of value 77 on cell (row 3, col 5): the model's confidence is the cell's
    // mean red times f32(1/255), 77/255 = 0.30 (as the model computes it, in f32).
    let frames: Vec<Vec<u8>> = (0..6)
        .map(|_| common::frame(64, 64, (40, 24, 8, 8), [0, 0, 77]))
        .collect();
    let confidence = f64::from(77f32 * (1f32 / 255f32));
    let found = ("red".to_owned(), 40, 24, 8, 8, confidence);
    let regions = detect_with(&e, &frames);
    assert_eq!(
        regions,
        [
            vec![found.clone()],
            vec![],
            vec![],
            vec![],
            vec![found],
            vec![],
        ]
    );
    // The same element with the default threshold (0.5) finds nothing.
    let default = configure(None);
    assert_eq!(default.property::<f32>("threshold"), 0.5);
    assert_eq!(detect_with(&default, &frames), vec![Vec::new(); 6]);
}

#[test]
fn unnamed_elements_get_dl_streamer_default_names() {
    for factory in [
        "gvainference",
        "gvadetect",
        "gvaclassify",
        "gvametaconvert",
        "gvametapublish",
        "gvawatermark",
        "gvafpscounter",
    ] {
        let name = element(factory).name();
        let number = name
            .strip_prefix(factory)
            .unwrap_or_else(|| panic!("{factory}: default name {name}"));
        assert!(
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
            "{factory}: default name {name}"
        );
        let named = gst::ElementFactory::make(factory)
            .name("mine")
            .build()
            .unwrap();
        assert_eq!(named.name(), "mine");
    }
}

#[test]
fn the_inference_elements_derive_from_one_abstract_base_class() {
    common::init();
    let base = gst::glib::Type::from_name("GvaRsBaseInference").expect("the base class");
    // SAFETY: a plain query on a registered type.
    let is_abstract = unsafe {
        gst::glib::gobject_ffi::g_type_test_flags(
            base.into_glib(),
            gst::glib::gobject_ffi::G_TYPE_FLAG_ABSTRACT,
        )
    };
    assert_ne!(is_abstract, 0, "GvaRsBaseInference is abstract");
    assert!(base.is_a(gst_base::BaseTransform::static_type()));
    let class_of = |factory: &str| {
        let element = element(factory);
        assert!(element.type_().is_a(base), "{factory}");
        assert_eq!(element.type_().parent(), Some(base), "{factory}");
        gst::glib::object::ObjectClass::from_type(element.type_()).expect("a class")
    };
    // The shared properties are the base class's, the element-specific ones their own.
    let owner = |class: &gst::glib::object::ObjectClass, name: &str| {
        class
            .find_property(name)
            .map(|p| p.owner_type().name().to_string())
    };
    for factory in ["gvainference", "gvadetect", "gvaclassify"] {
        let class = class_of(factory);
        for shared in [
            "model",
            "model-proc",
            "device",
            "nireq",
            "batch-size",
            "object-class",
        ] {
            assert_eq!(
                owner(&class, shared).as_deref(),
                Some("GvaRsBaseInference"),
                "{factory} {shared}"
            );
        }
    }
    let detect = class_of("gvadetect");
    assert_eq!(owner(&detect, "threshold").as_deref(), Some("GvaRsDetect"));
    assert_eq!(owner(&detect, "reclassify-interval"), None);
    let classify = class_of("gvaclassify");
    assert_eq!(
        owner(&classify, "reclassify-interval").as_deref(),
        Some("GvaRsClassify")
    );
    assert_eq!(owner(&classify, "threshold"), None);
    // gvaclassify's inference-region is its own, defaulting to roi-list (the base's:
    // full-frame).
    let region = classify.find_property("inference-region").unwrap();
    assert_eq!(region.owner_type().name(), "GvaRsClassify");
    assert_eq!(
        region.default_value().serialize().ok().as_deref(),
        Some("roi-list")
    );
    let inference = class_of("gvainference");
    let base_region = inference.find_property("inference-region").unwrap();
    assert_eq!(
        base_region.default_value().serialize().ok().as_deref(),
        Some("full-frame")
    );
    assert_eq!(owner(&inference, "threshold"), None);
}
