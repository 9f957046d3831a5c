//! What gvainference, gvadetect and gvaclassify share: DL Streamer's common properties
//! ([`Settings`]), the model with its converters built at start and run on each frame
//! ([`Engine`]), and the BaseTransform steps the elements take ([`element`]).

mod delivery;
pub mod element;
#[macro_use]
mod element_impl;
mod engine;
mod frames;
mod history;
mod results;
mod settings;
mod shared;

pub use element::{Running, drain_before, generate_output, lock, pad_templates, set_caps, start};
pub(crate) use element_impl::inference_element;
pub use engine::{Engine, Kind};
pub use settings::{InferenceRegion, Settings};
