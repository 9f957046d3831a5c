//! Reading, configuring and compiling a model, and running it on plain arrays.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use openvino::{Core, DeviceType, ElementType, RwPropertyKey, Shape, Tensor};

use crate::ov::{self, PortInfo, Side};
use crate::preprocess::{self, FrameFormat, Preprocess};
use crate::runtime::{self, RuntimeError};

/// Why a model could not be loaded, compiled or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// OpenVINO itself is not available.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The model file is missing or unreadable.
    #[error("model file '{path}' {reason}")]
    File {
        /// The path given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An `ie-config` entry is not `KEY=VALUE`.
    #[error("ie-config entry '{0}' is not KEY=VALUE")]
    Config(String),
    /// OpenVINO refused an operation.
    #[error("{what} failed for model '{path}': {source}")]
    OpenVino {
        /// What was being done.
        what: &'static str,
        /// The model.
        path: String,
        /// OpenVINO's error.
        source: openvino::InferenceError,
    },
    /// The device is not one OpenVINO has.
    #[error("device '{device}' is not available (OpenVINO has: {available})")]
    Device {
        /// The device asked for.
        device: String,
        /// The devices OpenVINO reports.
        available: String,
    },
    /// A frame that cannot go into the model's input.
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// Something else that stops a model from being used or run, said in full.
    #[error("{0}")]
    Other(String),
    /// An input that does not fit the model.
    #[error("input of {got} values does not fit the model input {shape:?} ({want} values)")]
    InputSize {
        /// Values given.
        got: usize,
        /// Values the input needs.
        want: usize,
        /// The input shape.
        shape: Vec<i64>,
    },
}

/// Frames handed to a compiled model as packed interleaved u8 pixels of this size, which the
/// model itself resizes and lays out (OpenVINO's PrePostProcessor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInput {
    /// Frame width in pixels.
    pub width: usize,
    /// Frame height in pixels.
    pub height: usize,
    /// Interleaved channels per pixel (3 for BGR).
    pub channels: usize,
}

impl FrameInput {
    /// Packed 3-channel BGR frames of `width` x `height` (what the models take without colour
    /// conversion).
    pub fn bgr(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            channels: 3,
        }
    }
}

/// A model input or output: name and shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    /// Tensor name (may be empty for unnamed ports).
    pub name: String,
    /// Static shape.
    pub shape: Vec<i64>,
}

/// How an image input lays out its four dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageLayout {
    /// `[N, C, H, W]` (OpenVINO IR, ONNX).
    Nchw,
    /// `[N, H, W, C]` (TFLite, TensorFlow).
    Nhwc,
}

/// The size and layout of an image input of `shape`, told by where its channel dimension
/// (1, 3 or 4) is: `[N, C, H, W]` when the second dimension is a channel count, else
/// `[N, H, W, C]` when the last one is. `None` for other shapes.
pub fn image_shape(shape: &[i64]) -> Option<(ImageLayout, usize, usize)> {
    let channels = |c: i64| matches!(c, 1 | 3 | 4);
    let size = |w: i64, h: i64| Some((usize::try_from(w).ok()?, usize::try_from(h).ok()?));
    match *shape {
        [_, c, h, w] if channels(c) => size(w, h).map(|(w, h)| (ImageLayout::Nchw, w, h)),
        [_, h, w, c] if channels(c) => size(w, h).map(|(w, h)| (ImageLayout::Nhwc, w, h)),
        _ => None,
    }
}

impl ImageLayout {
    /// OpenVINO's name of the layout.
    pub fn name(self) -> &'static str {
        match self {
            Self::Nchw => "NCHW",
            Self::Nhwc => "NHWC",
        }
    }
}

/// An output of one inference: its port and its values as f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The output port.
    pub port: Port,
    /// The values, in the port's layout.
    pub data: Vec<f32>,
}

/// A model read from a file and compiled for a device.
pub struct CompiledModel {
    path: String,
    name: String,
    compiled: openvino::CompiledModel,
    inputs: Vec<Port>,
    /// The element type of the first input, read once: every request's input tensor has it.
    input_type: ElementType,
    outputs: Vec<Port>,
}

