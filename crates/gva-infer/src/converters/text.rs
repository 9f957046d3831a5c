//! `text`: an output's values as text (e.g. the age of `age-gender-recognition`).

use std::fmt::Write as _;

use super::blob::{Element, with_numeric};
use super::{Blob, ClassificationResult, ConverterError};

/// The `text` converter (alias `tensor_to_text`), as DL Streamer's `TextConverter`.
///
/// For each frame, the label is the frame's values, each multiplied by `scale` and written with
/// `precision` digits after the point (C++ `std::fixed`), joined with `", "`: an age output of
/// `0.253` with `text_scale` 100 and `text_precision` 0 gives `"25"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextConverter {
    /// Model-proc `text_scale` (default 1).
    pub scale: f64,
    /// Model-proc `text_precision`: digits after the point (default 2).
    pub precision: usize,
}

impl Default for TextConverter {
    fn default() -> Self {
        Self {
            scale: 1.0,
            precision: 2,
        }
    }
}

impl TextConverter {
    /// The converter's name.
    pub const NAME: &'static str = "text";

    /// One result (with only `label` set) per frame of the `batch_size` frames in `blob`.
    pub fn convert(
        &self,
        blob: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<ClassificationResult>, ConverterError> {
        let item = blob.item_len(batch_size)?;
        with_numeric!(blob.data(), Self::NAME, |values| Ok((0..batch_size)
            .map(|frame| ClassificationResult {
                label: Some(self.format(&values[frame * item..][..item])),
                label_id: None,
                confidence: None,
            })
            .collect()))
    }

    /// The text of one frame's values.
    pub fn format<T: Element>(&self, values: &[T]) -> String {
        let mut text = String::new();
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            let scaled = value.to_f64() * self.scale;
            if scaled.is_nan() {
                text.push_str("nan");
            } else {
                // Writing into a String cannot fail.
                let _ = write!(text, "{scaled:.*}", self.precision);
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_precision_rounds_like_printf() {
        let text = TextConverter::default();
        // Exact binary ties go to even, as glibc's printf does; 0.125 is exact.
        assert_eq!(text.format(&[0.125f64, 0.375, 2.0]), "0.12, 0.38, 2.00");
        assert_eq!(text.format(&[f64::NAN, f64::INFINITY]), "nan, inf");
        assert_eq!(text.format::<f32>(&[]), "");
    }
}
