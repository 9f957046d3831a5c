//! What gvainference, gvadetect and gvaclassify share: DL Streamer's common properties
//! ([`Settings`]), the model with its converters built at start and run on each frame
//! ([`Engine`]), and the BaseTransform steps the elements take ([`element`]).

pub mod element;
mod engine;
mod settings;

pub use element::{Running, drain_before, generate_output, lock, pad_templates, set_caps, start};
pub use engine::{Engine, Kind};
pub use settings::{InferenceRegion, Settings};
