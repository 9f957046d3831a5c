//! The model of an inference element with a converter per output, built at start, compiled
//! for the negotiated frame size, and run synchronously on frames.

use std::path::Path;
use std::sync::Arc;

use gst_video::prelude::*;
use gva_infer::converters::{
    Blob, ClassificationResult, Converter, ConverterSettings, OutputConverter, RawTensor,
};
use gva_infer::model::{CompiledModel, FrameInput, InputData, ModelError, Port, parse_config};
use gva_infer::model_proc::{ModelProc, PreprocParams};
use gva_infer::pool::Pool;
use gva_infer::preprocess::{FrameFormat, Preprocess};
use gva_meta::{NewRegion, Rect, Tensor, VideoFrame};

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

/// How one model output becomes metadata.
#[derive(Debug)]
struct OutputPlan {
    /// The output port (layer).
    port: Port,
    /// The result structure name.
    name: String,
    /// The converter.
    converter: OutputConverter,
}

/// How outputs become metadata: shared with the inference pool's completion thread.
struct Results {
    model_name: String,
    element_id: String,
    plans: Vec<OutputPlan>,
}

/// Where the pool's results go: each frame, with its metadata attached, in frame order.
pub type Sink = Arc<dyn Fn(Result<gst::Buffer, String>) + Send + Sync>;

/// A started inference element's model, converters and frame counter.
pub struct Engine {
    model_path: String,
    device: String,
    config: Vec<(String, String)>,
    interval: u64,
    frames: u64,
    results: Arc<Results>,
    nireq: usize,
    /// Full-frame inference: `nireq` requests in flight, delivering to `sink`.
    pool: Option<Pool<gst::Buffer>>,
    sink: Sink,
    /// With `inference-region=roi-list`: the `object-class` labels (empty = every region).
    regions: Option<Vec<String>>,
    /// The model's input width and height.
    input_size: (usize, usize),
    compiled: Option<((FrameFormat, usize, usize), CompiledModel)>,
    /// The negotiated frames.
    info: Option<gst_video::VideoInfo>,
    /// The model-proc's `input_preproc` params of the image input, when a model-proc is set.
    preproc: Option<PreprocParams>,
}

