//! One tensor (a region parameter or a frame's `GstGVATensorMeta`) as a `"tensors"` entry.

use gst::glib;
use gva_meta::{Layout, OptionalField, Precision, Tensor};
use serde_json::{Map, Value};

use super::imp::CAT;

/// The JSON of `tensor`, with DL Streamer's fields and rules (its `convert_tensor`), and
/// `data` decoded by the tensor's real precision.
pub fn tensor_json(tensor: &Tensor) -> Value {
    let mut out = Map::new();
    let precision = match tensor.precision() {
        Ok(p) => p,
        Err(e) => {
            gst::debug!(CAT, "tensor '{}': {e}; read as UNSPECIFIED", tensor.name());
            Precision::Unspecified
        }
    };
    out.insert("precision".into(), precision.as_str().into());
    let layout = tensor.layout().unwrap_or(Layout::Any);
    out.insert("layout".into(), layout.as_str().into());
    if tensor.has_field("dims") {
        // DL Streamer writes `null` for dims it cannot read or that are empty.
        let dims = match tensor.dims() {
            Ok(dims) if !dims.is_empty() => Value::from(dims),
            _ => Value::Null,
        };
        out.insert("dims".into(), dims);
    }
    out.insert("name".into(), tensor.name().into());
    let model_name = non_empty(tensor, "model_name");
    let layer_name = non_empty(tensor, "layer_name");
    let unnamed = model_name.is_none() || layer_name.is_none();
    for (key, value) in [("model_name", model_name), ("layer_name", layer_name)] {
        if let Some(value) = value {
            out.insert(key.into(), value.into());
        }
    }
    if unnamed && let Some(tag) = non_empty(tensor, "semantic_tag") {
        out.insert("semantic_tag".into(), tag.into());
    }
    for key in ["tensor_name", "dims_order", "gst_tensor_layout", "format"] {
        if let Some(value) = non_empty(tensor, key) {
            out.insert(key.into(), value.into());
        }
    }
    if unnamed && let Some(kind) = non_empty(tensor, "type") {
        out.insert("type".into(), kind.into());
    }
    if !tensor.is_detection()
        && let Some(label) = non_empty(tensor, "label")
    {
        out.insert("label".into(), label.into());
    }
    if let Some(confidence) = confidence(tensor) {
        out.insert("confidence".into(), confidence);
    }
    if tensor.has_field("label_id") {
        out.insert("label_id".into(), tensor.label_id().unwrap_or(0).into());
    }
    if let Some(data) = data(tensor, precision) {
        out.insert("data".into(), data);
    }
    for key in ["point_connections", "point_names"] {
        if let Some(array) = value_array(tensor, key) {
            out.insert(key.into(), array);
        }
    }
    Value::Object(out)
}

/// A string field that is present, a string and not empty.
pub fn non_empty<'t>(tensor: &'t Tensor, field: &str) -> Option<&'t str> {
    tensor.get_str(field).ok().filter(|s| !s.is_empty())
}

/// `confidence`: a number, or an array of them (one value when all are equal).
fn confidence(tensor: &Tensor) -> Option<Value> {
    let value = tensor.value("confidence").ok()?;
    let Ok(array) = value.get::<gst::ArrayRef>() else {
        // DL Streamer reads a field it cannot read as a number as 0.
        return Some(number(tensor.confidence().unwrap_or(0.0)));
    };
    let values: Vec<f64> = array.iter().filter_map(as_f64).collect();
    match values.as_slice() {
        [] => None,
        [first, rest @ ..] if rest.iter().all(|v| v == first) => Some(number(*first)),
        _ => Some(values.into_iter().map(number).collect()),
    }
}

/// A GValue number as a double (a `float` widens, as nlohmann stores it).
fn as_f64(value: &glib::SendValue) -> Option<f64> {
    value
        .get::<f32>()
        .map(f64::from)
        .or_else(|_| value.get::<f64>())
        .or_else(|_| value.get::<i32>().map(f64::from))
        .or_else(|_| value.get::<u32>().map(f64::from))
        .ok()
}

