//! `gva-meta-types` — the plain types of `gva-meta`'s API, without GStreamer: DL Streamer's
//! tensor [`Precision`] and [`Layout`] values and the metadata [`Error`].
//!
//! `gva-meta` re-exports all three (its API is unchanged); `gva-infer`, which reads model
//! outputs into tensors of these precisions and layouts, depends on this crate alone and so
//! stays free of GStreamer, testable on plain arrays.
#![warn(missing_docs)]

mod error;
mod precision;

pub use error::Error;
pub use precision::{Layout, Precision};
