//! Asynchronous inference with `nireq` requests in flight, `batch` inputs per request, results
//! delivered in submission order.
//!
//! [`Pool::submit`] copies the input into the next batch slot of a free request's input tensor
//! and, once the batch is full (a partial batch at [`Pool::flush`]), starts the request. When
//! every request is busy it waits until half of them are free again, so the submitting thread
//! wakes once per few frames, not per frame. With a single request there is also a spare input
//! tensor: the next frame is filled in it while the request runs, and queued.
//!
//! One completion thread waits for the requests in the order they were started — so results
//! come out in frame order whatever order OpenVINO finishes them in. As soon as a request is
//! done and its outputs are copied out, the completion thread starts the queued batch on it
//! (swapping the spare tensor in), so the next inference never waits for another thread to
//! wake up; then it hands the finished result with its tags to the `deliver` callback.
//! [`Pool::flush`] waits until everything submitted has been delivered (EOS, flushes); dropping
//! the pool does the same, so no frame is lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::model::{CompiledModel, InputData, InputTensor, ModelError, Output, Request};

type Deliver<T> = dyn Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync;

/// A filled spare input tensor with the tags of its filled batch slots.
type Filled<T> = (InputTensor, Vec<T>);

/// Where a batch is filled: a free request's own input tensor (started as it is), or a spare
/// tensor (swapped into the request that runs it).
enum Slot {
    Request(Request),
    Spare(InputTensor),
}

impl Slot {
    fn tensor(&mut self) -> &mut InputTensor {
        match self {
            Slot::Request(request) => request.input_mut(),
            Slot::Spare(tensor) => tensor,
        }
    }
}

/// What the completion thread is told.
#[allow(clippy::large_enum_variant)] // one per started request; Stop once
enum Message<T> {
    /// A request started (or whose start failed) with the tags of its batch.
    Started(Request, Vec<T>, Result<(), ModelError>),
    /// Everything is delivered and the pool is going away.
    Stop,
}

/// The requests and tensors, under one lock.
struct State<T> {
    /// Requests not running.
    free: Vec<Request>,
    /// Input tensors neither in a request nor being filled.
    spare: Vec<InputTensor>,
    /// Full batches waiting for a request, oldest first. Only non-empty while no request is
    /// free.
    queued: VecDeque<Filled<T>>,
    /// Batches submitted (queued or started) and not yet delivered.
    in_flight: usize,
}

/// What the submitting threads and the completion thread share.
struct Shared<T> {
    state: Mutex<State<T>>,
    /// Signalled when [`Shared::wake_at`] slots are available.
    slots_ready: Condvar,
    /// Available slots (free requests and spare tensors) that wake a submitter waiting for
    /// one: it then fills that many frames without sleeping in between (half the requests;
    /// fewer thread wake-ups per frame).
    wake_at: usize,
    /// Signalled when nothing is in flight any more.
    idle: Condvar,
    /// To the completion thread, sent to under the state lock (so in start order).
    started: Sender<Message<T>>,
    /// Set when a `deliver` callback panicked (the pool goes on).
    panicked: AtomicBool,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Free requests and spare tensors: the slots a submitter can fill.
    fn available(state: &State<T>) -> usize {
        state.free.len() + state.spare.len()
    }

    /// Starts `request` (first swapping in `input` when the batch was filled in a spare tensor;
    /// the request's own tensor becomes spare) and tells the completion thread. Called under
    /// the state lock, so requests reach the completion thread in the order they started.
    fn start(
        &self,
        state: &mut State<T>,
        mut request: Request,
        input: Option<InputTensor>,
        tags: Vec<T>,
    ) {
        let mut started = Ok(());
        if let Some(mut input) = input {
            started = request.swap_input(&mut input);
            state.spare.push(input);
            if Self::available(state) == self.wake_at {
                self.slots_ready.notify_one();
            }
        }
        let started = started.and_then(|()| request.start());
        // The completion thread lives as long as the pool: the send cannot fail while a
        // batch can be submitted.
        let _ = self.started.send(Message::Started(request, tags, started));
    }

