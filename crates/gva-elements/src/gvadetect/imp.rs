//! The `gvadetect` element's implementation (the shared boilerplate is `inference_element!`).

crate::base_inference::inference_element! {
    struct GvaDetect: super::GvaDetect,
    type_name: "GvaRsDetect",
    kind: Kind::Detect,
    debug: ("gvadetect", "gva-rs object detection"),
    metadata: (
        "Object detection (gva-rs)",
        "Runs a detection model on each frame and attaches a region of interest per object"
    ),
}