impl Engine {
    /// Checks the settings and the model, and configures a converter per output; every error
    /// names its cause (missing model, bad model-proc, unknown converter or device, labels).
    pub fn start(
        kind: Kind,
        settings: &Settings,
        element_name: &str,
        sink: Sink,
    ) -> Result<Self, String> {
        let model_path = settings
            .model
            .clone()
            .filter(|m| !m.is_empty())
            .ok_or("no model: set the 'model' property to a model file")?;
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
        let config = parse_config(&settings.ie_config).map_err(|e| e.to_string())?;
        let model = CompiledModel::load(&model_path, &settings.device, &config, None)
            .map_err(|e| e.to_string())?;
        let (input_width, input_height) = model
            .inputs()
            .first()
            .and_then(|p| match p.shape.as_slice() {
                [_, _, h, w] => Some((usize::try_from(*w).ok()?, usize::try_from(*h).ok()?)),
                _ => None,
            })
            .ok_or_else(|| format!("model '{model_path}' has no NCHW image input"))?;
        let converter_settings = ConverterSettings {
            threshold: (kind == Kind::Detect).then_some(settings.threshold),
            labels,
            input_width,
            input_height,
            class_agnostic_nms: false,
        };
        let mut plans = Vec::new();
        for port in model.outputs() {
            let item = model_proc.as_ref().and_then(|m| m.postproc_for(&port.name));
            let converter = match item.and_then(|i| i.converter) {
                Some(name) => name.converter,
                None => default_converter(kind, port)?,
            };
            check_converter(kind, converter, port)?;
            let params = item.map(|i| i.params).unwrap_or_default();
            let converter = OutputConverter::new(
                converter,
                &params,
                item.and_then(|i| i.labels.as_deref()),
                &converter_settings,
            )
            .map_err(|e| format!("output '{}': {e}", port.name))?;
            check_labels(&converter, port)?;
            let prefix = match kind {
                Kind::Classify => "classification_layer_name",
                Kind::Inference | Kind::Detect => "inference_layer_name",
            };
            let name = match item.and_then(|i| i.attribute_name.clone()) {
                Some(attribute) => attribute,
                None => format!("{prefix}:{}", port.name.replace('\\', ":")),
            };
            plans.push(OutputPlan {
                port: port.clone(),
                name,
                converter,
            });
        }
        let model_name = Path::new(&model_path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            model_path,
            device: settings.device.clone(),
            config,
            interval: u64::from(settings.inference_interval.max(1)),
            frames: 0,
            results: Arc::new(Results {
                model_name,
                element_id: settings
                    .model_instance_id
                    .clone()
                    .filter(|i| !i.is_empty())
                    .unwrap_or_else(|| element_name.to_owned()),
                plans,
            }),
            // DL Streamer's auto: 2 requests here.
            nireq: if settings.nireq == 0 {
                2
            } else {
                settings.nireq as usize
            },
            pool: None,
            sink,
            regions: (kind == Kind::Classify
                && settings.inference_region == InferenceRegion::RoiList)
                .then(|| {
                    settings
                        .object_class
                        .as_deref()
                        .map(gva_infer::labels::parse_list)
                        .unwrap_or_default()
                }),
            input_size: (input_width, input_height),
            compiled: None,
            info: None,
            preproc: model_proc.as_ref().map(|m| {
                m.image_input()
                    .map(|i| i.params.clone())
                    .unwrap_or_default()
            }),
        })
    }

    /// Takes the negotiated frames and compiles the model for their format and size (once per
    /// format and size); for regions, for crops already resized to the model's input size.
    /// Region inference (`roi-list`) crops in Rust and takes only packed RGB-family frames.
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
        let (width, height) = if self.regions.is_some() {
            self.input_size
        } else {
            (info.width() as usize, info.height() as usize)
        };
        if self
            .compiled
            .as_ref()
            .is_some_and(|(key, _)| *key == (format, width, height))
        {
            return Ok(());
        }
        // Frames in flight finish with the old model first.
        self.pool = None;
        let loaded = match (&self.preproc, format) {
            // Without a model-proc, BGR frames keep the plain BGR pre-processing.
            (None, FrameFormat::Bgr) => CompiledModel::load(
                &self.model_path,
                &self.device,
                &self.config,
                Some(FrameInput::bgr(width, height)),
            ),
            (params, _) => {
                let mut pre = Preprocess::new(format, width, height);
                if let Some(params) = params {
                    pre = pre.with_params(params);
                }
                CompiledModel::load_with(&self.model_path, &self.device, &self.config, pre)
            }
        };
        let mut model = loaded.map_err(|e| e.to_string())?;
        if self.regions.is_none() {
            let (results, sink, info) = (self.results.clone(), self.sink.clone(), info.clone());
            let deliver = move |mut buffer: gst::Buffer, outputs: Result<Vec<_>, _>| {
                let attached = outputs
                    .map_err(|e: gva_infer::model::ModelError| e.to_string())
                    .and_then(|outputs| {
                        let mut frame = VideoFrame::new(buffer.make_mut(), info.clone());
                        results.attach(&mut frame, &outputs, None)
                    });
                sink(attached.map(|()| buffer));
            };
            let pool = Pool::new(&mut model, self.nireq, deliver).map_err(|e| e.to_string())?;
            self.pool = Some(pool);
        }
        self.compiled = Some(((format, width, height), model));
        Ok(())
    }

    /// Hands `buffer` on: full-frame inference submits it to the pool (its result reaches the
    /// sink, in order) and gives `None`; a skipped frame waits for the frames before it and
    /// comes back; region inference runs here and gives the buffer back with its results.
    pub fn submit(&mut self, mut buffer: gst::Buffer) -> Result<Option<gst::Buffer>, String> {
        let Some(pool) = &self.pool else {
            self.process(buffer.make_mut())?;
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
        let fill = move |input: &mut [u8]| {
            let frame =
                gst_video::VideoFrameRef::from_buffer_ref_readable(reader.as_ref(), info)
                    .map_err(|_| ModelError::Config("cannot map the frame for reading".into()))?;
            pack_into(&frame, input).map_err(ModelError::Config)
        };
        pool.submit_with(buffer, fill).map_err(|e| e.to_string())?;
        Ok(None)
    }

    /// Waits until every frame in flight has reached the sink.
    pub fn flush(&self) {
        if let Some(pool) = &self.pool {
            pool.flush();
        }
    }

    /// Runs the model on `buffer` (every `inference-interval`th frame) and attaches the results.
    fn process(&mut self, buffer: &mut gst::BufferRef) -> Result<(), String> {
        let info = &self
            .info
            .clone()
            .ok_or("no caps negotiated before the first frame")?;
        let index = self.frames;
        self.frames += 1;
        if !index.is_multiple_of(self.interval) {
            return Ok(());
        }
        if self.regions.is_some() {
            return self.process_regions(buffer, info);
        }
        let outputs = {
            let (_, model) = self
                .compiled
                .as_mut()
                .ok_or("no caps negotiated before the first frame")?;
            let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info)
                .map_err(|_| "cannot map the frame for reading".to_owned())?;
            let pixels = packed(&frame)?;
            model
                .infer(InputData::U8(&pixels))
                .map_err(|e| e.to_string())?
        };
        let mut frame = VideoFrame::new(buffer, info.clone());
        self.results.attach(&mut frame, &outputs, None)
    }

    /// Infers on each region whose label `object-class` names (every region when empty),
    /// cropped and resized to the model input, and appends the results to its params.
    fn process_regions(
        &mut self,
        buffer: &mut gst::BufferRef,
        info: &gst_video::VideoInfo,
    ) -> Result<(), String> {
        let classes = self.regions.as_deref().unwrap_or_default();
        let rois: Vec<(i32, Rect<u32>)> = VideoFrame::new(&*buffer, info.clone())
            .regions()
            .filter(|r| {
                classes.is_empty() || r.label().is_ok_and(|l| classes.iter().any(|c| c == l))
            })
            .map(|r| (r.id(), r.rect()))
            .collect();
        if rois.is_empty() {
            return Ok(());
        }
        let input_size = self.input_size;
        let mut results = Vec::with_capacity(rois.len());
        {
            let (_, model) = self
                .compiled
                .as_mut()
                .ok_or("no caps negotiated before the first frame")?;
            let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info)
                .map_err(|_| "cannot map the frame for reading".to_owned())?;
            let pixels = packed(&frame)?;
            let size = (frame.width() as usize, frame.height() as usize);
            let bpp = pixels.len() / (size.0 * size.1).max(1);
            for (id, rect) in rois {
                if let Some(crop) = crop_resized(&pixels, size, bpp, rect, input_size) {
                    let outputs = model
                        .infer(InputData::U8(&crop))
                        .map_err(|e| e.to_string())?;
                    results.push((id, outputs));
                }
            }
        }
        let mut frame = VideoFrame::new(buffer, info.clone());
        for (id, outputs) in results {
            self.results.attach(&mut frame, &outputs, Some(id))?;
        }
        Ok(())
    }
}

