//! The `gvaclassify` element's implementation (the shared boilerplate is `inference_element!`).

crate::base_inference::inference_element! {
    struct GvaClassify: super::GvaClassify,
    type_name: "GvaRsClassify",
    kind: Kind::Classify,
    debug: ("gvaclassify", "gva-rs classification"),
    metadata: (
        "Object classification (gva-rs)",
        "Runs a classification model on each region of interest and attaches its results"
    ),
}