/// What a model file declares, read without compiling it: its name and its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    /// The model's friendly name (an IR's `<net name=...>`), else the file stem.
    pub name: String,
    /// The inputs, as the file declares them.
    pub inputs: Vec<Port>,
    /// The outputs.
    pub outputs: Vec<Port>,
}

impl ModelInfo {
    /// Reads the model at `path` and checks that OpenVINO has `device`, without compiling:
    /// the errors of [`CompiledModel::load`] about the file and the device, at a fraction of
    /// its cost.
    pub fn read(path: impl AsRef<Path>, device: &str) -> Result<Self, ModelError> {
        ModelFile::read(path, device).map(|file| file.info)
    }
}

impl From<PortInfo> for Port {
    fn from(port: PortInfo) -> Self {
        Self {
            name: port.name,
            shape: port.shape,
        }
    }
}

/// Turns OpenVINO's error while doing `what` to the model at `path` into a [`ModelError`].
fn openvino_error(
    path: &str,
    what: &'static str,
) -> impl Fn(openvino::InferenceError) -> ModelError + use<> {
    let path = path.to_owned();
    move |source| ModelError::OpenVino {
        what,
        path: path.clone(),
        source,
    }
}

/// A model file read by OpenVINO for a device it has: what it declares ([`ModelInfo`]) is read
/// once, and the model is compiled from what was read ([`ModelFile::compile`]).
///
/// Reshaping to a batch and the pre-processing change a model in place, and OpenVINO's C API
/// cannot copy one, so the first compilation takes the model that was read; a later one (the
/// frames renegotiated to another format or size) reads the file again.
pub struct ModelFile {
    core: Core,
    /// The model as read, until a compilation takes it.
    model: Option<openvino::Model>,
    path: PathBuf,
    shown: String,
    device: String,
    info: ModelInfo,
}

