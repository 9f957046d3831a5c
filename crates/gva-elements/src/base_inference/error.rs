//! Why an inference element cannot start, negotiate or infer: every failure, with the words a
//! user can act on.

use gva_infer::converters::PlanError;
use gva_infer::image::ImageError;
use gva_infer::labels::LabelsFileError;
use gva_infer::model::ModelError;
use gva_infer::model_proc::ModelProcError;

/// An inference element's error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `model` property is not set.
    #[error("no model: set the 'model' property to a model file")]
    NoModel,
    /// A `pre-process-backend` for VA-API memory.
    #[error(
        "pre-process-backend '{0}' needs VA-API memory, which gva-rs does not handle: use '' \
         or 'ie' (pre-processing inside the OpenVINO model, on system memory)"
    )]
    VaBackend(String),
    /// An unknown `pre-process-backend`.
    #[error("unknown pre-process-backend '{0}' (expected one of: '', ie, opencv)")]
    Backend(String),
    /// An unknown `scheduling-policy`.
    #[error("unknown scheduling-policy '{0}' (expected throughput or latency)")]
    SchedulingPolicy(String),
    /// The model-proc file.
    #[error(transparent)]
    ModelProc(#[from] ModelProcError),
    /// The `labels-file`.
    #[error("labels-file '{}': {}", .0.path.display(), .0.source)]
    LabelsFile(#[from] LabelsFileError),
    /// The model: reading, compiling, running it.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A model without an image input.
    #[error(
        "model '{model}' has no image input ([N, C, H, W] or [N, H, W, C] with 1, 3 or 4 \
         channels; its inputs: {inputs})"
    )]
    NoImageInput {
        /// The model file.
        model: String,
        /// Its inputs' names and shapes.
        inputs: String,
    },
    /// The model's outputs and the converters.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Caps the elements do not take.
    #[error("unsupported video format {0}")]
    Format(String),
    /// A frame before the caps.
    #[error("no caps negotiated before the first frame")]
    NotNegotiated,
    /// A frame whose pixels cannot be read.
    #[error("cannot map the frame for reading")]
    Map,
    /// A frame whose pixels do not fit its caps or the model.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Attaching results.
    #[error(transparent)]
    Meta(#[from] gva_meta::Error),
}
