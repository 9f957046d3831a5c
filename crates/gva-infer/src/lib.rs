//! `gva-infer` — the OpenVINO inference backend of gva-rs (not built yet).
//!
//! It will hold, with no GStreamer element code so that it is testable on plain arrays: loading
//! OpenVINO's C runtime from the `openvino` PyPI wheel, reading and compiling IR/ONNX/TFLite models,
//! pre-processing built into the compiled model with PrePostProcessor, model-proc JSON parsing, the
//! output converters (`detection_output`, `boxes_labels`, `yolo_v8`, `label`, `text`,
//! `raw_data_copy`) with NMS, and the asynchronous request pool. See SPEC.md §5.
pub mod model;
pub mod runtime;