impl ModelFile {
    /// Reads an OpenVINO IR (`.xml` + `.bin`), ONNX or TFLite model for `device`, checking that
    /// OpenVINO has the device, and reads its name and ports.
    pub fn read(path: impl AsRef<Path>, device: &str) -> Result<Self, ModelError> {
        runtime::load()?;
        let path = path.as_ref();
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(ModelError::File {
                path: shown,
                reason: "does not exist or is not a file".to_owned(),
            });
        }
        let core = Core::new().map_err(|e| ModelError::File {
            path: shown.clone(),
            reason: format!("could not be read: OpenVINO did not start ({e})"),
        })?;
        let ov = openvino_error(&shown, "listing devices");
        let available = core.available_devices().map_err(ov)?;
        let known = available.iter().any(|d| d.as_ref() == device)
            || available.iter().any(|d| device.starts_with(d.as_ref()))
            || ["AUTO", "MULTI", "HETERO", "BATCH"]
                .iter()
                .any(|v| device.starts_with(v));
        if !known {
            return Err(ModelError::Device {
                device: device.to_owned(),
                available: available
                    .iter()
                    .map(|d| d.as_ref().to_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let mut file = Self {
            core,
            model: None,
            path: path.to_owned(),
            shown: shown.clone(),
            device: device.to_owned(),
            info: ModelInfo {
                name: String::new(),
                inputs: Vec::new(),
                outputs: Vec::new(),
            },
        };
        let model = file.read_model()?;
        let ports = |side| {
            ov::model_ports(&model, side)
                .map(|ports| ports.into_iter().map(Port::from).collect())
                .map_err(openvino_error(&shown, "reading ports"))
        };
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        file.info = ModelInfo {
            name: ov::friendly_name(&model).unwrap_or(stem),
            inputs: ports(Side::Inputs)?,
            outputs: ports(Side::Outputs)?,
        };
        file.model = Some(model);
        Ok(file)
    }

    /// The model's name and ports, as the file declares them.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// The model from the file.
    fn read_model(&mut self) -> Result<openvino::Model, ModelError> {
        let weights: PathBuf = if self.path.extension().is_some_and(|e| e == "xml") {
            self.path.with_extension("bin")
        } else {
            PathBuf::new()
        };
        self.core
            .read_model_from_file(&self.shown, &weights.to_string_lossy())
            .map_err(openvino_error(&self.shown, "reading"))
    }

    /// Compiles the model with `config` pairs (`ie-config`) and, with `pre`, the whole
    /// pre-processing built in (colour conversion, resize, range, mean, std; see
    /// [`crate::preprocess`]): the compiled model then takes u8 frames in `pre.format` of
    /// `pre.width` x `pre.height`, `pre.batch` at a time. The first compilation uses the model
    /// read by [`ModelFile::read`]; a later one reads the file again.
    pub fn compile(
        &mut self,
        config: &[(String, String)],
        pre: Option<&Preprocess>,
    ) -> Result<CompiledModel, ModelError> {
        let mut model = match self.model.take() {
            Some(model) => model,
            None => self.read_model()?,
        };
        let ov = |what| openvino_error(&self.shown, what);
        if let Some(p) = pre
            && p.batch > 1
        {
            let mut dims =
                preprocess::first_input_shape(&model).map_err(ov("reading the input shape"))?;
            if let Some(n) = dims.first_mut() {
                *n = p.batch as i64;
            }
            let shape = openvino::PartialShape::new_static(dims.len() as i64, &dims)
                .map_err(ov("reshaping to the batch size"))?;
            model
                .reshape_single_input(&shape)
                .map_err(ov("reshaping to the batch size"))?;
        }
        let model = match pre {
            Some(p) => preprocess::build(&model, p).map_err(ov("building pre-processing"))?,
            None => model,
        };
        let device_type: DeviceType<'_> = self.device.parse().unwrap_or(DeviceType::CPU);
        for (key, value) in config {
            self.core
                .set_property(
                    &device_type,
                    &RwPropertyKey::Other(Cow::Owned(key.clone())),
                    value,
                )
                .map_err(ov("applying ie-config"))?;
        }
        let compiled = self
            .core
            .compile_model(&model, device_type)
            .map_err(ov("compiling"))?;
        let inputs =
            ov::compiled_ports(&compiled, Side::Inputs).map_err(ov("reading the inputs"))?;
        let outputs =
            ov::compiled_ports(&compiled, Side::Outputs).map_err(ov("reading the outputs"))?;
        let input_type = inputs
            .first()
            .map_or(ElementType::F32, |port| port.element_type);
        Ok(CompiledModel {
            path: self.shown.clone(),
            name: self.info.name.clone(),
            compiled,
            inputs: inputs.into_iter().map(Port::from).collect(),
            input_type,
            outputs: outputs.into_iter().map(Port::from).collect(),
        })
    }
}

/// `ie-config` text (`KEY=VALUE,KEY=VALUE`) as pairs.
pub fn parse_config(text: &str) -> Result<Vec<(String, String)>, ModelError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| match entry.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.trim().to_owned())),
            _ => Err(ModelError::Config(entry.to_owned())),
        })
        .collect()
}

/// The OpenVINO configuration an inference element compiles with on `device`, from its
/// `ie-config` pairs and the number of requests it keeps in flight (`requests`, 0 = auto),
/// with warnings for the user. On CPU, as DL Streamer does:
///
/// * the OpenVINO 1 keys of older pipelines become their OpenVINO 2 names
///   (`CPU_THROUGHPUT_STREAMS` → `NUM_STREAMS`, `CPU_THREADS_NUM` → `INFERENCE_NUM_THREADS`,
///   `CPU_BIND_THREAD` → `ENABLE_CPU_PINNING`), each with a warning;
/// * unless `NUM_STREAMS` or a `PERFORMANCE_HINT` is given, `NUM_STREAMS=AUTO`: throughput
///   streams, each inference on a share of the cores, so requests in flight never stall one
///   another. Unlike DL Streamer, not with a single request (`requests == 1`): one stream
///   then runs each inference on every core (OpenVINO's latency default), instead of one
///   stream working while the others idle.
pub fn element_config(
    device: &str,
    requests: usize,
    config: Vec<(String, String)>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut warnings = Vec::new();
    if device.trim() != "CPU" {
        return (config, warnings);
    }
    let mut config: Vec<(String, String)> = config
        .into_iter()
        .map(|(key, value)| {
            let (new, value) = match key.as_str() {
                "CPU_THROUGHPUT_STREAMS" => (
                    "NUM_STREAMS",
                    match value.as_str() {
                        "CPU_THROUGHPUT_AUTO" => "AUTO".to_owned(),
                        "CPU_THROUGHPUT_NUMA" => "NUMA".to_owned(),
                        _ => value,
                    },
                ),
                "CPU_THREADS_NUM" => ("INFERENCE_NUM_THREADS", value),
                "CPU_BIND_THREAD" => (
                    "ENABLE_CPU_PINNING",
                    if value == "YES" { "YES" } else { "NO" }.to_owned(),
                ),
                _ => return (key, value),
            };
            warnings.push(format!(
                "ie-config {key} is an OpenVINO 1 setting: using {new}={value} (write that \
                 instead)"
            ));
            (new.to_owned(), value)
        })
        .collect();
    let given = |name: &str| config.iter().any(|(k, _)| k == name);
    if requests != 1 && !given("NUM_STREAMS") && !given("PERFORMANCE_HINT") {
        config.push(("NUM_STREAMS".to_owned(), "AUTO".to_owned()));
    }
    (config, warnings)
}

