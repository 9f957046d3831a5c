//! Property names and defaults are DL Streamer's.

mod common;

use gst::glib::translate::IntoGlib;
use gst::prelude::*;

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

#[test]
fn properties_round_trip() {
    let e = element("gvadetect");
    e.set_property("model", "m.xml");
    e.set_property("threshold", 0.25f32);
    e.set_property("inference-interval", 4u32);
    assert_eq!(
        e.property::<Option<String>>("model").as_deref(),
        Some("m.xml")
    );
    assert_eq!(e.property::<f32>("threshold"), 0.25);
    assert_eq!(e.property::<u32>("inference-interval"), 4);
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