    /// Starts a full batch: on its own request, on a free one, or queued for the next
    /// request to finish.
    fn dispatch(&self, slot: Slot, tags: Vec<T>) {
        let mut state = self.lock();
        state.in_flight += 1;
        match slot {
            Slot::Request(request) => self.start(&mut state, request, None, tags),
            Slot::Spare(input) => match state.free.pop() {
                Some(request) => self.start(&mut state, request, Some(input), tags),
                None => state.queued.push_back((input, tags)),
            },
        }
    }

    /// A request is done: the next queued batch starts on it at once, else it is free.
    fn finished(&self, request: Request) {
        let mut state = self.lock();
        match state.queued.pop_front() {
            Some((input, tags)) => self.start(&mut state, request, Some(input), tags),
            None => {
                state.free.push(request);
                if Self::available(&state) == self.wake_at {
                    self.slots_ready.notify_one();
                }
            }
        }
    }

    /// Puts back a slot nothing was submitted in.
    fn give_back(&self, slot: Slot) {
        let mut state = self.lock();
        match slot {
            Slot::Request(request) => state.free.push(request),
            Slot::Spare(tensor) => state.spare.push(tensor),
        }
    }
}

/// A pool of inference requests of one compiled model.
pub struct Pool<T: Send + 'static> {
    shared: Arc<Shared<T>>,
    completion: Option<JoinHandle<()>>,
    nireq: usize,
    batch: usize,
    /// The batch being filled, with the tags of its filled slots; the lock also makes
    /// submissions one at a time.
    filling: Mutex<Option<(Slot, Vec<T>)>>,
}