impl CompiledModel {
    /// Reads an OpenVINO IR (`.xml` + `.bin`), ONNX or TFLite model and compiles it for
    /// `device` with `config` pairs; with `frame`, the model takes packed u8 frames of that
    /// size: BGR (3 channels), BGRx (4), or grey for a grayscale model (1).
    pub fn load(
        path: impl AsRef<Path>,
        device: &str,
        config: &[(String, String)],
        frame: Option<FrameInput>,
    ) -> Result<Self, ModelError> {
        let pre = match frame {
            None => None,
            Some(f) => Some(match f.channels {
                3 => Preprocess::new(FrameFormat::Bgr, f.width, f.height),
                4 => Preprocess::new(FrameFormat::Bgrx, f.width, f.height),
                1 => Preprocess {
                    color_space: preprocess::ColorSpace::Grayscale,
                    ..Preprocess::new(FrameFormat::Gray, f.width, f.height)
                },
                n => {
                    return Err(ModelError::Other(format!(
                        "frames of {n} channels: packed frames have 1, 3 or 4"
                    )));
                }
            }),
        };
        ModelFile::read(path, device)?.compile(config, pre.as_ref())
    }

    /// As [`CompiledModel::load`], with the whole pre-processing `pre` (see
    /// [`ModelFile::compile`]).
    pub fn load_with(
        path: impl AsRef<Path>,
        device: &str,
        config: &[(String, String)],
        pre: Preprocess,
    ) -> Result<Self, ModelError> {
        ModelFile::read(path, device)?.compile(config, Some(&pre))
    }

    /// The model's friendly name (an IR's `<net name=...>`), else the file's stem.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The inputs of the compiled model (after pre-processing).
    pub fn inputs(&self) -> &[Port] {
        &self.inputs
    }

