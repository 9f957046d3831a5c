//! DL Streamer's common inference properties, declared once for every inference element.

use gst::glib;
use gst::prelude::*;

use super::Kind;

/// `inference-region`: what an element infers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsInferenceRegion")]
pub enum InferenceRegion {
    /// The whole frame.
    #[default]
    #[enum_value(name = "Perform inference for full frame", nick = "full-frame")]
    FullFrame = 0,
    /// Each region of interest already on the frame.
    #[enum_value(name = "Perform inference for roi list", nick = "roi-list")]
    RoiList = 1,
}

/// Property values of an inference element (defaults as DL Streamer's).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `model`: path of the model file.
    pub model: Option<String>,
    /// `model-proc`: path of the model-proc JSON.
    pub model_proc: Option<String>,
    /// `device`: OpenVINO device.
    pub device: String,
    /// `ie-config`: `KEY=VALUE,…` for OpenVINO.
    pub ie_config: String,
    /// `nireq`: requests in flight (0 = auto).
    pub nireq: u32,
    /// `inference-interval`: infer every Nth frame.
    pub inference_interval: u32,
    /// `model-instance-id`: identifier written as `element_id` (else the element name).
    pub model_instance_id: Option<String>,
    /// `labels`: comma-separated labels replacing the model-proc's.
    pub labels: Option<String>,
    /// `labels-file`: one label per line, replacing the model-proc's.
    pub labels_file: Option<String>,
    /// `threshold` (gvadetect only): minimum detection confidence.
    pub threshold: f64,
    /// `inference-region` (gvaclassify only): full frame or each region.
    pub inference_region: InferenceRegion,
    /// `object-class` (gvaclassify only): comma-separated labels of the regions to infer on.
    pub object_class: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: None,
            model_proc: None,
            device: "CPU".to_owned(),
            ie_config: String::new(),
            nireq: 0,
            inference_interval: 1,
            model_instance_id: None,
            labels: None,
            labels_file: None,
            threshold: gva_infer::converters::DEFAULT_CONFIDENCE_THRESHOLD,
            inference_region: InferenceRegion::FullFrame,
            object_class: None,
        }
    }
}

impl Settings {
    /// The defaults of `kind`'s element (gvaclassify infers on regions by default).
    pub fn for_kind(kind: Kind) -> Self {
        let inference_region = match kind {
            Kind::Classify => InferenceRegion::RoiList,
            Kind::Inference | Kind::Detect => InferenceRegion::FullFrame,
        };
        Self {
            inference_region,
            ..Self::default()
        }
    }

    /// The properties of `kind`'s element: the common ones plus gvadetect's `threshold` or
    /// gvaclassify's `inference-region` and `object-class`.
    pub fn properties(kind: Kind) -> Vec<glib::ParamSpec> {
        let d = Self::for_kind(kind);
        let mut props = vec![
            glib::ParamSpecString::builder("model")
                .nick("Model")
                .blurb("Path to the model file (OpenVINO IR .xml, ONNX or TFLite)")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("model-proc")
                .nick("Model proc")
                .blurb("Path to the model-proc JSON file")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("device")
                .nick("Device")
                .blurb("OpenVINO device to infer on")
                .default_value(Some(d.device.as_str()))
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("ie-config")
                .nick("IE config")
                .blurb("Comma-separated KEY=VALUE pairs for OpenVINO")
                .default_value(Some(""))
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("nireq")
                .nick("Number of inference requests")
                .blurb("Inference requests in flight (0 = auto)")
                .minimum(0)
                .maximum(1024)
                .default_value(d.nireq)
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("inference-interval")
                .nick("Inference interval")
                .blurb("Run inference on every Nth frame; the others pass untouched")
                .minimum(1)
                .maximum(u32::MAX)
                .default_value(d.inference_interval)
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("model-instance-id")
                .nick("Model instance id")
                .blurb("Identifier of the model instance (written as element_id; default: element name)")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("labels")
                .nick("Labels")
                .blurb("Comma-separated labels, replacing the model-proc's")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("labels-file")
                .nick("Labels file")
                .blurb("File with one label per line, replacing the model-proc's")
                .mutable_ready()
                .build(),
        ];
        if kind == Kind::Classify {
            props.push(
                glib::ParamSpecEnum::builder_with_default("inference-region", d.inference_region)
                    .nick("Inference region")
                    .blurb("Infer on the full frame or on each region of interest")
                    .mutable_ready()
                    .build(),
            );
            props.push(
                glib::ParamSpecString::builder("object-class")
                    .nick("Object class")
                    .blurb("Comma-separated labels of the regions to infer on (default: all)")
                    .mutable_ready()
                    .build(),
            );
        }
        if kind == Kind::Detect {
            props.push(
                glib::ParamSpecFloat::builder("threshold")
                    .nick("Threshold")
                    .blurb("Minimum confidence of a detection")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(d.threshold as f32)
                    .mutable_ready()
                    .build(),
            );
        }
        props
    }

    /// Stores a property value (the value's type is checked by GObject against the spec).
    pub fn set(&mut self, value: &glib::Value, pspec: &glib::ParamSpec) {
        let string = || value.get::<Option<String>>().ok().flatten();
        match pspec.name() {
            "model" => self.model = string(),
            "model-proc" => self.model_proc = string(),
            "device" => self.device = string().unwrap_or_else(|| "CPU".to_owned()),
            "ie-config" => self.ie_config = string().unwrap_or_default(),
            "nireq" => self.nireq = value.get().unwrap_or(self.nireq),
            "inference-interval" => {
                self.inference_interval = value.get().unwrap_or(self.inference_interval);
            }
            "model-instance-id" => self.model_instance_id = string(),
            "labels" => self.labels = string(),
            "labels-file" => self.labels_file = string(),
            "threshold" => {
                self.threshold = value.get::<f32>().map_or(self.threshold, f64::from);
            }
            "inference-region" => {
                self.inference_region = value.get().unwrap_or(self.inference_region);
            }
            "object-class" => self.object_class = string(),
            _ => {}
        }
    }

    /// A property value.
    pub fn get(&self, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "model" => self.model.to_value(),
            "model-proc" => self.model_proc.to_value(),
            "device" => self.device.to_value(),
            "ie-config" => self.ie_config.to_value(),
            "nireq" => self.nireq.to_value(),
            "inference-interval" => self.inference_interval.to_value(),
            "model-instance-id" => self.model_instance_id.to_value(),
            "labels" => self.labels.to_value(),
            "labels-file" => self.labels_file.to_value(),
            "threshold" => (self.threshold as f32).to_value(),
            "inference-region" => self.inference_region.to_value(),
            "object-class" => self.object_class.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}
