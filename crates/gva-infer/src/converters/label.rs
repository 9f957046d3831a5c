//! `label`: a classification output to a label, with DL Streamer's methods.

use super::blob::{Element, with_numeric};
use super::{Blob, ClassificationResult, ConverterError, DEFAULT_CONFIDENCE_THRESHOLD};

/// How the `label` converter turns scores into a result (model-proc `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LabelMethod {
    /// The class of the highest score: `label`, `label_id`, `confidence` = that score.
    #[default]
    Max,
    /// As `max`, with `confidence` = the softmax of the scores at that class.
    Softmax,
    /// Labels come in pairs (present, absent) per output value: for each value, the first of
    /// its pair when it is `>= confidence_threshold`, else the second when it is `> 0`; the
    /// chosen labels joined with spaces; `confidence` = the highest value (at least 0).
    Compound,
    /// The labels of every value `>= confidence_threshold`, joined with spaces; `confidence`
    /// = the highest value (at least 0).
    Multi,
    /// The values are class indices (a sequence, e.g. license-plate characters): their labels
    /// concatenated up to the first index that is negative or has no label. No `label` at all
    /// when no index is above 0.
    Index,
}

impl LabelMethod {
    /// Every method, in DL Streamer's order.
    pub const ALL: [LabelMethod; 5] = [
        Self::Max,
        Self::Softmax,
        Self::Compound,
        Self::Multi,
        Self::Index,
    ];

    /// The model-proc name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Max => "max",
            Self::Softmax => "softmax",
            Self::Compound => "compound",
            Self::Multi => "multi",
            Self::Index => "index",
        }
    }

    /// The method of a model-proc name.
    pub fn from_name(name: &str) -> Result<Self, UnknownLabelMethod> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| UnknownLabelMethod(name.to_owned()))
    }

    /// Labels per output value (2 for `compound`, else 1).
    fn labels_per_value(self) -> usize {
        if self == Self::Compound { 2 } else { 1 }
    }
}

/// A `method` the `label` converter does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method '{0}' of converter 'label' (known: max, softmax, compound, multi, index)")]
pub struct UnknownLabelMethod(pub String);

/// The `label` converter (aliases `tensor_to_label`, Geti's `Classification`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelConverter {
    /// The method.
    pub method: LabelMethod,
    /// Class labels by index (pairs for `compound`).
    pub labels: Vec<String>,
    /// Threshold of `compound` and `multi` (model-proc `confidence_threshold`, default 0.5).
    pub confidence_threshold: f64,
}

impl LabelConverter {
    /// The converter's name.
    pub const NAME: &'static str = "label";

    /// A converter with `labels`, method `max` and threshold 0.5.
    pub fn new(labels: Vec<String>) -> Self {
        Self {
            method: LabelMethod::Max,
            labels,
            confidence_threshold: DEFAULT_CONFIDENCE_THRESHOLD,
        }
    }

    /// Checks, before any inference, that the labels fit an output of `values` per frame:
    /// exactly one label per value (two for `compound`; any number for `index`).
    ///
    /// Stricter than DL Streamer, which fails only on more labels than values and otherwise
    /// when a frame's top class happens to have no label.
    pub fn check_output(&self, values: usize) -> Result<(), ConverterError> {
        if self.labels.is_empty() {
            return Err(ConverterError::NoLabels {
                converter: Self::NAME,
            });
        }
        let expected = values * self.method.labels_per_value();
        if self.method != LabelMethod::Index && self.labels.len() != expected {
            return Err(ConverterError::LabelCount {
                converter: Self::NAME,
                labels: self.labels.len(),
                values,
                expected,
            });
        }
        Ok(())
    }

    /// One result per frame of the `batch_size` frames in `blob` (FP32, FP64 or integer).
    pub fn convert(
        &self,
        blob: &Blob<'_>,
        batch_size: usize,
    ) -> Result<Vec<ClassificationResult>, ConverterError> {
        let item = blob.item_len(batch_size)?;
        if item == 0 {
            return Err(ConverterError::Shape {
                converter: Self::NAME,
                dims: blob.dims().to_vec(),
                expected: format!("at least one score for each of {batch_size} frames"),
            });
        }
        with_numeric!(blob.data(), Self::NAME, |values| values
            .chunks_exact(item)
            .take(batch_size)
            .map(|scores| self.classify(scores))
            .collect())
    }

    /// The result for one frame's scores.
    pub fn classify<T: Element>(
        &self,
        scores: &[T],
    ) -> Result<ClassificationResult, ConverterError> {
        if self.labels.is_empty() {
            return Err(ConverterError::NoLabels {
                converter: Self::NAME,
            });
        }
        let per_value = self.method.labels_per_value();
        if self.method != LabelMethod::Index && self.labels.len() > per_value * scores.len() {
            return Err(ConverterError::LabelCount {
                converter: Self::NAME,
                labels: self.labels.len(),
                values: scores.len(),
                expected: per_value * scores.len(),
            });
        }
        match self.method {
            LabelMethod::Max => self.max(scores),
            LabelMethod::Softmax => self.softmax(scores),
            LabelMethod::Compound => self.thresholded(scores, 2),
            LabelMethod::Multi => self.thresholded(scores, 1),
            LabelMethod::Index => self.index(scores),
        }
    }

