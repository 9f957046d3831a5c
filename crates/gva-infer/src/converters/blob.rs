//! An output blob as converters read it: dims, typed values and layout, borrowed.

use gva_meta_types::{Layout, Precision};
use ndarray::{ArrayViewD, IxDyn};

use super::ConverterError;

/// The values of an output blob, borrowed with their element type.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub enum BlobData<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    U8(&'a [u8]),
    I8(&'a [i8]),
    /// Any other element type as raw native-endian bytes (only [`RawDataCopy`] reads these).
    ///
    /// [`RawDataCopy`]: super::RawDataCopy
    Bytes {
        /// The element type.
        precision: Precision,
        /// The values' bytes.
        bytes: &'a [u8],
    },
}

impl BlobData<'_> {
    /// The element type, as DL Streamer's `precision` field writes it.
    pub fn precision(&self) -> Precision {
        match self {
            Self::F32(_) => Precision::Fp32,
            Self::F64(_) => Precision::Fp64,
            Self::I32(_) => Precision::I32,
            Self::I64(_) => Precision::I64,
            Self::U32(_) => Precision::U32,
            Self::U64(_) => Precision::U64,
            Self::U8(_) => Precision::U8,
            Self::I8(_) => Precision::I8,
            Self::Bytes { precision, .. } => *precision,
        }
    }

    /// Number of values, or `None` for bytes of a precision without a whole-byte element.
    fn len(&self) -> Option<usize> {
        Some(match self {
            Self::F32(v) => v.len(),
            Self::F64(v) => v.len(),
            Self::I32(v) => v.len(),
            Self::I64(v) => v.len(),
            Self::U32(v) => v.len(),
            Self::U64(v) => v.len(),
            Self::U8(v) => v.len(),
            Self::I8(v) => v.len(),
            Self::Bytes { precision, bytes } => {
                let size = precision.element_size()?;
                if bytes.len() % size != 0 {
                    return None;
                }
                bytes.len() / size
            }
        })
    }
}

/// One output blob of an inference: dims (batch included), values and layout.
///
/// Built with [`Blob::new`] (or [`Blob::f32`]), which checks that the dims describe exactly the
/// values given, so converters can index without further checks on the total size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blob<'a> {
    dims: &'a [usize],
    data: BlobData<'a>,
    layout: Layout,
}

