//! The model of an inference element with a converter per output, read at start, compiled
//! for the negotiated frames, and run on frames: whole frames through the asynchronous
//! request pool (in batches), regions on the streaming thread.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gst_video::prelude::*;
use gva_infer::converters::ConverterSettings;
use gva_infer::model::{
    CompiledModel, FrameInput, InputData, ModelError, ModelInfo, element_config, image_shape,
    parse_config,
};
use gva_infer::model_proc::{ModelProc, PreprocParams};
use gva_infer::pool::Pool;
use gva_infer::preprocess::{ColorSpace, FrameFormat, Preprocess};
use gva_meta::{Rect, VideoFrame};

use super::frames::{crop_resized, frame_format, pack_into, packed, split_planes_into};
use super::results::{Results, Target};
use super::shared::{ModelKey, SharedModel, get_or_compile};
use super::{InferenceRegion, Settings};

/// Which element the engine serves: what its converters must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// gvainference: tensors per frame.
    Inference,
    /// gvadetect: regions.
    Detect,
    /// gvaclassify: results on each region (or tensors for the full frame).
    Classify,
}

/// Where the pool's results go: each frame, with its metadata attached, in frame order.
pub type Sink = Arc<dyn Fn(Result<gst::Buffer, String>) + Send + Sync>;

/// Where warnings found while converting results go (posted by the element).
pub type Warn = Arc<dyn Fn(String) + Send + Sync>;

/// `pre-process-backend` values: what each means here.
const BACKENDS: &[&str] = &["", "ie", "opencv"];
/// DL Streamer's backends for VA memory, which gva-rs does not have.
const VA_BACKENDS: &[&str] = &["va", "va-surface-sharing", "vaapi", "vaapi-surface-sharing"];

/// A started inference element's model, converters and frame counter.
pub struct Engine {
    model_path: String,
    device: String,
    config: Vec<(String, String)>,
    instance: Option<String>,
    interval: u64,
    frames: u64,
    results: Arc<Results>,
    /// `nireq` (0 = auto).
    nireq: usize,
    batch: usize,
    /// Full-frame inference: `nireq` requests in flight, delivering to `sink`.
    pool: Option<Pool<gst::Buffer>>,
    sink: Sink,
    warn: Warn,
    /// With `inference-region=roi-list`: the `object-class` labels (empty = every region).
    regions: Option<Vec<String>>,
    /// gvaclassify on regions with `reclassify-interval` other than 1.
    history: Option<History>,
    /// The model's input width and height.
    input_size: (usize, usize),
    /// Whether the model's image input is NCHW with three channels (it can take colour
    /// planes).
    input_takes_planes: bool,
    /// Whether the compiled model takes the frames as colour planes
    /// ([`gva_infer::planes`]).
    planes: bool,
    compiled: Option<Arc<SharedModel>>,
    /// The negotiated frames.
    info: Option<gst_video::VideoInfo>,
    /// The model-proc's `input_preproc` params of the image input, when a model-proc is set.
    preproc: Option<PreprocParams>,
    /// Warnings for the element to post once started (deprecated converter names…).
    pub warnings: Vec<String>,
}

