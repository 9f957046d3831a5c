//! The one error type of `gva-meta`, [`Error`] (defined in `gva-meta-types`, which holds the
//! types of this API that need no GStreamer), and [`OptionalField`].

pub use gva_meta_types::Error;

/// Turns "field is missing" into `None`, for getters whose absence is not an error to the caller.
pub trait OptionalField<T> {
    /// `Ok(Some(v))` for a present field, `Ok(None)` for [`Error::MissingField`], other errors as is.
    fn optional(self) -> Result<Option<T>, Error>;
}

impl<T> OptionalField<T> for Result<T, Error> {
    fn optional(self) -> Result<Option<T>, Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::MissingField { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