impl Results {
    /// Converts `outputs` and attaches the results: to the frame, or to region `region`.
    fn attach(
        &self,
        frame: &mut VideoFrame<&mut gst::BufferRef>,
        outputs: &[gva_infer::model::Output],
        region: Option<i32>,
    ) -> Result<(), String> {
        for (plan, output) in self.plans.iter().zip(outputs) {
            let dims: Vec<usize> = output
                .port
                .shape
                .iter()
                .map(|&d| usize::try_from(d).unwrap_or(0))
                .collect();
            let blob = Blob::f32(&dims, &output.data).map_err(|e| e.to_string())?;
            let convert = |e: gva_infer::converters::ConverterError| {
                format!("output '{}': {e}", plan.port.name)
            };
            let raw = || {
                gva_infer::converters::RawDataCopy
                    .convert(&blob, 1)
                    .map_err(convert)
            };
            let (raw, result) = match &plan.converter {
                OutputConverter::DetectionOutput(c) => {
                    let detections = c.convert(&blob, 1).map_err(convert)?;
                    add_regions(frame, detections.into_iter().flatten())?;
                    continue;
                }
                OutputConverter::YoloV8(c) => {
                    let detections = c.convert(&blob, 1).map_err(convert)?;
                    add_regions(frame, detections.into_iter().flatten())?;
                    continue;
                }
                OutputConverter::BoxesLabels(_) => continue,
                OutputConverter::RawDataCopy(_) => (raw()?, Vec::new()),
                OutputConverter::Label(c) => (raw()?, c.convert(&blob, 1).map_err(convert)?),
                OutputConverter::Text(c) => (raw()?, c.convert(&blob, 1).map_err(convert)?),
            };
            let meta = |e: gva_meta::Error| e.to_string();
            match region {
                None => {
                    let tensor = frame.add_tensor().map_err(meta)?;
                    tensor.set_element_id(&self.element_id).map_err(meta)?;
                    self.fill(tensor, plan, raw.first(), result.first())?;
                }
                Some(id) => {
                    let mut roi = frame.region_mut(id).map_err(meta)?;
                    let tensor = roi.add_tensor(&plan.name).map_err(meta)?;
                    self.fill(tensor, plan, raw.first(), result.first())?;
                }
            }
        }
        Ok(())
    }

