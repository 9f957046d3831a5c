//! The `rsfacedecoder` element's implementation: `FaceDecoder.process_frame` of
//! `samples/face_detection_decoder.py`, on the frame gva-meta gives a Rust element.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard};

use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use gva_meta::{NewRegion, OptionalField, Precision, RegionMut, Tensor, VideoFrame};

use super::decode::{self, KEYPOINTS};
use crate::{numpy, python};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "rsfacedecoder",
        gst::DebugColorFlags::empty(),
        Some("gva-rs sample: face detector anchors to regions"),
    )
});

/// `FaceDecoder(threshold=0.5, iou=0.3)`.
const DEFAULT_THRESHOLD: f64 = 0.5;
const DEFAULT_IOU: f64 = 0.3;

/// Property values (the Python class's constructor arguments).
#[derive(Debug, Clone, Copy)]
struct Settings {
    threshold: f64,
    iou: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            iou: DEFAULT_IOU,
        }
    }
}

/// Built by `start()`, dropped by `stop()`: the settings in force and the negotiated format.
struct State {
    settings: Settings,
    info: Option<gst_video::VideoInfo>,
}

#[derive(Default)]
pub struct RsFaceDecoder {
    settings: Mutex<Settings>,
    state: Mutex<Option<State>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[glib::object_subclass]
impl ObjectSubclass for RsFaceDecoder {
    const NAME: &'static str = "GstRsFaceDecoder";
    type Type = super::RsFaceDecoder;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for RsFaceDecoder {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPERTIES: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecDouble::builder("threshold")
                    .nick("Threshold")
                    .blurb("Lowest face score (sigmoid of the logit) a candidate needs")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(DEFAULT_THRESHOLD)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecDouble::builder("iou")
                    .nick("IoU threshold")
                    .blurb("Candidates overlapping the best one by more than this are merged")
                    .minimum(0.0)
                    .maximum(1.0)
                    .default_value(DEFAULT_IOU)
                    .mutable_ready()
                    .build(),
            ]
        });
        PROPERTIES.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut settings = lock(&self.settings);
        match pspec.name() {
            "threshold" => settings.threshold = value.get().unwrap_or(DEFAULT_THRESHOLD),
            "iou" => settings.iou = value.get().unwrap_or(DEFAULT_IOU),
            other => gst::warning!(CAT, imp = self, "unknown property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let settings = lock(&self.settings);
        match pspec.name() {
            "threshold" => settings.threshold.to_value(),
            _ => settings.iou.to_value(),
        }
    }
}

impl GstObjectImpl for RsFaceDecoder {}

impl ElementImpl for RsFaceDecoder {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static METADATA: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "Face detector decoder (gva-rs sample)",
                "Filter/Analyzer/Video",
                "Decodes MediaPipe's short-range face detector output tensors into face regions",
                "gva-rs",
            )
        });
        Some(&*METADATA)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(crate::pads::video_filter_templates);
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for RsFaceDecoder {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn start(&self) -> Result<(), gst::ErrorMessage> {
        // The anchors are computed once per process, here rather than on the first frame.
        LazyLock::force(&decode::ANCHORS);
        let settings = *lock(&self.settings);
        *lock(&self.state) = Some(State {
            settings,
            info: None,
        });
        Ok(())
    }

    fn stop(&self) -> Result<(), gst::ErrorMessage> {
        *lock(&self.state) = None;
        Ok(())
    }

    fn set_caps(&self, incaps: &gst::Caps, _outcaps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let info = gst_video::VideoInfo::from_caps(incaps)
            .map_err(|_| gst::loggable_error!(CAT, "caps {incaps} are not raw video"))?;
        if let Some(state) = lock(&self.state).as_mut() {
            state.info = Some(info);
        }
        Ok(())
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let (settings, info) = match lock(&self.state).as_ref() {
            Some(State {
                settings,
                info: Some(info),
            }) => (*settings, info.clone()),
            _ => return Err(gst::FlowError::NotNegotiated),
        };
        let mut frame = VideoFrame::new(buf, info);
        match process_frame(&mut frame, settings) {
            Ok(()) => Ok(gst::FlowSuccess::Ok),
            Err(message) => {
                gst::element_imp_error!(self, gst::StreamError::Failed, ("{}", message));
                Err(gst::FlowError::Error)
            }
        }
    }
}