/// A double as JSON (`null` when not finite, as nlohmann prints it).
pub fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A `GST_TYPE_ARRAY` field of strings, ints, uints or floats (other elements skipped).
fn value_array(tensor: &Tensor, field: &str) -> Option<Value> {
    let value = tensor.value(field).ok()?;
    let array = value.get::<gst::ArrayRef>().ok()?;
    let items: Vec<Value> = array
        .iter()
        .filter_map(|v| {
            if let Ok(s) = v.get::<Option<String>>() {
                Some(Value::from(s.unwrap_or_default()))
            } else if let Ok(u) = v.get::<u32>() {
                Some(Value::from(u))
            } else if let Ok(i) = v.get::<i32>() {
                Some(Value::from(i))
            } else {
                v.get::<f32>().ok().map(|f| number(f64::from(f)))
            }
        })
        .collect();
    (!array.is_empty()).then_some(Value::Array(items))
}

/// `data_buffer` decoded by `precision`; `None` when there are no bytes or the precision has
/// no whole-byte element type (U4, I4, BIN, CUSTOM).
fn data(tensor: &Tensor, precision: Precision) -> Option<Value> {
    let bytes = match tensor.data().optional() {
        Ok(Some(bytes)) if !bytes.is_empty() => bytes,
        Ok(_) => return None,
        Err(e) => {
            gst::debug!(CAT, "tensor '{}': {e}", tensor.name());
            return None;
        }
    };
    // Unspecified precision reads as FP32, DL Streamer's default.
    let precision = match precision {
        Precision::Unspecified => Precision::Fp32,
        p => p,
    };
    let Some(size) = precision.element_size() else {
        gst::debug!(
            CAT,
            "tensor '{}': {} data is not decoded",
            tensor.name(),
            precision.as_str()
        );
        return None;
    };
    if bytes.len() % size != 0 {
        gst::debug!(
            CAT,
            "tensor '{}': {} bytes is not a whole number of {} elements; the last {} are left out",
            tensor.name(),
            bytes.len(),
            precision.as_str(),
            bytes.len() % size
        );
    }
    let values = decode(bytes, precision);
    (!values.is_empty()).then_some(Value::Array(values))
}

/// Native-endian elements of `precision` (which has a whole-byte size) as JSON numbers.
pub fn decode(bytes: &[u8], precision: Precision) -> Vec<Value> {
    fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> Value) -> Vec<Value> {
        bytes
            .chunks_exact(N)
            .filter_map(|c| c.try_into().ok())
            .map(f)
            .collect()
    }
    match precision {
        Precision::U8 | Precision::Bool => bytes.iter().map(|b| Value::from(*b)).collect(),
        Precision::I8 => bytes.iter().map(|b| Value::from(*b as i8)).collect(),
        Precision::U16 => each(bytes, |b| u16::from_ne_bytes(b).into()),
        Precision::I16 => each(bytes, |b| i16::from_ne_bytes(b).into()),
        Precision::U32 => each(bytes, |b| u32::from_ne_bytes(b).into()),
        Precision::I32 => each(bytes, |b| i32::from_ne_bytes(b).into()),
        Precision::U64 => each(bytes, |b| u64::from_ne_bytes(b).into()),
        Precision::I64 => each(bytes, |b| i64::from_ne_bytes(b).into()),
        Precision::Fp16 => each(bytes, |b| number(f16_to_f64(u16::from_ne_bytes(b)))),
        Precision::Bf16 => each(bytes, |b| {
            number(f64::from(f32::from_bits(
                u32::from(u16::from_ne_bytes(b)) << 16,
            )))
        }),
        Precision::Fp32 => each(bytes, |b| number(f64::from(f32::from_ne_bytes(b)))),
        Precision::Fp64 => each(bytes, |b| number(f64::from_ne_bytes(b))),
        // Q7.8 fixed point: a signed 16-bit count of 1/256ths.
        Precision::Q78 => each(bytes, |b| number(f64::from(i16::from_ne_bytes(b)) / 256.0)),
        Precision::Unspecified
        | Precision::U4
        | Precision::I4
        | Precision::Bin
        | Precision::Custom => Vec::new(),
    }
}

/// An IEEE 754 half-precision value (exactly representable as a double).
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    let magnitude = match exponent {
        0 => fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + fraction / 1024.0) * 2f64.powi(exponent - 15),
    };
    sign * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_values() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
        assert_eq!(f16_to_f64(0x0001), 2f64.powi(-24));
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0x8000), 0.0);
        assert!(f16_to_f64(0x8000).is_sign_negative());
    }
}