impl<'a> Blob<'a> {
    /// A blob of `data` shaped `dims` (layout `ANY`); an error when the dims' product is not
    /// the number of values.
    pub fn new(dims: &'a [usize], data: BlobData<'a>) -> Result<Self, ConverterError> {
        let want = dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| ConverterError::DimsOverflow {
                dims: dims.to_vec(),
            })?;
        let Some(got) = data.len() else {
            return Err(ConverterError::PartialElement {
                precision: data.precision(),
            });
        };
        if dims.is_empty() || got != want {
            return Err(ConverterError::SizeMismatch {
                dims: dims.to_vec(),
                want,
                got,
            });
        }
        Ok(Self {
            dims,
            data,
            layout: Layout::Any,
        })
    }

    /// A blob of f32 values (what [`crate::model::Output`] holds) shaped `dims`.
    pub fn f32(dims: &'a [usize], data: &'a [f32]) -> Result<Self, ConverterError> {
        Self::new(dims, BlobData::F32(data))
    }

    /// The same blob, tagged with `layout` (copied into `raw_data_copy` results).
    pub fn with_layout(self, layout: Layout) -> Self {
        Self { layout, ..self }
    }

    /// The dims, batch included.
    pub fn dims(&self) -> &'a [usize] {
        self.dims
    }

    /// The values.
    pub fn data(&self) -> BlobData<'a> {
        self.data
    }

    /// The layout tag.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The element type.
    pub fn precision(&self) -> Precision {
        self.data.precision()
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Whether the blob has no values (a zero dim).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The f32 values, or an error naming `converter` when the blob holds another type.
    pub fn as_f32(&self, converter: &'static str) -> Result<&'a [f32], ConverterError> {
        match self.data {
            BlobData::F32(v) => Ok(v),
            other => Err(ConverterError::Precision {
                converter,
                precision: other.precision(),
                supported: "FP32",
            }),
        }
    }

    /// The f32 values as an n-dimensional array view of the blob's dims.
    pub fn view_f32(&self, converter: &'static str) -> Result<ArrayViewD<'a, f32>, ConverterError> {
        let values = self.as_f32(converter)?;
        ArrayViewD::from_shape(IxDyn(self.dims), values).map_err(|_| ConverterError::SizeMismatch {
            dims: self.dims.to_vec(),
            want: self.len(),
            got: values.len(),
        })
    }

    /// Checks a batch size: 1 to [`MAX_BATCH_SIZE`] (DL Streamer's `batch-size` range).
    ///
    /// [`MAX_BATCH_SIZE`]: super::MAX_BATCH_SIZE
    pub fn check_batch(&self, batch_size: usize) -> Result<(), ConverterError> {
        if (1..=super::MAX_BATCH_SIZE).contains(&batch_size) {
            Ok(())
        } else {
            Err(ConverterError::Batch {
                dims: self.dims.to_vec(),
                batch_size,
            })
        }
    }

    /// Values per batch item: the blob's size divided by `batch_size`, which must divide it.
    pub fn item_len(&self, batch_size: usize) -> Result<usize, ConverterError> {
        self.check_batch(batch_size)?;
        let len = self.len();
        if !len.is_multiple_of(batch_size) {
            return Err(ConverterError::Batch {
                dims: self.dims.to_vec(),
                batch_size,
            });
        }
        Ok(len / batch_size)
    }
}

/// An element type converters read as a number (every numeric [`BlobData`] type).
pub trait Element: Copy {
    /// The value in f64 (exact for every type but 64-bit integers beyond 2^53, which no score
    /// or class index reaches).
    fn to_f64(self) -> f64;
}

macro_rules! element_via_from {
    ($($t:ty),*) => {$(
        impl Element for $t {
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}
element_via_from!(f32, f64, i32, u32, u8, i8);

impl Element for i64 {
    #[allow(clippy::cast_precision_loss)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Element for u64 {
    #[allow(clippy::cast_precision_loss)]
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Runs `$body` with `$v` bound to the blob's typed slice (any numeric type); for raw bytes,
/// returns a precision error naming `$converter` from the enclosing function.
macro_rules! with_numeric {
    ($data:expr, $converter:expr, |$v:ident| $body:expr) => {
        match $data {
            $crate::converters::BlobData::F32($v) => $body,
            $crate::converters::BlobData::F64($v) => $body,
            $crate::converters::BlobData::I32($v) => $body,
            $crate::converters::BlobData::I64($v) => $body,
            $crate::converters::BlobData::U32($v) => $body,
            $crate::converters::BlobData::U64($v) => $body,
            $crate::converters::BlobData::U8($v) => $body,
            $crate::converters::BlobData::I8($v) => $body,
            $crate::converters::BlobData::Bytes { precision, .. } => {
                return Err($crate::converters::ConverterError::Precision {
                    converter: $converter,
                    precision,
                    supported: "FP32, FP64, I32, I64, U32, U64, U8 or I8",
                })
            }
        }
    };
}
pub(crate) use with_numeric;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dims_must_describe_the_values() {
        let v = [0f32; 6];
        assert!(Blob::f32(&[2, 3], &v).is_ok());
        let err = Blob::f32(&[2, 2], &v).unwrap_err();
        assert_eq!(
            err.to_string(),
            "output blob dims [2, 2] describe 4 values, but it has 6"
        );
        assert!(Blob::f32(&[], &v).is_err());
        assert!(matches!(
            Blob::f32(&[usize::MAX, 2], &v),
            Err(ConverterError::DimsOverflow { .. })
        ));
    }

    #[test]
    fn bytes_need_whole_elements() {
        let bytes = [0u8; 6];
        let fp16 = BlobData::Bytes {
            precision: Precision::Fp16,
            bytes: &bytes,
        };
        assert_eq!(Blob::new(&[3], fp16).unwrap().len(), 3);
        let odd = BlobData::Bytes {
            precision: Precision::Fp32,
            bytes: &bytes,
        };
        assert!(matches!(
            Blob::new(&[1], odd),
            Err(ConverterError::PartialElement { .. })
        ));
    }

    #[test]
    fn batch_must_divide_the_blob() {
        let v = [0f32; 6];
        let blob = Blob::f32(&[2, 3], &v).unwrap();
        assert_eq!(blob.item_len(2).unwrap(), 3);
        assert!(blob.item_len(4).is_err());
        assert!(blob.item_len(0).is_err());
        let empty = Blob::f32(&[0], &[]).unwrap();
        assert_eq!(empty.item_len(1024).unwrap(), 0);
        assert!(empty.item_len(1025).is_err());
    }
}