/// `FaceDecoder.process_frame`: adds a `face` region per detection; the raw output tensors
/// stay on the frame.
fn process_frame(
    frame: &mut VideoFrame<&mut gst::BufferRef>,
    settings: Settings,
) -> Result<(), String> {
    let (regressors, logits) = {
        // layers = {t.layer_name(): t for t in frame.tensors()}
        let mut layers: HashMap<Option<&str>, &Tensor> = HashMap::new();
        for tensor in frame.tensors() {
            let name = tensor.layer_name().optional().map_err(|e| e.to_string())?;
            layers.insert(name, tensor);
        }
        let (Some(regressors), Some(classificators)) = (
            layers.get(&Some("regressors")),
            layers.get(&Some("classificators")),
        ) else {
            // sorted(k for k in layers if k), as a Python list
            let mut found: Vec<&str> = layers.keys().flatten().copied().collect();
            found.retain(|k| !k.is_empty());
            found.sort_unstable();
            let found: Vec<String> = found.iter().map(|k| format!("'{k}'")).collect();
            return Err(format!(
                "face_detection_decoder: expected the tensors 'regressors' and 'classificators' \
                 from gvainference, found [{}]",
                found.join(", ")
            ));
        };
        // layers["regressors"].data(), layers["classificators"].data()
        (data(regressors)?, data(classificators)?)
    };
    let faces = decode::decode(&regressors, &logits, settings.threshold, settings.iou)
        .map_err(|e| format!("face_detection_decoder: {e}"))?;
    for face in faces {
        // x0, y0, x1, y1 = np.clip(box, 0.0, 1.0).tolist()
        let [x0, y0, x1, y1] = face.rect.map(|v| f64::from(numpy::clip(v, 0.0, 1.0)));
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        let extra_params = extra_params_json(&face.keypoints);
        let region = NewRegion::normalized(x0, y0, x1 - x0, y1 - y0)
            .label("face")
            .confidence(f64::from(face.score));
        let mut added = frame.add_region(&region).map_err(|e| e.to_string())?;
        added
            .region
            .detection_mut()
            .set_extra_params_json(&extra_params)
            .map_err(|e| e.to_string())?;
        add_landmarks(&mut added.region, &face.keypoints, [x0, y0, x1, y1])
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `add_landmarks(region, keypoints, (x0, y0, x1, y1))`: the keypoints as a tensor in DL
/// Streamer's `landmark_points` format (what `gvawatermark` draws as dots): FP32 `(x, y)`
/// pairs relative to the region's box.
fn add_landmarks(
    region: &mut RegionMut<'_>,
    keypoints: &[[f32; 2]; 6],
    [x0, y0, x1, y1]: [f64; 4],
) -> Result<(), gva_meta::Error> {
    // relative = (keypoints - (x0, y0)) / (x1 - x0, y1 - y0): in float64 (a tuple of Python
    // floats is a float64 array), then .astype(np.float32)
    let relative: Vec<u8> = keypoints
        .iter()
        .flat_map(|[x, y]| {
            [
                ((f64::from(*x) - x0) / (x1 - x0)) as f32,
                ((f64::from(*y) - y0) / (y1 - y0)) as f32,
            ]
        })
        .flat_map(f32::to_ne_bytes)
        .collect();
    let tensor = region.add_tensor("landmarks")?;
    tensor.set_format("landmark_points")?;
    tensor.set_precision(Precision::Fp32);
    // tensor["dims"] = [len(KEYPOINTS), 2] (gstgva stores dims as uint, DL Streamer's type)
    tensor.set_dims(&[KEYPOINTS.len() as u32, 2]);
    tensor.set_data(&relative);
    tensor
        .structure_mut()
        .set("point_names", gst::Array::new(KEYPOINTS));
    Ok(())
}

/// `tensor.data()` as float32 values (`.astype(np.float32)` in `decode`).
fn data(tensor: &Tensor) -> Result<Vec<f32>, String> {
    let name = tensor.layer_name().unwrap_or_default();
    let bytes = tensor
        .data()
        .optional()
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("face_detection_decoder: tensor '{name}' has no data_buffer"))?;
    // gstgva reads an absent, unknown or mistyped precision as UNSPECIFIED (raw bytes).
    let precision = tensor.precision().unwrap_or(Precision::Unspecified);
    numpy::astype_f32(bytes, precision).map_err(|e| format!("tensor '{name}': {e}"))
}

/// `json.dumps({name: [round(float(x), 4), round(float(y), 4)] for name, (x, y) in
/// zip(KEYPOINTS, keypoints)})`, the region's `extra_params` in gstgva's `add_region`.
fn extra_params_json(keypoints: &[[f32; 2]; 6]) -> String {
    let items: Vec<String> = KEYPOINTS
        .iter()
        .zip(keypoints)
        .map(|(name, [x, y])| {
            let coordinate = |v: f32| python::json_float(python::round(f64::from(v), 4));
            format!("\"{name}\": [{}, {}]", coordinate(*x), coordinate(*y))
        })
        .collect();
    format!("{{{}}}", items.join(", "))
}
