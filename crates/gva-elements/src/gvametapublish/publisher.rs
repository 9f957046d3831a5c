//! What every publishing method implements: [`Publisher`], and the error it reports.

use std::fmt;

/// Where records go: one implementation per `method` (file, MQTT).
///
/// The element calls [`Publisher::publish`] from the streaming thread once per frame that has a
/// JSON message, in frame order, and [`Publisher::finish`] once, at EOS or when the pipeline stops
/// without one.
pub trait Publisher: Send {
    /// Publishes one record (the frame's first `GstGVAJSONMeta` message), after the ones before.
    fn publish(&mut self, record: &str) -> Result<(), PublishError>;

    /// Completes the output: closes a JSON array, waits (bounded) for acknowledgements.
    fn finish(&mut self) -> Result<(), PublishError>;

    /// Makes a `publish` or `finish` blocked in another thread return soon (the pipeline is
    /// stopping); later calls must not block. Methods that never block need not do anything.
    fn interrupter(&self) -> Option<Interrupter> {
        None
    }
}

/// Wakes a blocked [`Publisher`] from another thread (see [`Publisher::interrupter`]).
pub type Interrupter = std::sync::Arc<dyn Fn() + Send + Sync>;

/// A publishing failure: the GStreamer error kind and a message a user can act on (never with
/// credentials in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError {
    /// The GStreamer resource error it is reported as.
    pub kind: gst::ResourceError,
    /// What went wrong, naming the file, address or property concerned.
    pub message: String,
    /// The call gave up because the pipeline is stopping: not an error to report.
    pub interrupted: bool,
}

impl PublishError {
    /// A bad property or configuration value.
    pub fn settings(message: impl Into<String>) -> Self {
        Self::new(gst::ResourceError::Settings, message)
    }

    /// A destination that could not be opened or connected to.
    pub fn open(message: impl Into<String>) -> Self {
        Self::new(gst::ResourceError::OpenWrite, message)
    }

    /// A record that could not be written or delivered.
    pub fn write(message: impl Into<String>) -> Self {
        Self::new(gst::ResourceError::Write, message)
    }

    /// The call gave up because the pipeline is stopping.
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self {
            interrupted: true,
            ..Self::new(gst::ResourceError::Write, message)
        }
    }

    fn new(kind: gst::ResourceError, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            interrupted: false,
        }
    }

    /// The error as a GStreamer error message (for `start()` failures).
    pub fn to_error_message(&self) -> gst::ErrorMessage {
        gst::error_msg!(self.kind, ("{}", self.message))
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PublishError {}
