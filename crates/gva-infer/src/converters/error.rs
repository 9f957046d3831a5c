//! Why a converter could not turn an output blob into results.

use gva_meta_types::Precision;

/// Why a converter could not be built or could not read an output blob.
///
/// Every malformed blob (wrong shape, wrong type, values that are not class indices, a batch
/// that does not divide it) is one of these; converters never panic on blob contents.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConverterError {
    /// The dims do not describe the number of values given.
    #[error("output blob dims {dims:?} describe {want} values, but it has {got}")]
    SizeMismatch {
        /// The dims.
        dims: Vec<usize>,
        /// Values the dims describe.
        want: usize,
        /// Values given.
        got: usize,
    },
    /// The dims' product overflows.
    #[error("output blob dims {dims:?} overflow")]
    DimsOverflow {
        /// The dims.
        dims: Vec<usize>,
    },
    /// Raw bytes that are not a whole number of elements of their precision.
    #[error("output blob bytes are not a whole number of {} elements", .precision.as_str())]
    PartialElement {
        /// The precision.
        precision: Precision,
    },
    /// The blob cannot be split into the batch, or the batch size is 0 or above 1024.
    #[error("output blob dims {dims:?} cannot be split into {batch_size} batch items")]
    Batch {
        /// The dims.
        dims: Vec<usize>,
        /// The batch size asked for.
        batch_size: usize,
    },
    /// The blob's element type is not one the converter reads.
    #[error(
        "converter '{converter}' cannot read {} output blobs (it reads {supported})",
        .precision.as_str()
    )]
    Precision {
        /// The converter.
        converter: &'static str,
        /// The blob's element type.
        precision: Precision,
        /// What it reads.
        supported: &'static str,
    },
    /// The blob's shape does not fit the converter.
    #[error(
        "converter '{converter}' cannot read an output blob of dims {dims:?}: expected {expected}"
    )]
    Shape {
        /// The converter.
        converter: &'static str,
        /// The blob's dims.
        dims: Vec<usize>,
        /// The shape it reads.
        expected: String,
    },
    /// A value that must be a class index (or image id) is not one.
    #[error("converter '{converter}': {what} {value} at index {index} is not a valid index")]
    BadIndex {
        /// The converter.
        converter: &'static str,
        /// What the value is (`"label id"`, `"image id"`, `"class index"`).
        what: &'static str,
        /// The value.
        value: f64,
        /// Where it is in the blob (row or element).
        index: usize,
    },
    /// The converter needs labels and has none.
    #[error(
        "converter '{converter}' needs labels (model-proc 'labels', or the 'labels' or \
         'labels-file' property)"
    )]
    NoLabels {
        /// The converter.
        converter: &'static str,
    },
    /// The number of labels does not fit the output.
    #[error(
        "converter '{converter}' has {labels} labels for an output of {values} values per \
         frame (expected {expected})"
    )]
    LabelCount {
        /// The converter.
        converter: &'static str,
        /// Labels given.
        labels: usize,
        /// Values per frame of the output.
        values: usize,
        /// Labels expected.
        expected: usize,
    },
    /// A class index beyond the labels.
    #[error("converter '{converter}': class {index} has no label ({labels} labels)")]
    LabelOutOfRange {
        /// The converter.
        converter: &'static str,
        /// The class index.
        index: usize,
        /// Labels given.
        labels: usize,
    },
    /// A converter parameter out of its range.
    #[error("converter '{converter}': {parameter} = {value} is out of range ({expected})")]
    Parameter {
        /// The converter.
        converter: &'static str,
        /// The parameter (`"confidence_threshold"`, `"input_width"`, …).
        parameter: &'static str,
        /// Its value.
        value: f64,
        /// The range.
        expected: &'static str,
    },
    /// An `output_postproc` item without a converter was given where one is needed.
    #[error("output_postproc item for layer '{layer}' names no converter")]
    NoConverter {
        /// The item's layer name(s).
        layer: String,
    },
}