    /// Fills a result structure: names, the raw blob and the classification fields.
    fn fill(
        &self,
        tensor: &mut Tensor,
        plan: &OutputPlan,
        raw: Option<&RawTensor>,
        result: Option<&ClassificationResult>,
    ) -> Result<(), String> {
        let meta = |e: gva_meta::Error| e.to_string();
        tensor.set_name(&plan.name).map_err(meta)?;
        tensor.set_model_name(&self.model_name).map_err(meta)?;
        tensor.set_layer_name(&plan.port.name).map_err(meta)?;
        if let Some(raw) = raw {
            tensor.set_precision(raw.precision);
            tensor.set_layout(raw.layout);
            let dims: Vec<u32> = raw
                .dims
                .iter()
                .map(|&d| u32::try_from(d).unwrap_or(u32::MAX))
                .collect();
            tensor.set_dims(&dims);
            tensor.set_data(&raw.data);
        }
        if let Some(result) = result {
            if let Some(label) = &result.label {
                tensor.set_label(label).map_err(meta)?;
            }
            if let Some(id) = result.label_id {
                tensor.set_label_id(i32::try_from(id).unwrap_or(i32::MAX));
            }
            if let Some(confidence) = result.confidence {
                tensor.set_confidence(confidence);
            }
            tensor.set_type(result.result_type()).map_err(meta)?;
        }
        Ok(())
    }
}

/// The converter DL Streamer picks when the model-proc names none.
fn default_converter(kind: Kind, port: &Port) -> Result<Converter, String> {
    match kind {
        Kind::Inference | Kind::Classify => Ok(Converter::RawDataCopy),
        Kind::Detect if port.shape.len() == 4 && port.shape.last() == Some(&7) => {
            Ok(Converter::DetectionOutput)
        }
        Kind::Detect => Err(format!(
            "cannot choose a detection converter for output '{}' of shape {:?}: name one in the model-proc",
            port.name, port.shape
        )),
    }
}

/// Refuses converters the element cannot attach.
fn check_converter(kind: Kind, converter: Converter, port: &Port) -> Result<(), String> {
    let ok = match kind {
        Kind::Inference | Kind::Classify => !converter.produces_regions(),
        Kind::Detect => matches!(converter, Converter::DetectionOutput | Converter::YoloV8),
    };
    if ok {
        Ok(())
    } else {
        let element = match kind {
            Kind::Inference => "gvainference",
            Kind::Detect => "gvadetect",
            Kind::Classify => "gvaclassify",
        };
        Err(format!(
            "converter '{}' of output '{}' is not supported by {element}",
            converter.name(),
            port.name
        ))
    }
}

/// Refuses labels whose count does not match the classes the output has.
fn check_labels(converter: &OutputConverter, port: &Port) -> Result<(), String> {
    let (labels, classes) = match converter {
        OutputConverter::YoloV8(c) if port.shape.len() >= 2 => {
            (c.labels.len(), port.shape[port.shape.len() - 2] - 4)
        }
        OutputConverter::Label(c) => (c.labels.len(), port.shape.iter().skip(1).product()),
        _ => return Ok(()),
    };
    if labels == 0 || i64::try_from(labels) == Ok(classes) {
        Ok(())
    } else {
        Err(format!(
            "{labels} labels do not match the {classes} classes of output '{}' (shape {:?})",
            port.name, port.shape
        ))
    }
}

