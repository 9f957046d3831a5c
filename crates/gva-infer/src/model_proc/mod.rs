//! DL Streamer model-proc JSON files (schema versions 1.0.0, 2.0.0, 2.1.0 and 2.2.0).
//!
//! A model-proc describes, for one model, how to fill its inputs (`input_preproc`) and how to
//! turn its outputs into results (`output_postproc`: the converter, labels and parameters).
//! [`ModelProc::from_file`] reads and checks one; every refusal is a [`ModelProcError`] naming
//! the file, the key and what was expected there:
//!
//! ```
//! use gva_infer::model_proc::ModelProc;
//!
//! let json = r#"{ "json_schema_version": "2.2.0", "input_preproc": [],
//!                 "output_postproc": [{ "converter": "foo" }] }"#;
//! let err = ModelProc::parse(json, "x.json".as_ref()).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "model-proc 'x.json': output_postproc[0].converter: unknown converter 'foo' \
//!      (known: detection_output, boxes_labels, yolo_v8, label, text, raw_data_copy)"
//! );
//! ```

mod error;
mod schema;

use std::path::{Path, PathBuf};

use gva_meta_types::Precision;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::converters::{Converter, LabelMethod};
use crate::labels;

pub use error::ModelProcError;
pub use schema::{
    ColorSpace, Crop, InputFormat, InputPreproc, OutputPostproc, Padding, PostprocParams,
    PreprocParams, Resize, SchemaVersion,
};

/// A parsed, checked model-proc file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelProc {
    /// `json_schema_version`.
    pub version: SchemaVersion,
    /// `input_preproc`, one item per input layer (may be empty: resize without keeping the
    /// aspect ratio, BGR).
    pub input_preproc: Vec<InputPreproc>,
    /// `output_postproc`, one item per output layer or set of layers (may be empty: the
    /// element's default converter).
    pub output_postproc: Vec<OutputPostproc>,
}

impl ModelProc {
    /// Reads and checks the model-proc file at `path`; labels files it names are read relative
    /// to its folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ModelProcError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ModelProcError::Read {
            file: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks the model-proc `text` of the file `path` (named in errors; labels files are read
    /// relative to its folder).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ModelProcError> {
        let parser = Parser {
            file: path.display().to_string(),
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        parser.document(text)
    }

    /// The `output_postproc` item for output `layer`: the one naming it, else the first that
    /// names no layer.
    pub fn postproc_for(&self, layer: &str) -> Option<&OutputPostproc> {
        self.output_postproc
            .iter()
            .find(|p| p.layer_names.iter().any(|l| l == layer))
            .or_else(|| {
                self.output_postproc
                    .iter()
                    .find(|p| p.layer_names.is_empty())
            })
    }

    /// The first `input_preproc` item of format `image`, if any.
    pub fn image_input(&self) -> Option<&InputPreproc> {
        self.input_preproc
            .iter()
            .find(|p| p.format == InputFormat::Image)
    }
}

/// Parses one document, naming `file` in errors and resolving labels files against `base`.
struct Parser {
    file: String,
    base: PathBuf,
}

/// `parent.key`, or `key` at the top.
fn key_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// What a JSON value is, for "expected X, got Y".
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

const VERSIONS: &str = r#""1.0.0", "2.0.0", "2.1.0" or "2.2.0""#;

impl Parser {
    fn invalid(&self, key: impl Into<String>, problem: impl Into<String>) -> ModelProcError {
        ModelProcError::Invalid {
            file: self.file.clone(),
            key: key.into(),
            problem: problem.into(),
        }
    }

    fn expected(&self, key: impl Into<String>, what: &str, got: &Value) -> ModelProcError {
        self.invalid(key, format!("expected {what}, got {}", describe(got)))
    }

    fn document(&self, text: &str) -> Result<ModelProc, ModelProcError> {
        let value: Value = serde_json::from_str(text).map_err(|source| ModelProcError::Json {
            file: self.file.clone(),
            source,
        })?;
        let Value::Object(root) = &value else {
            return Err(self.expected("top level", "an object", &value));
        };
        let version = match root.get("json_schema_version") {
            None => {
                return Err(self.invalid(
                    "json_schema_version",
                    format!("missing (expected {VERSIONS})"),
                ));
            }
            Some(Value::String(v)) => SchemaVersion::from_text(v).ok_or_else(|| {
                self.invalid(
                    "json_schema_version",
                    format!("unsupported version {v:?} (expected {VERSIONS})"),
                )
            })?,
            Some(other) => {
                return Err(self.expected(
                    "json_schema_version",
                    &format!("a string ({VERSIONS})"),
                    other,
                ));
            }
        };
        let input_preproc = self
            .array(root, "", "input_preproc")?
            .iter()
            .enumerate()
            .map(|(i, item)| self.input_item(version, item, &format!("input_preproc[{i}]")))
            .collect::<Result<_, _>>()?;
        let output_postproc = self
            .array(root, "", "output_postproc")?
            .iter()
            .enumerate()
            .map(|(i, item)| self.output_item(item, &format!("output_postproc[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(ModelProc {
            version,
            input_preproc,
            output_postproc,
        })
    }

    /// A required array.
    fn array<'v>(
        &self,
        obj: &'v Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<&'v Vec<Value>, ModelProcError> {
        match obj.get(key) {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.expected(key_path(parent, key), "an array", other)),
            None => Err(self.invalid(
                key_path(parent, key),
                "missing (expected an array, possibly empty)",
            )),
        }
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        key: &str,
    ) -> Result<&'v Map<String, Value>, ModelProcError> {
        match value {
            Value::Object(obj) => Ok(obj),
            other => Err(self.expected(key, "an object", other)),
        }
    }

