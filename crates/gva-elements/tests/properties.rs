//! Property names and defaults are DL Streamer's.

mod common;

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
