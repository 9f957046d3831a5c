//! The one error type of `gva-meta` (defined here so that [`crate::Precision`] and
//! [`crate::Layout`] can return it; `gva-meta` re-exports it).

/// Everything that can go wrong when reading or writing GVA metadata.
///
/// Nothing in this crate panics on bad input: every failure is one of these variants, and the
/// `Display` text names the problem in words a user can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Metadata can only be added to or removed from a writable buffer.
    #[error(
        "buffer is not writable: metadata can only be added to or removed from a buffer nobody else holds \
         (in a pad probe, make it writable first)"
    )]
    NotWritable,
    /// A region with this id is not attached to the buffer.
    #[error("region {0} is not attached to this buffer")]
    RegionNotFound(i32),
    /// The JSON message is not attached to the buffer.
    #[error("message doesn't belong to this buffer")]
    MessageNotFound,
    /// A structure lacks a field the caller asked for.
    #[error("field '{field}' is missing from structure '{structure}'")]
    MissingField {
        /// Name of the structure that was read.
        structure: String,
        /// Name of the missing field.
        field: String,
    },
    /// A field exists but holds a value of another type.
    #[error("field '{field}' of structure '{structure}' holds {actual}, expected {expected}")]
    FieldType {
        /// Name of the structure that was read.
        structure: String,
        /// Name of the field.
        field: String,
        /// The type the convention prescribes.
        expected: &'static str,
        /// The GType name actually found.
        actual: String,
    },
    /// A string in the metadata is not valid UTF-8.
    #[error("{what} is not valid UTF-8 (valid up to byte {valid_up_to})")]
    InvalidUtf8 {
        /// What was being read, e.g. "field 'label' of structure 'detection'".
        what: String,
        /// Number of leading bytes that are valid UTF-8.
        valid_up_to: usize,
    },
    /// A string to be stored contains a NUL byte, which C strings cannot hold.
    #[error("{what} contains a NUL byte at position {position}")]
    InteriorNul {
        /// What was being written.
        what: &'static str,
        /// Byte position of the first NUL.
        position: usize,
    },
    /// DL Streamer's rule: the `"detection"` tensor carries no label (the region's label is the
    /// ROI type).
    #[error("Detection GVA::Tensor can't have label.")]
    DetectionLabel,
    /// A `precision` field holds a number that is not one of DL Streamer's precisions.
    #[error("unknown precision value {0}")]
    UnknownPrecision(i32),
    /// A `layout` field holds a number that is not one of DL Streamer's layouts.
    #[error("unknown layout value {0}")]
    UnknownLayout(i32),
    /// A structure name that GStreamer would refuse.
    #[error(
        "invalid structure name '{0}': it must start with a letter and contain only letters, digits and '/-_.:+'"
    )]
    InvalidName(String),
    /// A region's coordinates are not finite, non-negative numbers.
    #[error("invalid region {0}")]
    InvalidRegion(String),
    /// The frame's video info has no size (width or height 0).
    #[error("the frame's video info has no size ({width}x{height})")]
    NoFrameSize {
        /// Frame width in pixels.
        width: u32,
        /// Frame height in pixels.
        height: u32,
    },
    /// GStreamer refused to register or add a meta.
    #[error("GStreamer refused {0}")]
    Gst(&'static str),
}
