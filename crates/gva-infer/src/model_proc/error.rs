//! Why a model-proc file was refused: always with the file, and the key and what was expected.

/// Why a model-proc file could not be used.
///
/// The message names the file, then (for content errors) the key path such as
/// `output_postproc[0].converter` and what was expected there.
#[derive(Debug, thiserror::Error)]
pub enum ModelProcError {
    /// The file could not be read.
    #[error("model-proc '{file}': cannot read the file: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON (the message carries serde_json's line and column).
    #[error("model-proc '{file}': not valid JSON: {source}")]
    Json {
        /// The file.
        file: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A key is missing or holds a value the schema does not allow.
    #[error("model-proc '{file}': {key}: {problem}")]
    Invalid {
        /// The file.
        file: String,
        /// The key path, e.g. `output_postproc[0].converter` (`top level` for the document).
        key: String,
        /// What is wrong and what was expected.
        problem: String,
    },
}

impl ModelProcError {
    /// The key path of an [`Invalid`](Self::Invalid) error.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}
