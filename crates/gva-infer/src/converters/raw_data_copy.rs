//! `raw_data_copy`: each frame's slice of an output, copied as bytes with dims and precision.

use super::{Blob, BlobData, ConverterError, RawTensor};

/// The `raw_data_copy` converter: the default of gvaclassify and gvainference.
///
/// Gives, per frame, the blob's dims (batch included, as DL Streamer writes them), precision,
/// layout and that frame's bytes (the blob's bytes divided by the batch size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawDataCopy;

impl RawDataCopy {
    /// The converter's name.
    pub const NAME: &'static str = "raw_data_copy";

    /// One raw tensor per frame of the `batch_size` frames in `blob`.
    pub fn convert(
        &self,
        blob: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<RawTensor>, ConverterError> {
        let item = blob.item_len(batch_size)?;
        Ok((0..batch_size)
            .map(|frame| RawTensor {
                dims: blob.dims().to_vec(),
                precision: blob.precision(),
                layout: blob.layout(),
                data: item_bytes(&blob.data(), frame * item..(frame + 1) * item),
            })
            .collect())
    }
}

/// Native-endian bytes of the values in `range` (element indices).
fn item_bytes(data: &BlobData<'_>, range: std::ops::Range<usize>) -> Vec<u8> {
    macro_rules! bytes_of {
        ($v:expr) => {
            $v[range].iter().flat_map(|x| x.to_ne_bytes()).collect()
        };
    }
    match *data {
        BlobData::F32(v) => bytes_of!(v),
        BlobData::F64(v) => bytes_of!(v),
        BlobData::I32(v) => bytes_of!(v),
        BlobData::I64(v) => bytes_of!(v),
        BlobData::U32(v) => bytes_of!(v),
        BlobData::U64(v) => bytes_of!(v),
        BlobData::U8(v) => v[range].to_vec(),
        BlobData::I8(v) => bytes_of!(v),
        BlobData::Bytes { precision, bytes } => {
            // Blob::new checked that the bytes are whole elements of a sized precision.
            let size = precision.element_size().unwrap_or(1);
            bytes[range.start * size..range.end * size].to_vec()
        }
    }
}
