//! The model of an inference element with its output plan: read once at start, compiled for
//! the negotiated frames, and run on them — whole frames or their regions, through the
//! asynchronous request pool (in batches), the frames leaving in order from the pool's
//! [`Delivery`].

use std::path::Path;
use std::sync::{Arc, Mutex};

use gva_infer::converters::{ConverterSettings, OutputPlan, Task};
use gva_infer::model::{ModelError, ModelFile, element_config, image_shape, parse_config};
use gva_infer::model_proc::{ModelProc, PreprocParams};
use gva_infer::pool::Pool;
use gva_infer::preprocess::{ColorSpace, FrameFormat, Preprocess};
use gva_meta::{Rect, VideoFrame};

use super::attach::{Attacher, Target};
use super::delivery::{Delivery, FrameEnd, Input, Sink};
use super::error::Error;
use super::frames::{clip, frame_format, image};
use super::history::History;
use super::shared::{ModelKey, SharedModel, get_or_compile};
use super::{InferenceRegion, Settings, lock};

/// `pre-process-backend` values: what each means here.
const BACKENDS: &[&str] = &["", "ie", "opencv"];
/// DL Streamer's backends for VA memory, which gva-rs does not have.
const VA_BACKENDS: &[&str] = &["va", "va-surface-sharing", "vaapi", "vaapi-surface-sharing"];

/// A started inference element's model, output plan and frame counter.
pub struct Engine {
    /// The model file, read once at start; compiled at caps.
    file: ModelFile,
    model_path: String,
    device: String,
    config: Vec<(String, String)>,
    instance: Option<String>,
    interval: u64,
    frames: u64,
    plan: Arc<OutputPlan>,
    attacher: Arc<Attacher>,
    /// `nireq` (0 = auto).
    nireq: usize,
    batch: usize,
    /// `nireq` requests in flight on whole frames or regions, delivering to `sink`.
    pool: Option<Pool<Input, FrameEnd>>,
    sink: Arc<dyn Sink>,
    /// With `inference-region=roi-list`: the `object-class` labels (empty = every region).
    regions: Option<Vec<String>>,
    /// gvaclassify on regions with `reclassify-interval` other than 1.
    history: Option<Arc<Mutex<History>>>,
    /// The model's input width and height.
    input_size: (usize, usize),
    /// Whether the model's image input is NCHW with three channels (it can take colour
    /// planes).
    input_takes_planes: bool,
    /// What the compiled model's input tensor takes (format, size, planes, batch).
    tensor: Option<Preprocess>,
    /// The part of a whole frame the model sees (normalized x, y, width, height).
    frame_area: [f64; 4],
    compiled: Option<Arc<SharedModel>>,
    /// The negotiated frames.
    info: Option<gst_video::VideoInfo>,
    /// The model-proc's `input_preproc` params of the image input, when a model-proc is set.
    preproc: Option<PreprocParams>,
    /// Warnings for the element to post once started (deprecated converter names…).
    pub warnings: Vec<String>,
}