/// Attaches one region per detection (boxes normalized to the frame).
fn add_regions(
    frame: &mut VideoFrame<&mut gst::BufferRef>,
    detections: impl Iterator<Item = gva_infer::converters::Detection>,
) -> Result<(), String> {
    for d in detections {
        let d = d.clipped();
        let label = d.label.clone().unwrap_or_default();
        let region = NewRegion::normalized(d.x_min, d.y_min, d.width(), d.height())
            .label(&label)
            .confidence(d.confidence)
            .label_id(i32::try_from(d.label_id).unwrap_or(i32::MAX));
        frame.add_region(&region).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The compiled-model frame format of a negotiated video format.
fn frame_format(format: gst_video::VideoFormat) -> Option<FrameFormat> {
    use gst_video::VideoFormat as V;
    Some(match format {
        V::Bgr => FrameFormat::Bgr,
        V::Bgrx => FrameFormat::Bgrx,
        V::Bgra => FrameFormat::Bgra,
        V::Rgb => FrameFormat::Rgb,
        V::Rgbx => FrameFormat::Rgbx,
        V::Rgba => FrameFormat::Rgba,
        V::Nv12 => FrameFormat::Nv12,
        V::I420 => FrameFormat::I420,
        _ => return None,
    })
}

/// The frame's pixels without row padding, plane after plane (what the compiled model takes):
/// packed formats one plane, NV12 the Y then the UV rows, I420 the Y, U then V rows; each
/// plane is read from its own stride and offset.
fn packed(frame: &gst_video::VideoFrameRef<&gst::BufferRef>) -> Result<Vec<u8>, String> {
    let mut out = vec![0; packed_size(frame)?];
    pack_into(frame, &mut out)?;
    Ok(out)
}

/// Bytes per row and rows of each plane of `frame` without padding.
fn plane_rows(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
) -> Result<Vec<(usize, usize)>, String> {
    let finfo = frame.format_info();
    (0..frame.n_planes())
        .map(|plane| {
            let component = plane_component(&finfo, plane);
            let width = frame.comp_width(component) as usize;
            let height = frame.comp_height(component) as usize;
            // Bytes per row: pixels x the pixel stride of the plane's first component.
            let pixel = usize::try_from(finfo.pixel_stride()[component as usize])
                .map_err(|_| "bad pixel stride".to_owned())?;
            Ok((width * pixel, height))
        })
        .collect()
}

/// The size of [`packed`]'s result.
fn packed_size(frame: &gst_video::VideoFrameRef<&gst::BufferRef>) -> Result<usize, String> {
    Ok(plane_rows(frame)?
        .iter()
        .map(|(row, rows)| row * rows)
        .sum())
}

/// Writes [`packed`]'s result into `out`, which must have exactly its size.
fn pack_into(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
    out: &mut [u8],
) -> Result<(), String> {
    let rows = plane_rows(frame)?;
    let size: usize = rows.iter().map(|(row, rows)| row * rows).sum();
    if size != out.len() {
        return Err(format!(
            "the frame has {size} bytes of pixels, the compiled model takes {}",
            out.len()
        ));
    }
    let mut at = 0;
    for (plane, (row_bytes, height)) in rows.into_iter().enumerate() {
        let stride = usize::try_from(frame.plane_stride()[plane]).map_err(|_| "negative stride")?;
        let data = frame
            .plane_data(plane as u32)
            .map_err(|_| "cannot read the frame's pixels".to_owned())?;
        for row in 0..height {
            let start = row * stride;
            let line = data
                .get(start..start + row_bytes)
                .ok_or("the frame is smaller than its caps say")?;
            out[at..at + row_bytes].copy_from_slice(line);
            at += row_bytes;
        }
    }
    Ok(())
}

/// The first component stored in `plane`.
fn plane_component(finfo: &gst_video::VideoFormatInfo, plane: u32) -> u32 {
    (0..finfo.n_components())
        .find(|&c| finfo.plane()[c as usize] == plane)
        .unwrap_or(0)
}

/// The pixels of `rect` in the packed frame of `size` with `bpp` bytes per pixel (any channel
/// order: pixels are copied whole), resized (nearest pixel centre) to `to`; `None` for an
/// empty region.
fn crop_resized(
    pixels: &[u8],
    size: (usize, usize),
    bpp: usize,
    rect: Rect<u32>,
    to: (usize, usize),
) -> Option<Vec<u8>> {
    let (x, y) = (rect.x as usize, rect.y as usize);
    let w = (rect.w as usize).min(size.0.saturating_sub(x));
    let h = (rect.h as usize).min(size.1.saturating_sub(y));
    if w == 0 || h == 0 || to.0 == 0 || to.1 == 0 || bpp == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(to.0 * to.1 * bpp);
    for row in 0..to.1 {
        let sy = y + (2 * row + 1) * h / (2 * to.1);
        for col in 0..to.0 {
            let sx = x + (2 * col + 1) * w / (2 * to.0);
            let at = (sy * size.0 + sx) * bpp;
            out.extend_from_slice(pixels.get(at..at + bpp)?);
        }
    }
    Some(out)
}