impl Engine {
    /// Checks the settings and reads the model (without compiling it: that happens once the
    /// frames are known), and configures a converter per output; every error names its cause
    /// (missing model, bad model-proc, unknown converter or device, labels, backend).
    pub fn start(
        kind: Kind,
        settings: &Settings,
        element_name: &str,
        sink: Sink,
        warn: Warn,
    ) -> Result<Self, String> {
        let model_path = settings
            .model
            .clone()
            .filter(|m| !m.is_empty())
            .ok_or("no model: set the 'model' property to a model file")?;
        check_backend(&settings.pre_process_backend)?;
        if !["throughput", "latency"].contains(&settings.scheduling_policy.as_str()) {
            return Err(format!(
                "unknown scheduling-policy '{}' (expected throughput or latency)",
                settings.scheduling_policy
            ));
        }
        let model_proc = match settings.model_proc.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => Some(ModelProc::from_file(path).map_err(|e| e.to_string())?),
            None => None,
        };
        let labels = if let Some(list) = settings.labels.as_deref().filter(|l| !l.is_empty()) {
            Some(gva_infer::labels::parse_list(list))
        } else if let Some(file) = settings.labels_file.as_deref().filter(|f| !f.is_empty()) {
            Some(
                gva_infer::labels::read_file(Path::new(file))
                    .map_err(|e| format!("labels-file '{file}': {}", e.source))?,
            )
        } else {
            None
        };
        let on_regions = settings.inference_region == InferenceRegion::RoiList;
        // Regions are inferred one at a time; whole frames with `nireq` requests in flight.
        let requests = if on_regions {
            1
        } else {
            settings.nireq as usize
        };
        let (config, mut warnings) = element_config(
            &settings.device,
            requests,
            parse_config(&settings.ie_config).map_err(|e| e.to_string())?,
        );
        let info = ModelInfo::read(&model_path, &settings.device).map_err(|e| e.to_string())?;
        let input_takes_planes = info
            .inputs
            .first()
            .is_some_and(|p| matches!(p.shape[..], [_, 3, _, _]));
        let (_, input_width, input_height) = info
            .inputs
            .first()
            .and_then(|p| image_shape(&p.shape))
            .ok_or_else(|| {
                format!(
                    "model '{model_path}' has no image input ([N, C, H, W] or [N, H, W, C] with \
                     1, 3 or 4 channels; its inputs: {:?})",
                    info.inputs
                        .iter()
                        .map(|p| (&p.name, &p.shape))
                        .collect::<Vec<_>>()
                )
            })?;
        let converter_settings = ConverterSettings {
            threshold: (kind == Kind::Detect).then_some(settings.threshold),
            labels,
            input_width,
            input_height,
            class_agnostic_nms: false,
        };
        let element_id = settings
            .model_instance_id
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| element_name.to_owned());
        let results = Results::new(
            kind,
            &info.outputs,
            model_proc.as_ref(),
            &converter_settings,
            info.name.clone(),
            element_id,
            &mut warnings,
        )?;
        if on_regions && settings.batch_size > 1 {
            warnings.push(format!(
                "batch-size={} does not apply to inference-region=roi-list: regions are \
                 inferred one by one",
                settings.batch_size
            ));
        }
        Ok(Self {
            model_path,
            device: settings.device.clone(),
            config,
            instance: settings.model_instance_id.clone().filter(|i| !i.is_empty()),
            interval: u64::from(settings.inference_interval.max(1)),
            frames: 0,
            results: Arc::new(results),
            nireq: settings.nireq as usize,
            // 0 = auto = 1 frame per request.
            batch: settings.batch_size.max(1) as usize,
            pool: None,
            sink,
            warn,
            regions: on_regions.then(|| {
                settings
                    .object_class
                    .as_deref()
                    .map(gva_infer::labels::parse_list)
                    .unwrap_or_default()
            }),
            history: (kind == Kind::Classify && on_regions && settings.reclassify_interval != 1)
                .then(|| History::new(settings.reclassify_interval)),
            input_size: (input_width, input_height),
            input_takes_planes,
            planes: false,
            compiled: None,
            info: None,
            preproc: model_proc.as_ref().map(|m| {
                m.image_input()
                    .map(|i| i.params.clone())
                    .unwrap_or_default()
            }),
            warnings,
        })
    }

    /// Takes the negotiated frames and compiles the model for their format and size (once per
    /// format and size, shared with the elements of the same `model-instance-id`); for
    /// regions, for crops already resized to the model's input size. Region inference
    /// (`roi-list`) crops in Rust and takes only packed RGB-family frames.
    pub fn prepare(&mut self, info: &gst_video::VideoInfo) -> Result<(), String> {
        let format = frame_format(info.format())
            .ok_or_else(|| format!("unsupported video format {}", info.format().to_str()))?;
        if self.regions.is_some() && matches!(format, FrameFormat::Nv12 | FrameFormat::I420) {
            return Err(format!(
                "inference-region=roi-list needs packed RGB-family frames (BGR, BGRx, BGRA, RGB, \
                 RGBx, RGBA), not {}: convert the frames first (e.g. videoconvert)",
                info.format().to_str()
            ));
        }
        if matches!(format, FrameFormat::Nv12 | FrameFormat::I420)
            && (!info.width().is_multiple_of(2) || !info.height().is_multiple_of(2))
        {
            return Err(format!(
                "{} frames need an even width and height, not {}x{}",
                info.format().to_str(),
                info.width(),
                info.height()
            ));
        }
        self.info = Some(info.clone());
        let (width, height, batch) = if self.regions.is_some() {
            (self.input_size.0, self.input_size.1, 1)
        } else {
            (info.width() as usize, info.height() as usize, self.batch)
        };
        let mut pre = Preprocess::new(format, width, height).with_batch(batch);
        if let Some(params) = &self.preproc {
            pre = pre.with_params(params);
        }
        // Frames of the model's size are split into colour planes as they are copied in, so
        // the model has no transpose left (see gva_infer::planes).
        let planes = self.regions.is_none()
            && format.is_packed()
            && self.input_takes_planes
            && (width, height) == self.input_size
            && pre.color_space != ColorSpace::Grayscale
            && gva_infer::planes::is_fast();
        let pre = if planes {
            Some(pre.with_planes())
        } else if self.preproc.is_none() && format == FrameFormat::Bgr && batch == 1 {
            // Without a model-proc, BGR frames keep the plain BGR pre-processing.
            None
        } else {
            Some(pre)
        };
        let key = ModelKey {
            path: self.model_path.clone(),
            device: self.device.clone(),
            config: self.config.clone(),
            preprocess: format!("{format:?} {width}x{height} {pre:?}"),
        };
        if self.compiled.as_ref().is_some_and(|m| m.key == key) {
            return Ok(());
        }
        // Frames in flight finish with the old model first.
        self.pool = None;
        self.planes = planes;
        let (path, device, config) = (&self.model_path, &self.device, &self.config);
        let shared = get_or_compile(self.instance.as_deref(), key, || {
            match pre {
                None => {
                    CompiledModel::load(path, device, config, Some(FrameInput::bgr(width, height)))
                }
                Some(pre) => CompiledModel::load_with(path, device, config, pre),
            }
            .map_err(|e| e.to_string())
        })?;
        if self.regions.is_none() {
            let (results, sink, info) = (self.results.clone(), self.sink.clone(), info.clone());
            let warn = self.warn.clone();
            let deliver = move |buffers: Vec<gst::Buffer>, outputs: Result<Vec<_>, _>| {
                let mut warnings = Vec::new();
                let converted = outputs
                    .map_err(|e: ModelError| e.to_string())
                    .and_then(|outputs| results.convert(&outputs, batch, &mut warnings));
                warnings.into_iter().for_each(|w| warn(w));
                match converted {
                    Ok(per_frame) => {
                        for (mut buffer, frame_results) in buffers.into_iter().zip(per_frame) {
                            let mut frame = VideoFrame::new(buffer.make_mut(), info.clone());
                            let attached =
                                results.attach(&mut frame, frame_results, Target::Frame, None);
                            sink(attached.map(|_| buffer));
                        }
                    }
                    Err(e) => {
                        for _ in buffers {
                            sink(Err(e.clone()));
                        }
                    }
                }
            };
            let mut model = super::lock(&shared.model);
            // nireq=0 (auto): as many as OpenVINO advises for the compiled model (as DL
            // Streamer does): one per stream.
            let nireq = match self.nireq {
                0 => model.optimal_requests().map_err(|e| e.to_string())?,
                n => n,
            };
            let pool =
                Pool::batched(&mut model, nireq, batch, deliver).map_err(|e| e.to_string())?;
            self.pool = Some(pool);
        }
        self.compiled = Some(shared);
        Ok(())
    }

    /// Hands `buffer` on: full-frame inference submits it to the pool (its result reaches the
    /// sink, in order) and gives `None`; a skipped frame waits for the frames before it and
    /// comes back; region inference runs here and gives the buffer back with its results.
    pub fn submit(&mut self, mut buffer: gst::Buffer) -> Result<Option<gst::Buffer>, String> {
        let Some(pool) = &self.pool else {
            self.process_regions(buffer.make_mut())?;
            return Ok(Some(buffer));
        };
        let index = self.frames;
        self.frames += 1;
        if !index.is_multiple_of(self.interval) {
            pool.flush();
            return Ok(Some(buffer));
        }
        let info = self
            .info
            .as_ref()
            .ok_or("no caps negotiated before the first frame")?;
        // The pixels go straight from the mapped frame into the request's input tensor. The
        // reading reference lives in the fill closure, which is gone before the request is
        // handed to the completion thread: the delivered buffer is writable without a copy.
        let reader = buffer.clone();
        let planes = self.planes;
        let fill = move |input: &mut [u8]| {
            let frame =
                gst_video::VideoFrameRef::from_buffer_ref_readable(reader.as_ref(), info)
                    .map_err(|_| ModelError::Other("cannot map the frame for reading".into()))?;
            if planes {
                split_planes_into(&frame, input)
            } else {
                pack_into(&frame, input)
            }
            .map_err(ModelError::Other)
        };
        pool.submit_with(buffer, fill).map_err(|e| e.to_string())?;
        Ok(None)
    }

    /// Waits until every frame in flight (a partly filled batch included) has reached the
    /// sink.
    pub fn flush(&self) {
        if let Some(pool) = &self.pool {
            pool.flush();
        }
    }

    /// On every `inference-interval`th frame, infers on each region whose label `object-class`
    /// names (every region when empty), cropped and resized to the model input, and attaches
    /// the results (gvaclassify's history re-attaches the last results of tracked objects
    /// between re-classifications).
    fn process_regions(&mut self, buffer: &mut gst::BufferRef) -> Result<(), String> {
        let info = &self
            .info
            .clone()
            .ok_or("no caps negotiated before the first frame")?;
        let index = self.frames;
        self.frames += 1;
        if !index.is_multiple_of(self.interval) {
            return Ok(());
        }
        let classes = self.regions.as_deref().unwrap_or_default();
        let rois: Vec<(i32, Rect<u32>, i32)> = VideoFrame::new(&*buffer, info.clone())
            .regions()
            .filter(|r| {
                classes.is_empty() || r.label().is_ok_and(|l| classes.iter().any(|c| c == l))
            })
            .map(|r| (r.id(), r.rect(), r.object_id().unwrap_or(0)))
            .collect();
        if rois.is_empty() {
            return Ok(());
        }
        // Regions whose tracked object was classified recently get its last results.
        let mut cached = Vec::new();
        let mut to_infer = Vec::new();
        for (id, rect, object) in rois {
            match self.history.as_mut().and_then(|h| h.reuse(object, index)) {
                Some(structures) => cached.push((id, structures)),
                None => to_infer.push((id, rect, object)),
            }
        }
        let mut outputs = Vec::with_capacity(to_infer.len());
        if !to_infer.is_empty() {
            let shared = self
                .compiled
                .as_ref()
                .ok_or("no caps negotiated before the first frame")?;
            let mut model = super::lock(&shared.model);
            let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info)
                .map_err(|_| "cannot map the frame for reading".to_owned())?;
            let pixels = packed(&frame)?;
            let size = (frame.width() as usize, frame.height() as usize);
            let bpp = pixels.len() / (size.0 * size.1).max(1);
            for (id, rect, object) in to_infer {
                if let Some(crop) = crop_resized(&pixels, size, bpp, rect, self.input_size) {
                    let out = model
                        .infer(InputData::U8(&crop))
                        .map_err(|e| e.to_string())?;
                    outputs.push((id, rect, object, out));
                }
            }
        }
        let mut frame = VideoFrame::new(buffer, info.clone());
        for (id, rect, object, out) in outputs {
            let mut warnings = Vec::new();
            let results = self.results.convert(&out, 1, &mut warnings);
            warnings.into_iter().for_each(|w| (self.warn)(w));
            let results = results?;
            for frame_results in results {
                let target = Target::Region(id, rect);
                match self.history.as_mut() {
                    Some(history) => {
                        let mut appended = Vec::new();
                        self.results.attach(
                            &mut frame,
                            frame_results,
                            target,
                            Some(&mut appended),
                        )?;
                        history.store(object, index, appended);
                    }
                    None => self
                        .results
                        .attach(&mut frame, frame_results, target, None)?,
                }
            }
        }
        for (id, structures) in cached {
            let mut roi = frame.region_mut(id).map_err(|e| e.to_string())?;
            for s in &structures {
                roi.add_tensor_copy(gva_meta::Tensor::from_structure(s), None)
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// `pre-process-backend`: system-memory backends are accepted (gva-rs pre-processes inside the
/// compiled model for all of them); VA backends are refused with the reason.
fn check_backend(backend: &str) -> Result<(), String> {
    if BACKENDS.contains(&backend) {
        Ok(())
    } else if VA_BACKENDS.contains(&backend) {
        Err(format!(
            "pre-process-backend '{backend}' needs VA-API memory, which gva-rs does not handle: \
             use '' or 'ie' (pre-processing inside the OpenVINO model, on system memory)"
        ))
    } else {
        Err(format!(
            "unknown pre-process-backend '{backend}' (expected one of: '', ie, opencv)"
        ))
    }
}

/// gvaclassify's classification history (`reclassify-interval`): the last results of each
/// tracked object (`object_id` other than 0), re-attached on the frames between
/// re-classifications. Objects not seen for a while are forgotten.
struct History {
    /// Re-classify every `interval` frames; 0: classify each object once.
    interval: u64,
    /// By object id: the frame it was classified on, the frame it was last seen on, results.
    objects: HashMap<i32, (u64, u64, Vec<gst::Structure>)>,
    /// The frame forgotten objects were last looked for on.
    pruned: u64,
}

impl History {
    /// Objects unseen for this many frames (at least) are forgotten.
    const FORGET_AFTER: u64 = 300;

    fn new(interval: u32) -> Self {
        Self {
            interval: u64::from(interval),
            objects: HashMap::new(),
            pruned: 0,
        }
    }

    /// The results to re-attach to `object` on `frame`, or `None` when it must be classified.
    fn reuse(&mut self, object: i32, frame: u64) -> Option<Vec<gst::Structure>> {
        if object == 0 {
            return None;
        }
        if frame != self.pruned {
            self.pruned = frame;
            let forget = Self::FORGET_AFTER.max(self.interval.saturating_mul(2));
            self.objects
                .retain(|_, (_, seen, _)| frame.saturating_sub(*seen) <= forget);
        }
        let interval = self.interval;
        let (classified, seen, results) = self.objects.get_mut(&object)?;
        *seen = frame;
        (interval == 0 || frame - *classified < interval).then(|| results.clone())
    }

    /// Records what `object` was classified as on `frame`.
    fn store(&mut self, object: i32, frame: u64, results: Vec<gst::Structure>) {
        if object == 0 {
            return;
        }
        let entry = self
            .objects
            .entry(object)
            .or_insert_with(|| (frame, frame, Vec::new()));
        if entry.0 != frame {
            *entry = (frame, frame, Vec::new());
        }
        entry.2.extend(results);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(label: &str) -> Vec<gst::Structure> {
        vec![
            gst::Structure::builder("color")
                .field("label", label)
                .build(),
        ]
    }

    #[test]
    fn history_reuses_results_until_the_interval_is_over() {
        gst::init().unwrap();
        let mut history = History::new(3);
        assert!(history.reuse(7, 0).is_none(), "never classified");
        history.store(7, 0, result("red"));
        assert_eq!(history.reuse(7, 1), Some(result("red")));
        assert_eq!(history.reuse(7, 2), Some(result("red")));
        assert!(
            history.reuse(7, 3).is_none(),
            "re-classified every 3 frames"
        );
        history.store(7, 3, result("blue"));
        assert_eq!(history.reuse(7, 4), Some(result("blue")));
        assert!(history.reuse(0, 4).is_none(), "untracked objects always");
    }

    #[test]
    fn interval_zero_classifies_once_and_unseen_objects_are_forgotten() {
        gst::init().unwrap();
        let mut history = History::new(0);
        history.store(1, 0, result("green"));
        assert_eq!(history.reuse(1, 250), Some(result("green")));
        assert!(history.reuse(1, 1000).is_none(), "unseen for 750 frames");
    }

    #[test]
    fn backends() {
        assert!(check_backend("").is_ok());
        assert!(check_backend("ie").is_ok());
        assert!(check_backend("opencv").is_ok());
        assert!(check_backend("vaapi").unwrap_err().contains("VA-API"));
        let err = check_backend("cuda").unwrap_err();
        assert!(err.contains("'cuda'") && err.contains("expected"), "{err}");
    }
}