impl<T: Send + 'static> Pool<T> {
    /// A pool of `nireq` (at least 1) requests of `model`, delivering results to `deliver`.
    pub fn new(
        model: &mut CompiledModel,
        nireq: usize,
        deliver: impl Fn(T, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
    ) -> Result<Self, ModelError> {
        Self::batched(model, nireq, 1, move |mut tags, result| {
            if let Some(tag) = tags.pop() {
                deliver(tag, result);
            }
        })
    }

    /// A pool of `nireq` (at least 1) requests of `model`, compiled for `batch` inputs per
    /// request (see [`crate::preprocess::Preprocess::with_batch`]): `deliver` gets the tags of
    /// a request's filled slots (in order; fewer than `batch` after a flush) and the batch's
    /// outputs.
    pub fn batched(
        model: &mut CompiledModel,
        nireq: usize,
        batch: usize,
        deliver: impl Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
    ) -> Result<Self, ModelError> {
        let nireq = nireq.max(1);
        let free = (0..nireq)
            .map(|_| model.new_request())
            .collect::<Result<Vec<_>, _>>()?;
        let (started, messages) = mpsc::channel::<Message<T>>();
        // With one request, a spare tensor: the next frame is filled while the request runs,
        // and the request restarts on it as soon as it is done. With more, the submitter
        // fills free requests (OpenVINO runs one while the others wait their turn), and no
        // tensor is swapped: a request whose input tensor changed costs OpenVINO about 2 %
        // more (measured on detector_bench).
        let spare = if nireq == 1 {
            vec![model.new_input()?]
        } else {
            Vec::new()
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                free,
                spare,
                queued: VecDeque::new(),
                in_flight: 0,
            }),
            slots_ready: Condvar::new(),
            wake_at: (nireq / 2).max(1),
            idle: Condvar::new(),
            started,
            panicked: AtomicBool::new(false),
        });
        let deliver: Arc<Deliver<T>> = Arc::new(deliver);
        let done = shared.clone();
        let completion = std::thread::Builder::new()
            .name("gva-infer-completion".into())
            .spawn(move || {
                for message in messages {
                    let Message::Started(mut request, tags, started) = message else {
                        break;
                    };
                    let result = started
                        .and_then(|()| request.wait())
                        .and_then(|()| request.outputs());
                    // The outputs are copied out: the request takes the next batch while
                    // this one is delivered.
                    done.finished(request);
                    // A panicking callback must not stop the pool.
                    let delivered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        deliver(tags, result)
                    }));
                    if delivered.is_err() {
                        done.panicked.store(true, Ordering::Relaxed);
                    }
                    let mut state = done.lock();
                    state.in_flight = state.in_flight.saturating_sub(1);
                    if state.in_flight == 0 {
                        done.idle.notify_all();
                    }
                }
            })
            .map_err(|e| {
                ModelError::Other(format!("could not start the completion thread: {e}"))
            })?;
        Ok(Self {
            shared,
            completion: Some(completion),
            nireq,
            batch: batch.max(1),
            filling: Mutex::new(None),
        })
    }

    /// Inputs per request.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Number of requests.
    pub fn nireq(&self) -> usize {
        self.nireq
    }

    /// Starts inference on `input` (with a batch: once the batch is full); its result reaches
    /// `deliver` with `tag`, in submission order. A bad input is an error here and nothing is
    /// submitted. With a batch of more than one, inputs must be u8.
    pub fn submit(&self, input: InputData<'_>, tag: T) -> Result<(), ModelError> {
        match input {
            InputData::U8(bytes) if self.batch > 1 => self.submit_with(tag, |slot| {
                if slot.len() != bytes.len() {
                    return Err(ModelError::Other(format!(
                        "an input of {} bytes does not fit the model's {} bytes per frame",
                        bytes.len(),
                        slot.len()
                    )));
                }
                slot.copy_from_slice(bytes);
                Ok(())
            }),
            InputData::F32(_) if self.batch > 1 => Err(ModelError::Other(
                "f32 inputs are not batched: submit u8 frames".into(),
            )),
            input => self.fill_slot(tag, |tensor, _| tensor.fill(input)),
        }
    }

    /// Like [`Pool::submit`] for u8 inputs, but `fill` writes the input straight into its slot
    /// of the input tensor (no intermediate buffer).
    pub fn submit_with(
        &self,
        tag: T,
        fill: impl FnOnce(&mut [u8]) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let batch = self.batch;
        self.fill_slot(tag, |tensor, index| {
            tensor.fill_u8_with(|all| {
                let size = all.len() / batch;
                fill(&mut all[index * size..(index + 1) * size])
            })
        })
    }

    /// Fills the next batch slot with `fill` (given the tensor and the slot's index) and
    /// dispatches the batch once it is full. On an error the slot stays free.
    fn fill_slot(
        &self,
        tag: T,
        fill: impl FnOnce(&mut InputTensor, usize) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        let (mut slot, mut tags) = match filling.take() {
            Some(filled) => filled,
            None => (self.take_slot(), Vec::with_capacity(self.batch)),
        };
        if let Err(e) = fill(slot.tensor(), tags.len()) {
            if tags.is_empty() {
                self.shared.give_back(slot);
            } else {
                *filling = Some((slot, tags));
            }
            return Err(e);
        }
        tags.push(tag);
        if tags.len() == self.batch {
            self.shared.dispatch(slot, tags);
        } else {
            *filling = Some((slot, tags));
        }
        Ok(())
    }

    /// A free request, else a spare tensor; waiting for some when there are none.
    fn take_slot(&self) -> Slot {
        let mut state = self.shared.lock();
        loop {
            if let Some(request) = state.free.pop() {
                return Slot::Request(request);
            }
            if let Some(tensor) = state.spare.pop() {
                return Slot::Spare(tensor);
            }
            // The completion thread frees them as requests finish.
            state = self
                .shared
                .slots_ready
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Whether a `deliver` callback has panicked (its panic was caught; the pool went on).
    pub fn callback_panicked(&self) -> bool {
        self.shared.panicked.load(Ordering::Relaxed)
    }

    /// Starts a partly filled batch, then waits until every submitted input has been
    /// delivered.
    pub fn flush(&self) {
        let partial = self
            .filling
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((slot, tags)) = partial {
            if tags.is_empty() {
                self.shared.give_back(slot);
            } else {
                self.shared.dispatch(slot, tags);
            }
        }
        let mut state = self.shared.lock();
        while state.in_flight > 0 {
            state = self
                .shared
                .idle
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl<T: Send + 'static> Drop for Pool<T> {
    fn drop(&mut self) {
        self.flush();
        let _ = self.shared.started.send(Message::Stop);
        if let Some(thread) = self.completion.take() {
            let _ = thread.join();
        }
    }
}
