//! The delivery of an inference element: on the pool's completion thread, results are
//! converted and held until their frame leaves, then attached to it, and the frame is pushed —
//! in the order the frames came.
//!
//! Each frame goes through the pool as zero or more [`Input`]s (the whole frame, or each region
//! to infer) followed by its [`FrameEnd`], which carries the buffer. The pool delivers a
//! frame's end after the results of all its inputs (see [`gva_infer::pool::Pool::pass`]), and
//! frame ends in order, so a frame leaves once every result of it is attached, and no later.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use gva_infer::converters::{InputResults, OutputPlan};
use gva_infer::model::{ModelError, Output};
use gva_meta::VideoFrame;

use super::attach::{Attacher, Target};
use super::error::Error;
use super::history::History;
use super::lock;

/// Where a delivery's frames and findings go (the element pushes and posts them).
pub trait Sink: Send + Sync + 'static {
    /// A frame with its results attached, in frame order; or why a frame could not get them
    /// (the frames of a failed request do not leave: the element posts the error).
    fn frame(&self, frame: Result<gst::Buffer, Error>);

    /// A warning found while converting results (said once by the plan).
    fn warning(&self, warning: String);
}

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

/// Inputs' results waiting for their frames to leave, and the frames whose results are lost.
#[derive(Default)]
struct Pending {
    results: Vec<(Input, InputResults)>,
    failed: HashSet<u64>,
}

/// Results → attach → push, for one negotiated format.
pub struct Delivery {
    plan: Arc<OutputPlan>,
    attacher: Arc<Attacher>,
    info: gst_video::VideoInfo,
    /// Inputs per request.
    batch: usize,
    history: Option<Arc<Mutex<History>>>,
    pending: Mutex<Pending>,
    sink: Arc<dyn Sink>,
}

impl Delivery {
    /// A delivery of frames described by `info`, whose requests of `batch` inputs are
    /// converted by `plan` and attached by `attacher`.
    pub fn new(
        plan: Arc<OutputPlan>,
        attacher: Arc<Attacher>,
        info: gst_video::VideoInfo,
        batch: usize,
        history: Option<Arc<Mutex<History>>>,
        sink: Arc<dyn Sink>,
    ) -> Self {
        Self {
            plan,
            attacher,
            info,
            batch,
            history,
            pending: Mutex::default(),
            sink,
        }
    }

    /// Attaches `inputs`' results and the re-used ones to the frame of `end`.
    fn attach(
        &self,
        end: FrameEnd,
        inputs: Vec<(Input, InputResults)>,
    ) -> Result<gst::Buffer, Error> {
        let FrameEnd {
            frame: index,
            mut buffer,
            reused,
        } = end;
        let mut frame = VideoFrame::new(buffer.make_mut(), self.info.clone());
        for (input, results) in inputs {
            match (&self.history, input.target) {
                (Some(history), Target::Region(..)) if input.object != 0 => {
                    let mut copies = Vec::new();
                    self.attacher
                        .attach(&mut frame, results, input.target, Some(&mut copies))?;
                    lock(history).store(input.object, index, copies);
                }
                _ => self
                    .attacher
                    .attach(&mut frame, results, input.target, None)?,
            }
        }
        if let Some(history) = &self.history {
            for (id, object) in reused {
                let structures = lock(history).results(object);
                let mut roi = frame.region_mut(id)?;
                for s in &structures {
                    roi.add_tensor_copy(gva_meta::Tensor::from_structure(s), None)?;
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
            .map_err(Error::from)
            .and_then(|outputs| Ok(self.plan.convert(&outputs, self.batch, &mut warnings)?));
        for warning in warnings {
            self.sink.warning(warning);
        }
        match converted {
            Ok(per_input) => lock(&self.pending)
                .results
                .extend(inputs.into_iter().zip(per_input)),
            Err(e) => {
                lock(&self.pending)
                    .failed
                    .extend(inputs.iter().map(|input| input.frame));
                self.sink.frame(Err(e));
            }
        }
    }

    fn passed(&self, end: FrameEnd) {
        let (inputs, failed) = {
            let mut pending = lock(&self.pending);
            let (mine, later) = std::mem::take(&mut pending.results)
                .into_iter()
                .partition(|(input, _)| input.frame == end.frame);
            pending.results = later;
            (mine, pending.failed.remove(&end.frame))
        };
        if !failed {
            self.sink.frame(self.attach(end, inputs));
        }
    }
}
