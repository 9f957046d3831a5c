//! `gva-infer` — the OpenVINO inference backend of gva-rs, with no GStreamer element code, so
//! everything here is testable on plain arrays (SPEC.md §5).
//!
//! - [`runtime`]: loading OpenVINO's C runtime from the `openvino` PyPI wheel.
//! - [`model`]: reading IR/ONNX/TFLite models once and compiling them from what was read,
//!   `ie-config`, the device check, synchronous inference on arrays.
//! - [`preprocess`]: pre-processing built into the compiled model with OpenVINO's
//!   PrePostProcessor: u8 frames (BGR/BGRx/BGRA/RGB/RGBx/RGBA/NV12/I420/GRAY8) of any size → colour
//!   conversion to the model's colour space, crop, resize (with or without aspect ratio), range,
//!   mean/std, layout.
//! - [`planes`]: packed pixels split into colour planes for NCHW models (no transpose left to
//!   the model).
//! - [`image`]: a frame's planes (with their strides) written into a request's input tensor:
//!   whole (odd NV12/I420 sizes made even), or a region cropped and resized, in the frame's
//!   format or as colour planes.
//! - [`pool`]: `nireq` asynchronous requests, `batch` frames each, the next frame filled while
//!   they run, results delivered in submission order.
//! - [`model_proc`], [`labels`]: DL Streamer's model-proc JSON (schema 1.0–2.2) and label lists,
//!   with errors naming the file, the key and what was expected.
//! - [`converters`]: `detection_output`, `boxes_labels`, `yolo_v8`, `label`, `text`,
//!   `raw_data_copy` (and the old names), NMS, and the output plan (which converter reads which
//!   output for an element, checked at start).
pub mod converters;
pub mod image;
pub mod labels;
pub mod model;
pub mod model_proc;
mod ov;
pub mod planes;
pub mod pool;
pub mod preprocess;
pub mod runtime;