    /// The outputs.
    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }

    /// A property of the compiled model as OpenVINO reports it (`NUM_STREAMS`,
    /// `PERFORMANCE_HINT`, `INFERENCE_PRECISION_HINT`…).
    pub fn property(&self, name: &str) -> Result<String, ModelError> {
        ov::compiled_property(&self.compiled, name)
            .map_err(openvino_error(&self.path, "reading a property"))
    }

    /// How many requests OpenVINO advises keeping in flight on this compiled model
    /// (`OPTIMAL_NUMBER_OF_INFER_REQUESTS`, at least 1): what `nireq=0` (auto) means.
    pub fn optimal_requests(&self) -> Result<usize, ModelError> {
        let value = self.property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")?;
        value
            .trim()
            .parse::<usize>()
            .map(|n| n.max(1))
            .map_err(|_| {
                ModelError::Other(format!(
                    "OPTIMAL_NUMBER_OF_INFER_REQUESTS is '{value}', not a number"
                ))
            })
    }

    /// Runs the model once, synchronously, on `input` (u8 frames for a model compiled with a
    /// [`FrameInput`], f32 values otherwise) and returns every output as f32.
    pub fn infer(&mut self, input: InputData<'_>) -> Result<Vec<Output>, ModelError> {
        let mut request = self.new_request()?;
        request.fill(input)?;
        request.request.infer().map_err(request.ov("inference"))?;
        request.outputs()
    }

    /// A new inference request of this model, with its input tensor allocated.
    pub fn new_request(&mut self) -> Result<Request, ModelError> {
        let ov = |what| openvino_error(&self.path, what);
        let input = self.new_input()?;
        let mut request = self
            .compiled
            .create_infer_request()
            .map_err(ov("creating a request"))?;
        request
            .set_input_tensor(&input.tensor)
            .map_err(ov("setting the input"))?;
        // The request's output tensors, taken once: each inference writes into them.
        let outputs = self
            .outputs
            .iter()
            .enumerate()
            .map(|(index, port)| {
                let tensor = request
                    .get_output_tensor_by_index(index)
                    .map_err(ov("reading an output"))?;
                let element_type = tensor.get_element_type().map_err(ov("reading an output"))?;
                Ok(OutputTensor {
                    port: port.clone(),
                    tensor,
                    element_type,
                })
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(Request {
            path: self.path.clone(),
            request,
            input,
            outputs,
        })
    }

    /// A new input tensor of the compiled input's type and shape.
    fn new_input(&self) -> Result<InputTensor, ModelError> {
        let ov = |what| openvino_error(&self.path, what);
        let port = self.inputs.first().cloned().unwrap_or(Port {
            name: String::new(),
            shape: vec![],
        });
        let input_type = self.input_type;
        let shape = Shape::new(&port.shape).map_err(ov("shaping the input"))?;
        let tensor = Tensor::new(input_type, &shape).map_err(ov("allocating the input"))?;
        Ok(InputTensor {
            path: self.path.clone(),
            tensor,
            element_type: input_type,
            port,
        })
    }
}

/// An input tensor of a compiled model (its first input's type and shape).
pub struct InputTensor {
    path: String,
    tensor: Tensor,
    element_type: ElementType,
    port: Port,
}

impl InputTensor {
    fn ov(&self, what: &'static str) -> impl Fn(openvino::InferenceError) -> ModelError + use<> {
        openvino_error(&self.path, what)
    }

    /// Copies `input` into the tensor.
    pub fn fill(&mut self, input: InputData<'_>) -> Result<(), ModelError> {
        let want: usize = self
            .port
            .shape
            .iter()
            .map(|d| (*d).max(0) as usize)
            .product();
        let size_error = |got| ModelError::InputSize {
            got,
            want,
            shape: self.port.shape.clone(),
        };
        match (input, self.element_type) {
            (InputData::U8(bytes), ElementType::U8) => {
                if bytes.len() != want {
                    return Err(size_error(bytes.len()));
                }
                let ov = self.ov("filling the input");
                self.tensor
                    .get_raw_data_mut()
                    .map_err(ov)?
                    .copy_from_slice(bytes);
            }
            (InputData::F32(values), ElementType::F32) => {
                if values.len() != want {
                    return Err(size_error(values.len()));
                }
                let ov = self.ov("filling the input");
                self.tensor
                    .get_data_mut::<f32>()
                    .map_err(ov)?
                    .copy_from_slice(values);
            }
            (InputData::U8(b), _) => return Err(size_error(b.len())),
            (InputData::F32(v), _) => return Err(size_error(v.len())),
        }
        Ok(())
    }

    /// Fills a u8 input in place: `fill` gets the whole tensor (the size of the compiled input
    /// shape) and writes the frame into it, without an intermediate copy.
    pub fn fill_u8_with(
        &mut self,
        fill: impl FnOnce(&mut [u8]) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        if self.element_type != ElementType::U8 {
            return Err(ModelError::Other(format!(
                "the compiled input takes {:?} values, not u8 frames",
                self.element_type
            )));
        }
        let ov = self.ov("filling the input");
        fill(self.tensor.get_raw_data_mut().map_err(ov)?)
    }
}

/// One inference request with its input tensor (reused from run to run).
pub struct Request {
    path: String,
    pub(crate) request: openvino::InferRequest,
    input: InputTensor,
    outputs: Vec<OutputTensor>,
}

/// An output tensor of a request, with its port and element type.
struct OutputTensor {
    port: Port,
    tensor: Tensor,
    element_type: ElementType,
}

impl Request {
    fn ov(&self, what: &'static str) -> impl Fn(openvino::InferenceError) -> ModelError + use<> {
        openvino_error(&self.path, what)
    }

    /// Copies `input` into the request's input tensor.
    pub fn fill(&mut self, input: InputData<'_>) -> Result<(), ModelError> {
        self.input.fill(input)
    }

    /// The request's input tensor, to fill in place before it starts.
    pub fn input_mut(&mut self) -> &mut InputTensor {
        &mut self.input
    }

    /// The request's C handle, which [`crate::pool`] starts from OpenVINO's completion
    /// callbacks while the request itself sits in the pool's state.
    pub(crate) fn raw(&self) -> RawRequest {
        RawRequest(ov::request_ptr(&self.request))
    }

    /// Error for a failed start of this request.
    pub(crate) fn start_error(&self, source: openvino::InferenceError) -> ModelError {
        self.ov("starting inference")(source)
    }

    /// Waits for a started inference to finish.
    pub fn wait(&mut self) -> Result<(), ModelError> {
        // The crate only wraps `ov_infer_request_wait_for`, which refuses a negative ("forever")
        // timeout; a day is forever for one inference.
        const A_DAY_MS: i64 = 24 * 60 * 60 * 1000;
        let ov = self.ov("inference");
        self.request.wait(A_DAY_MS).map_err(ov)
    }

    /// Every output of the last inference, as f32.
    pub fn outputs(&self) -> Result<Vec<Output>, ModelError> {
        self.outputs
            .iter()
            .map(|output| {
                let ov = || self.ov("reading an output");
                let t = &output.tensor;
                let data = match output.element_type {
                    ElementType::F32 => t.get_data::<f32>().map_err(ov())?.to_vec(),
                    ElementType::I64 => t
                        .get_data::<i64>()
                        .map_err(ov())?
                        .iter()
                        .map(|v| *v as f32)
                        .collect(),
                    ElementType::I32 => t
                        .get_data::<i32>()
                        .map_err(ov())?
                        .iter()
                        .map(|v| *v as f32)
                        .collect(),
                    _ => t
                        .get_raw_data()
                        .map_err(ov())?
                        .iter()
                        .map(|v| f32::from(*v))
                        .collect(),
                };
                Ok(Output {
                    port: output.port.clone(),
                    data,
                })
            })
            .collect()
    }
}

/// A [`Request`]'s C handle: what OpenVINO's completion callback knows a request by, and how
/// it starts the next one. Only as valid as the `Request` it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawRequest(*mut openvino_sys::ov_infer_request_t);

impl RawRequest {
    /// Starts inference without waiting; OpenVINO may call the request's callback on any of
    /// its threads, this one included, before this returns.
    ///
    /// # Safety
    /// The `Request` is alive, and nothing else uses it until its inference is done.
    pub(crate) unsafe fn start(self) -> Result<(), openvino::InferenceError> {
        // SAFETY: the caller's promise.
        ov::check(unsafe { openvino_sys::ov_infer_request_start_async(self.0) })
    }

    /// Has OpenVINO call `callback` each time an inference of the request finishes.
    ///
    /// # Safety
    /// `callback` (OpenVINO keeps the pointer) and what its `args` point to stay valid and
    /// callable from any thread as long as the `Request` lives.
    pub(crate) unsafe fn set_callback(
        self,
        callback: *const openvino_sys::ov_callback_t,
    ) -> Result<(), openvino::InferenceError> {
        // SAFETY: a live request; the caller's promise for `callback`.
        ov::check(unsafe { openvino_sys::ov_infer_request_set_callback(self.0, callback) })
    }
}

/// Input values for [`CompiledModel::infer`].
pub enum InputData<'a> {
    /// Packed u8 frames (models compiled with a [`FrameInput`]).
    U8(&'a [u8]),
    /// f32 values in the model's own input layout.
    F32(&'a [f32]),
}
