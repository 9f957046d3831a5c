//! DL Streamer's common inference properties, declared once for every inference element.

use gst::glib;
use gst::prelude::*;

use gva_infer::converters::Task;

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
    /// `inference-region`: full frame or each region.
    pub inference_region: InferenceRegion,
    /// `object-class`: comma-separated labels of the regions to infer on.
    pub object_class: Option<String>,
    /// `batch-size`: frames per inference request (0 = auto = 1).
    pub batch_size: u32,
    /// `reclassify-interval` (gvaclassify only): re-classify a tracked object every N frames
    /// (0 = once).
    pub reclassify_interval: u32,
    /// `pre-process-backend`: `""`, `ie` or `opencv` (all pre-process inside the model).
    pub pre_process_backend: String,
    /// `scheduling-policy`: accepted for DL Streamer pipelines (`throughput` or `latency`).
    pub scheduling_policy: String,
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
            batch_size: 0,
            reclassify_interval: 1,
            pre_process_backend: String::new(),
            scheduling_policy: "throughput".to_owned(),
        }
    }
}

impl Settings {
    /// The defaults of `task`'s element (gvaclassify infers on regions by default).
    pub fn for_task(task: Task) -> Self {
        let inference_region = match task {
            Task::Classify => InferenceRegion::RoiList,
            Task::Inference | Task::Detect => InferenceRegion::FullFrame,
        };
        Self {
            inference_region,
            ..Self::default()
        }
    }

    /// The properties every inference element has (the base class installs them).
    pub fn properties() -> Vec<glib::ParamSpec> {
        let d = Self::default();
        vec![
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
                .blurb(
                    "Comma-separated KEY=VALUE pairs for OpenVINO. On CPU, unless NUM_STREAMS or \
                     PERFORMANCE_HINT is given, NUM_STREAMS=AUTO with more than one request",
                )
                .default_value(Some(""))
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("nireq")
                .nick("Number of inference requests")
                .blurb(
                    "Inference requests in flight (0 = auto: OpenVINO's optimal number for the \
                     compiled model)",
                )
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
            glib::ParamSpecUInt::builder("batch-size")
                .nick("Batch size")
                .blurb("Frames per inference request (0 = auto = 1); the model is reshaped to it")
                .minimum(0)
                .maximum(1024)
                .default_value(d.batch_size)
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("pre-process-backend")
                .nick("Pre-processing backend")
                .blurb(
                    "'' (auto), 'ie' or 'opencv': gva-rs pre-processes inside the OpenVINO model \
                     for all three; VA-API backends are refused (system memory only)",
                )
                .default_value(Some(""))
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("scheduling-policy")
                .nick("Scheduling policy")
                .blurb(
                    "'throughput' or 'latency', accepted so DL Streamer pipelines run; each \
                     element schedules its own requests in frame order either way",
                )
                .default_value(Some("throughput"))
                .mutable_ready()
                .build(),
            Self::inference_region_property(d.inference_region),
            glib::ParamSpecString::builder("object-class")
                .nick("Object class")
                .blurb("Comma-separated labels of the regions to infer on (default: all)")
                .mutable_ready()
                .build(),
        ]
    }

    /// `inference-region` with `default` (gvaclassify overrides the base's with `roi-list`).
    pub fn inference_region_property(default: InferenceRegion) -> glib::ParamSpec {
        glib::ParamSpecEnum::builder_with_default("inference-region", default)
            .nick("Inference region")
            .blurb("Infer on the full frame or on each region of interest")
            .mutable_ready()
            .build()
    }

    /// gvaclassify's `reclassify-interval`.
    pub fn reclassify_interval_property() -> glib::ParamSpec {
        glib::ParamSpecUInt::builder("reclassify-interval")
            .nick("Reclassify interval")
            .blurb(
                "Re-classify a tracked object (object_id) every N frames, re-attaching its last \
                 results in between (1 = every frame, 0 = once)",
            )
            .minimum(0)
            .maximum(u32::MAX)
            .default_value(Self::default().reclassify_interval)
            .mutable_ready()
            .build()
    }

    /// gvadetect's `threshold`.
    pub fn threshold_property() -> glib::ParamSpec {
        glib::ParamSpecFloat::builder("threshold")
            .nick("Threshold")
            .blurb("Minimum confidence of a detection")
            .minimum(0.0)
            .maximum(1.0)
            .default_value(Self::default().threshold as f32)
            .mutable_ready()
            .build()
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
            "batch-size" => self.batch_size = value.get().unwrap_or(self.batch_size),
            "reclassify-interval" => {
                self.reclassify_interval = value.get().unwrap_or(self.reclassify_interval);
            }
            "pre-process-backend" => self.pre_process_backend = string().unwrap_or_default(),
            "scheduling-policy" => {
                self.scheduling_policy = string().unwrap_or_else(|| "throughput".to_owned());
            }
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
            "batch-size" => self.batch_size.to_value(),
            "reclassify-interval" => self.reclassify_interval.to_value(),
            "pre-process-backend" => self.pre_process_backend.to_value(),
            "scheduling-policy" => self.scheduling_policy.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}