    fn label(&self, index: usize) -> Result<&str, ConverterError> {
        self.labels
            .get(index)
            .map(String::as_str)
            .ok_or(ConverterError::LabelOutOfRange {
                converter: Self::NAME,
                index,
                labels: self.labels.len(),
            })
    }

    fn max<T: Element>(&self, scores: &[T]) -> Result<ClassificationResult, ConverterError> {
        let Some((index, best)) = argmax(scores.iter().map(|s| s.to_f64())) else {
            return Ok(ClassificationResult::default());
        };
        Ok(ClassificationResult {
            label: Some(self.label(index)?.to_owned()),
            label_id: Some(index),
            confidence: Some(best),
        })
    }

    /// Softmax in f32 as DL Streamer computes it; the top class is the first largest
    /// exponential, its confidence that exponential over their sum.
    fn softmax<T: Element>(&self, scores: &[T]) -> Result<ClassificationResult, ConverterError> {
        let Some((_, top)) = argmax(scores.iter().map(|s| s.to_f64())) else {
            return Ok(ClassificationResult::default());
        };
        let mut sum = 0f32;
        let mut best: Option<(usize, f32)> = None;
        for (i, score) in scores.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)]
            let e = ((score.to_f64() - top) as f32).exp();
            sum += e;
            if best.is_none_or(|(_, b)| e > b) {
                best = Some((i, e));
            }
        }
        let Some((index, e)) = best else {
            return Ok(ClassificationResult::default());
        };
        let confidence = if sum > 0.0 { e / sum } else { e };
        Ok(ClassificationResult {
            label: Some(self.label(index)?.to_owned()),
            label_id: Some(index),
            confidence: Some(f64::from(confidence)),
        })
    }

    /// `compound` (`per_value` = 2) and `multi` (1).
    fn thresholded<T: Element>(
        &self,
        scores: &[T],
        per_value: usize,
    ) -> Result<ClassificationResult, ConverterError> {
        let mut text = String::new();
        let mut confidence = 0f64;
        for (j, score) in scores.iter().enumerate() {
            let value = score.to_f64();
            let chosen = if value >= self.confidence_threshold {
                Some(self.label(j * per_value)?)
            } else if per_value == 2 && value > 0.0 {
                Some(self.label(j * per_value + 1)?)
            } else {
                None
            };
            if let Some(label) = chosen.filter(|l| !l.is_empty()) {
                if text.chars().last().is_some_and(|c| !c.is_whitespace()) {
                    text.push(' ');
                }
                text.push_str(label);
            }
            if value >= confidence {
                confidence = value;
            }
        }
        Ok(ClassificationResult {
            label: Some(text),
            label_id: None,
            confidence: Some(confidence),
        })
    }

    fn index<T: Element>(&self, scores: &[T]) -> Result<ClassificationResult, ConverterError> {
        let mut text = String::new();
        let mut max_value = 0usize;
        for (j, score) in scores.iter().enumerate() {
            let value = score.to_f64();
            // DL Streamer's checked int conversion: NaN and values beyond int are errors.
            if !(value > f64::from(i32::MIN) - 1.0 && value < f64::from(i32::MAX) + 1.0) {
                return Err(ConverterError::BadIndex {
                    converter: Self::NAME,
                    what: "class index",
                    value,
                    index: j,
                });
            }
            if value <= -1.0 {
                break;
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let index = value as usize;
            let Some(label) = self.labels.get(index) else {
                break;
            };
            max_value = max_value.max(index);
            text.push_str(label);
        }
        Ok(ClassificationResult {
            label: (max_value > 0).then_some(text),
            label_id: None,
            confidence: None,
        })
    }
}

/// Index and value of the first largest value (NaN never wins); `None` for no values.
fn argmax(values: impl Iterator<Item = f64>) -> Option<(usize, f64)> {
    values.enumerate().fold(None, |best, (i, v)| match best {
        Some((_, b)) if v > b || (b.is_nan() && !v.is_nan()) => Some((i, v)),
        Some(_) => best,
        None => Some((i, v)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_equal_values_and_skips_nan() {
        assert_eq!(argmax([1.0, 3.0, 3.0].into_iter()), Some((1, 3.0)));
        assert_eq!(argmax([2.0, f64::NAN, 1.0].into_iter()), Some((0, 2.0)));
        assert_eq!(argmax([f64::NAN, 1.0].into_iter()), Some((1, 1.0)));
        assert_eq!(argmax(std::iter::empty()), None);
    }

    #[test]
    fn method_names_round_trip() {
        for m in LabelMethod::ALL {
            assert_eq!(LabelMethod::from_name(m.name()), Ok(m));
        }
        assert_eq!(
            LabelMethod::from_name("top5").unwrap_err().to_string(),
            "unknown method 'top5' of converter 'label' (known: max, softmax, compound, multi, index)"
        );
    }
}
