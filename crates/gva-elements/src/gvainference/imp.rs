//! The `gvainference` element's implementation (the shared boilerplate is `inference_element!`).

crate::base_inference::inference_element! {
    struct GvaInference: super::GvaInference,
    type_name: "GvaRsInference",
    kind: Kind::Inference,
    debug: ("gvainference", "gva-rs full-frame inference"),
    metadata: (
        "Generic full-frame inference (gva-rs)",
        "Runs a model on each frame and attaches its outputs as GstGVATensorMeta"
    ),
}