    fn opt_str<'v>(
        &self,
        obj: &'v Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<Option<&'v str>, ModelProcError> {
        match obj.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.expected(key_path(parent, key), "a string", other)),
        }
    }

    fn opt_f64(
        &self,
        obj: &Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<Option<f64>, ModelProcError> {
        match obj.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(self.expected(key_path(parent, key), "a number", other)),
        }
    }

    /// An optional whole number in `0..=max`.
    fn opt_uint(
        &self,
        obj: &Map<String, Value>,
        parent: &str,
        key: &str,
        max: u64,
    ) -> Result<Option<u64>, ModelProcError> {
        match obj.get(key) {
            None => Ok(None),
            Some(v) => match v.as_u64().filter(|&n| n <= max) {
                Some(n) => Ok(Some(n)),
                None => Err(self.expected(
                    key_path(parent, key),
                    &format!("a whole number from 0 to {max}"),
                    v,
                )),
            },
        }
    }

    /// An optional keyword, checked by its serde enum (whose error lists the values it takes).
    fn opt_keyword<T: DeserializeOwned>(
        &self,
        obj: &Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<Option<T>, ModelProcError> {
        obj.get(key)
            .map(|v| {
                T::deserialize(v).map_err(|e| self.invalid(key_path(parent, key), e.to_string()))
            })
            .transpose()
    }

    fn numbers(&self, value: &Value, key: &str) -> Result<Vec<f64>, ModelProcError> {
        let Value::Array(items) = value else {
            return Err(self.expected(key, "an array of numbers", value));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_f64()
                    .ok_or_else(|| self.expected(format!("{key}[{i}]"), "a number", item))
            })
            .collect()
    }

    fn strings(&self, value: &Value, key: &str, what: &str) -> Result<Vec<String>, ModelProcError> {
        let Value::Array(items) = value else {
            return Err(self.expected(key, what, value));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(self.expected(format!("{key}[{i}]"), "a string", other)),
            })
            .collect()
    }

    fn input_item(
        &self,
        version: SchemaVersion,
        item: &Value,
        path: &str,
    ) -> Result<InputPreproc, ModelProcError> {
        let obj = self.object(item, path)?;
        let required_by = |key: &str, what: &str| {
            self.invalid(
                key_path(path, key),
                format!(
                    "missing (expected {what}; schema {} requires it)",
                    version.as_str()
                ),
            )
        };
        let layer_name = match (self.opt_str(obj, path, "layer_name")?, version) {
            (Some(name), _) => name.to_owned(),
            (None, SchemaVersion::V1_0) => "UNKNOWN".to_owned(),
            (None, SchemaVersion::V2_2) => "ANY".to_owned(),
            (None, _) => return Err(required_by("layer_name", "a string")),
        };
        let format = match self.opt_keyword(obj, path, "format")? {
            Some(format) => format,
            None if matches!(version, SchemaVersion::V2_0 | SchemaVersion::V2_1) => {
                return Err(required_by(
                    "format",
                    r#""image", "image_info" or "sequence_index""#,
                ));
            }
            None => InputFormat::Image,
        };
        let precision = match self.opt_str(obj, path, "precision")? {
            Some(name) => Precision::ALL
                .into_iter()
                .find(|p| p.as_str() == name)
                .ok_or_else(|| {
                    let names: Vec<_> = Precision::ALL.iter().map(|p| p.as_str()).collect();
                    self.invalid(
                        key_path(path, "precision"),
                        format!(
                            "unknown precision {name:?} (expected one of {})",
                            names.join(", ")
                        ),
                    )
                })?,
            None if format == InputFormat::Image => Precision::U8,
            None => Precision::Fp32,
        };
        let params = if version == SchemaVersion::V1_0 {
            // 1.0.0 keeps the parameters on the item itself.
            self.params(obj, path, true)?
        } else {
            match obj.get("params") {
                None => PreprocParams::default(),
                Some(value) => {
                    let key = key_path(path, "params");
                    self.params(self.object(value, &key)?, &key, false)?
                }
            }
        };
        Ok(InputPreproc {
            layer_name,
            format,
            precision,
            params,
        })
    }

    fn params(
        &self,
        obj: &Map<String, Value>,
        path: &str,
        legacy: bool,
    ) -> Result<PreprocParams, ModelProcError> {
        let mut params = PreprocParams::default();
        for (key, value) in obj {
            let here = key_path(path, key);
            match key.as_str() {
                "layer_name" | "format" | "precision" if legacy => {}
                "resize" => params.resize = self.opt_keyword(obj, path, key)?,
                "crop" => params.crop = self.opt_keyword(obj, path, key)?,
                "color_space" => params.color_space = self.opt_keyword(obj, path, key)?,
                "color_format" if legacy => {
                    params.color_space = self.opt_keyword(obj, path, key)?;
                }
                "range" => {
                    let range = self.numbers(value, &here)?;
                    match range[..] {
                        [lo, hi] if lo < hi => params.range = Some([lo, hi]),
                        _ => return Err(self.expected(here, "[lo, hi] with lo < hi", value)),
                    }
                }
                "mean" => params.mean = Some(self.numbers(value, &here)?),
                "std" => {
                    let std = self.numbers(value, &here)?;
                    if let Some(i) = std.iter().position(|&s| s == 0.0) {
                        return Err(
                            self.invalid(format!("{here}[{i}]"), "0 (expected a non-zero divisor)")
                        );
                    }
                    params.std = Some(std);
                }
                "padding" => {
                    params.padding = Some(self.padding(self.object(value, &here)?, &here)?)
                }
                "scale" => params.scale = self.opt_f64(obj, path, key)?,
                _ => {
                    params.other.insert(key.clone(), value.clone());
                }
            }
        }
        Ok(params)
    }

    fn padding(&self, obj: &Map<String, Value>, path: &str) -> Result<Padding, ModelProcError> {
        let max = u64::from(u32::MAX);
        let stride = self.opt_uint(obj, path, "stride", max)?;
        let stride_x = self.opt_uint(obj, path, "stride_x", max)?.or(stride);
        let stride_y = self.opt_uint(obj, path, "stride_y", max)?.or(stride);
        let fill_value = obj
            .get("fill_value")
            .map(|v| self.numbers(v, &key_path(path, "fill_value")))
            .transpose()?;
        let to_u32 = |n: Option<u64>| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        Ok(Padding {
            stride_x: to_u32(stride_x),
            stride_y: to_u32(stride_y),
            fill_value,
        })
    }

    fn output_item(&self, item: &Value, path: &str) -> Result<OutputPostproc, ModelProcError> {
        let obj = self.object(item, path)?;
        let layer_name = self.opt_str(obj, path, "layer_name")?;
        let layer_names = obj
            .get("layer_names")
            .map(|v| self.strings(v, &key_path(path, "layer_names"), "an array of strings"))
            .transpose()?;
        let layer_names = match (layer_name, layer_names) {
            (Some(_), Some(_)) => {
                return Err(self.invalid(
                    path,
                    "both 'layer_name' and 'layer_names' are set (expected one of them)",
                ));
            }
            (Some(name), None) => vec![name.to_owned()],
            (None, names) => names.unwrap_or_default(),
        };
        let attribute_name = self
            .opt_str(obj, path, "attribute_name")?
            .map(str::to_owned);
        let converter = match self.opt_str(obj, path, "converter")? {
            None | Some("") => None,
            Some(name) => Some(
                Converter::from_name(name)
                    .map_err(|e| self.invalid(key_path(path, "converter"), e.to_string()))?,
            ),
        };

        let mut fields = obj.clone();
        let labels = match obj.get("labels") {
            None => None,
            Some(Value::String(file)) => {
                let labels = labels::read_file(&self.base.join(file))
                    .map_err(|e| self.invalid(key_path(path, "labels"), e.to_string()))?;
                fields.insert(
                    "labels".into(),
                    Value::Array(labels.iter().cloned().map(Value::String).collect()),
                );
                Some(labels)
            }
            Some(value) => Some(self.strings(
                value,
                &key_path(path, "labels"),
                "an array of strings or the path of a labels file",
            )?),
        };

        let method = match (converter.map(|c| c.converter), obj.get("method")) {
            (Some(Converter::Label), Some(_)) => {
                let name = self.opt_str(obj, path, "method")?.unwrap_or_default();
                Some(
                    LabelMethod::from_name(name)
                        .map_err(|e| self.invalid(key_path(path, "method"), e.to_string()))?,
                )
            }
            _ => None,
        };
        let iou_threshold = self.opt_f64(obj, path, "iou_threshold")?;
        if let Some(iou) = iou_threshold.filter(|iou| !(0.0..=1.0).contains(iou)) {
            return Err(self.invalid(
                key_path(path, "iou_threshold"),
                format!("expected a number from 0 to 1, got {iou}"),
            ));
        }
        let text_precision = self
            .opt_uint(obj, path, "text_precision", 100)?
            .and_then(|n| usize::try_from(n).ok());
        let params = PostprocParams {
            method,
            confidence_threshold: self.opt_f64(obj, path, "confidence_threshold")?,
            iou_threshold,
            roi_scale: self.opt_f64(obj, path, "roi_scale")?,
            text_scale: self.opt_f64(obj, path, "text_scale")?,
            text_precision,
        };
        Ok(OutputPostproc {
            layer_names,
            attribute_name,
            converter,
            labels,
            params,
            fields,
        })
    }
}