impl Engine {
    /// Checks the settings, reads the model (once: it is compiled from what was read when the
    /// frames are known) and plans a converter per output for `task`; every error names its
    /// cause (missing model, bad model-proc, unknown converter or device, labels, backend).
    pub fn start(
        task: Task,
        settings: &Settings,
        element_name: &str,
        sink: Arc<dyn Sink>,
    ) -> Result<Self, Error> {
        let model_path = settings
            .model
            .clone()
            .filter(|m| !m.is_empty())
            .ok_or(Error::NoModel)?;
        check_backend(&settings.pre_process_backend)?;
        if !["throughput", "latency"].contains(&settings.scheduling_policy.as_str()) {
            return Err(Error::SchedulingPolicy(settings.scheduling_policy.clone()));
        }
        let model_proc = match settings.model_proc.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => Some(ModelProc::from_file(path)?),
            None => None,
        };
        let labels = if let Some(list) = settings.labels.as_deref().filter(|l| !l.is_empty()) {
            Some(gva_infer::labels::parse_list(list))
        } else if let Some(file) = settings.labels_file.as_deref().filter(|f| !f.is_empty()) {
            Some(gva_infer::labels::read_file(Path::new(file))?)
        } else {
            None
        };
        let on_regions = settings.inference_region == InferenceRegion::RoiList;
        let (config, mut warnings) = element_config(
            &settings.device,
            settings.nireq as usize,
            parse_config(&settings.ie_config)?,
        );
        let file = ModelFile::read(&model_path, &settings.device)?;
        let info = file.info();
        let input_takes_planes = info
            .inputs
            .first()
            .is_some_and(|p| matches!(p.shape[..], [_, 3, _, _]));
        let (_, input_width, input_height) = info
            .inputs
            .first()
            .and_then(|p| image_shape(&p.shape))
            .ok_or_else(|| Error::NoImageInput {
                model: model_path.clone(),
                inputs: format!(
                    "{:?}",
                    info.inputs
                        .iter()
                        .map(|p| (&p.name, &p.shape))
                        .collect::<Vec<_>>()
                ),
            })?;
        let converter_settings = ConverterSettings {
            threshold: (task == Task::Detect).then_some(settings.threshold),
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
        let plan = Arc::new(OutputPlan::new(
            task,
            &info.outputs,
            model_proc.as_ref(),
            &converter_settings,
            &mut warnings,
        )?);
        let attacher = Arc::new(Attacher::new(plan.clone(), info.name.clone(), element_id));
        Ok(Self {
            file,
            model_path,
            device: settings.device.clone(),
            config,
            instance: settings.model_instance_id.clone().filter(|i| !i.is_empty()),
            interval: u64::from(settings.inference_interval.max(1)),
            frames: 0,
            plan,
            attacher,
            nireq: settings.nireq as usize,
            // 0 = auto = 1 frame per request.
            batch: settings.batch_size.max(1) as usize,
            pool: None,
            sink,
            regions: on_regions.then(|| {
                settings
                    .object_class
                    .as_deref()
                    .map(gva_infer::labels::parse_list)
                    .unwrap_or_default()
            }),
            history: (task == Task::Classify && on_regions && settings.reclassify_interval != 1)
                .then(|| Arc::new(Mutex::new(History::new(settings.reclassify_interval)))),
            input_size: (input_width, input_height),
            input_takes_planes,
            tensor: None,
            frame_area: [0.0, 0.0, 1.0, 1.0],
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
    /// format and size, shared with the elements of the same `model-instance-id`): for whole
    /// frames at their size, for regions at the model's input size (cropped and resized in
    /// Rust); odd NV12/I420 sizes as gva_infer::image says. Colour conversion happens inside
    /// the model; frames that a colour model cannot take as they are (GRAY8), and packed frames
    /// an NCHW model would have to transpose, go in as colour planes.
    pub fn prepare(&mut self, info: &gst_video::VideoInfo) -> Result<(), Error> {
        let format = frame_format(info.format())
            .ok_or_else(|| Error::Format(info.format().to_str().to_string()))?;
        self.info = Some(info.clone());
        let batch = self.batch;
        let frame = (info.width() as usize, info.height() as usize);
        let (width, height) = if self.regions.is_some() {
            self.input_size
        } else {
            frame
        };
        let mut pre = Preprocess::new(format, width, height).with_batch(batch);
        if let Some(params) = &self.preproc {
            pre = pre.with_params(params);
        }
        let colour_model = pre.color_space != ColorSpace::Grayscale;
        let planes = match format {
            // OpenVINO converts no grey to colour.
            FrameFormat::Gray => colour_model,
            // Regions are written as planes as they are cropped; whole frames of the model's
            // size are split into planes as they are copied in (see gva_infer::planes).
            f if f.is_packed() => {
                self.input_takes_planes
                    && colour_model
                    && (self.regions.is_some()
                        || ((width, height) == self.input_size && gva_infer::planes::is_fast()))
            }
            _ => false,
        };
        if planes {
            pre = pre.with_planes();
        }
        // Where the model's view lies in a whole frame (normalized; beyond the frame where it
        // was padded to the model's aspect ratio).
        let [x, y, w, h] = pre.model_region(self.input_size.0, self.input_size.1);
        let (fw, fh) = (frame.0.max(1) as f64, frame.1.max(1) as f64);
        self.frame_area = [x as f64 / fw, y as f64 / fh, w as f64 / fw, h as f64 / fh];
        let key = ModelKey {
            path: self.model_path.clone(),
            device: self.device.clone(),
            config: self.config.clone(),
            preprocess: format!("{pre:?}"),
        };
        if self.compiled.as_ref().is_some_and(|m| m.key == key) {
            return Ok(());
        }
        // Frames in flight finish with the old model first.
        self.pool = None;
        let (file, config) = (&mut self.file, &self.config);
        let shared = get_or_compile(self.instance.as_deref(), key, || {
            file.compile(config, Some(&pre))
        })?;
        self.tensor = Some(pre);
        let delivery = Delivery::new(
            self.plan.clone(),
            self.attacher.clone(),
            info.clone(),
            batch,
            self.history.clone(),
            self.sink.clone(),
        );
        let mut model = lock(&shared.model);
        // nireq=0 (auto): as many as OpenVINO advises for the compiled model (as DL Streamer
        // does): one per stream.
        let nireq = match self.nireq {
            0 => model.optimal_requests()?,
            n => n,
        };
        let pool = Pool::with_delivery(&mut model, nireq, batch, delivery)?;
        drop(model);
        self.pool = Some(pool);
        self.compiled = Some(shared);
        Ok(())
    }

    /// Hands `buffer` to the pool: every `inference-interval`th frame, the whole frame or each
    /// region whose label `object-class` names (every region when empty; gvaclassify's history
    /// re-uses the last results of tracked objects between re-classifications) is submitted,
    /// then the frame itself takes its place in the delivery order. The frame reaches the sink
    /// once the results of its inputs are attached, after the frames before it.
    pub fn submit(&mut self, buffer: gst::Buffer) -> Result<(), Error> {
        let (Some(pool), Some(info), Some(tensor)) = (&self.pool, &self.info, &self.tensor) else {
            return Err(Error::NotNegotiated);
        };
        let index = self.frames;
        self.frames += 1;
        let mut reused = Vec::new();
        if index.is_multiple_of(self.interval) {
            match &self.regions {
                None => {
                    // The pixels go straight from the mapped frame into the request's input
                    // tensor. The reading reference lives in the fill closure, which is gone
                    // before the frame is delivered: it is writable then without a copy.
                    let reader = buffer.clone();
                    let fill = move |slot: &mut [u8]| {
                        let frame = map(&reader, info)
                            .ok_or_else(|| ModelError::Other(Error::Map.to_string()))?;
                        Ok(image(&frame)?.write_frame(tensor, slot)?)
                    };
                    let input = Input {
                        frame: index,
                        target: Target::Frame(self.frame_area),
                        object: 0,
                    };
                    pool.submit_with(input, fill)?;
                }
                Some(classes) => {
                    let mut to_infer = Vec::new();
                    for (id, rect, object) in regions(&buffer, info, classes) {
                        // Regions outside the frame are not inferred.
                        let Some(rect) = clip(rect, info.width(), info.height()) else {
                            continue;
                        };
                        let reuse = self
                            .history
                            .as_ref()
                            .is_some_and(|h| lock(h).reuse(object, index));
                        if reuse {
                            reused.push((id, object));
                        } else {
                            to_infer.push((id, rect, object));
                        }
                    }
                    if !to_infer.is_empty() {
                        let frame = map(&buffer, info).ok_or(Error::Map)?;
                        let image = image(&frame)?;
                        for (id, rect, object) in to_infer {
                            let region = [rect.x, rect.y, rect.w, rect.h].map(|v| v as usize);
                            // What the model sees of the region, as the model-proc says (the
                            // part a crop keeps, aspect-ratio padding): boxes map back to it.
                            let [x, y, w, h] = tensor.region_view(region).map(|v| v as u32);
                            let input = Input {
                                frame: index,
                                target: Target::Region(id, Rect::new(x, y, w, h)),
                                object,
                            };
                            pool.submit_with(input, |slot| {
                                Ok(image.write_region(region, tensor, slot)?)
                            })?;
                        }
                    }
                }
            }
        }
        pool.pass(FrameEnd {
            frame: index,
            buffer,
            reused,
        });
        Ok(())
    }

    /// Waits until every frame in flight (a partly filled batch included) has reached the
    /// sink.
    pub fn flush(&self) {
        if let Some(pool) = &self.pool {
            pool.flush();
        }
    }
}

/// `buffer` mapped for reading as a frame of `info`.
fn map<'a>(
    buffer: &'a gst::Buffer,
    info: &gst_video::VideoInfo,
) -> Option<gst_video::VideoFrameRef<&'a gst::BufferRef>> {
    gst_video::VideoFrameRef::from_buffer_ref_readable(buffer.as_ref(), info).ok()
}

/// The regions of `buffer` (id, pixel box, object id) whose label is one of `classes`
/// (every region when empty).
fn regions(
    buffer: &gst::Buffer,
    info: &gst_video::VideoInfo,
    classes: &[String],
) -> Vec<(i32, gva_meta::Rect<u32>, i32)> {
    VideoFrame::new(buffer.as_ref(), info.clone())
        .regions()
        .filter(|r| classes.is_empty() || r.label().is_ok_and(|l| classes.iter().any(|c| c == l)))
        .map(|r| (r.id(), r.rect(), r.object_id().unwrap_or(0)))
        .collect()
}

/// `pre-process-backend`: system-memory backends are accepted (gva-rs pre-processes inside the
/// compiled model for all of them); VA backends are refused with the reason.
fn check_backend(backend: &str) -> Result<(), Error> {
    if BACKENDS.contains(&backend) {
        Ok(())
    } else if VA_BACKENDS.contains(&backend) {
        Err(Error::VaBackend(backend.to_owned()))
    } else {
        Err(Error::Backend(backend.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends() {
        assert!(check_backend("").is_ok());
        assert!(check_backend("ie").is_ok());
        assert!(check_backend("opencv").is_ok());
        let va = check_backend("vaapi").unwrap_err().to_string();
        assert!(va.contains("VA-API"), "{va}");
        let err = check_backend("cuda").unwrap_err().to_string();
        assert!(err.contains("'cuda'") && err.contains("expected"), "{err}");
    }
}
