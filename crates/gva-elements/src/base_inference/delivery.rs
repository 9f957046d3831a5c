//! The delivery of an inference element: on the pool's completion thread, results are
//! converted and held until their frame leaves, then attached to it, and the frame is pushed —
//! in the order the frames came.
//!
//! Each frame goes through the pool as zero or more [`Input`]s (the whole frame, or each region
//! to infer) followed by its [`FrameEnd`], which carries the buffer. The pool delivers a
//! frame's end after the results of all its inputs (see [`gva_infer::pool::Pool::pass`]), and
//! frame ends in order, so a frame leaves once every result of it is attached, and no later.

use std::sync::{Arc, Mutex};

use gva_infer::model::{ModelError, Output};
use gva_meta::VideoFrame;

use super::history::History;
use super::lock;
use super::results::{FrameResults, Results, Target};

/// Where the delivered frames go: each frame with its metadata attached (or why it could not
/// be), in frame order.
pub type Sink = Arc<dyn Fn(Result<gst::Buffer, String>) + Send + Sync>;

/// Where warnings found while converting results go (posted by the element).
pub type Warn = Arc<dyn Fn(String) + Send + Sync>;

/// One inference: the whole frame, or one of its regions.
pub struct Input {
    /// The frame's number in the stream.
    pub frame: u64,
    /// Where its results go.
    pub target: Target,
    /// The region's `object_id` (0: untracked, or a whole frame), for the history.
    pub object: i32,
}

/// A frame, after its inputs.
pub struct FrameEnd {
    /// The frame's number in the stream.
    pub frame: u64,
    /// The frame.
    pub buffer: gst::Buffer,
    /// Regions (id, object id) that re-use their object's last results.
    pub reused: Vec<(i32, i32)>,
}

/// An input's results, waiting for its frame to leave.
struct Pending {
    input: Input,
    results: Result<FrameResults, String>,
}

/// Results → attach → push, for one negotiated format.
pub struct Delivery {
    results: Arc<Results>,
    info: gst_video::VideoInfo,
    /// Inputs per request.
    batch: usize,
    history: Option<Arc<Mutex<History>>>,
    pending: Mutex<Vec<Pending>>,
    sink: Sink,
    warn: Warn,
}

impl Delivery {
    /// A delivery of frames described by `info`, converted by `results`, from requests of
    /// `batch` inputs.
    pub fn new(
        results: Arc<Results>,
        info: gst_video::VideoInfo,
        batch: usize,
        history: Option<Arc<Mutex<History>>>,
        sink: Sink,
        warn: Warn,
    ) -> Self {
        Self {
            results,
            info,
            batch,
            history,
            pending: Mutex::default(),
            sink,
            warn,
        }
    }

    /// Attaches `inputs`' results and the re-used ones to the frame of `end`.
    fn attach(&self, end: FrameEnd, inputs: Vec<Pending>) -> Result<gst::Buffer, String> {
        let FrameEnd {
            frame: index,
            mut buffer,
            reused,
        } = end;
        let mut frame = VideoFrame::new(buffer.make_mut(), self.info.clone());
        for Pending { input, results } in inputs {
            let results = results?;
            match (&self.history, input.target) {
                (Some(history), Target::Region(..)) if input.object != 0 => {
                    let mut copies = Vec::new();
                    self.results
                        .attach(&mut frame, results, input.target, Some(&mut copies))?;
                    lock(history).store(input.object, index, copies);
                }
                _ => self
                    .results
                    .attach(&mut frame, results, input.target, None)?,
            }
        }
        if let Some(history) = &self.history {
            for (id, object) in reused {
                let structures = lock(history).results(object);
                let mut roi = frame.region_mut(id).map_err(|e| e.to_string())?;
                for s in &structures {
                    roi.add_tensor_copy(gva_meta::Tensor::from_structure(s), None)
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(buffer)
    }
}

impl gva_infer::pool::Delivery<Input, FrameEnd> for Delivery {
    fn inferred(&self, inputs: Vec<Input>, outputs: Result<Vec<Output>, ModelError>) {
        let mut warnings = Vec::new();
        let converted = outputs
            .map_err(|e| e.to_string())
            .and_then(|outputs| self.results.convert(&outputs, self.batch, &mut warnings));
        for warning in warnings {
            (self.warn)(warning);
        }
        let mut pending = lock(&self.pending);
        match converted {
            Ok(per_input) => pending.extend(inputs.into_iter().zip(per_input).map(
                |(input, results)| Pending {
                    input,
                    results: Ok(results),
                },
            )),
            Err(e) => pending.extend(inputs.into_iter().map(|input| Pending {
                input,
                results: Err(e.clone()),
            })),
        }
    }

    fn passed(&self, end: FrameEnd) {
        let inputs = {
            let mut pending = lock(&self.pending);
            let (mine, later) = std::mem::take(&mut *pending)
                .into_iter()
                .partition(|p| p.input.frame == end.frame);
            *pending = later;
            mine
        };
        (self.sink)(self.attach(end, inputs));
    }
}
