//! Asynchronous inference with `nireq` requests in flight, `batch` inputs per request, results
//! delivered in submission order.
//!
//! Inputs are filled into input tensors of their own, not into a request: there is a spare
//! tensor per request, so the next frames are filled while every request runs. [`Pool::submit`]
//! takes a spare tensor (when all are taken, waiting until half of them are spare again, so the
//! submitting thread wakes once per few frames, not per frame), copies the input into its next
//! batch slot and, once the batch is full (a partial batch at [`Pool::flush`]), starts it on a
//! free request or queues it. One completion thread waits for the requests in the order they
//! were started — so results come out in frame order whatever order OpenVINO finishes them in
//! — and, as soon as a request is done and its outputs are copied out, starts the queued batch
//! on it: the next inference never waits for another thread to wake up. Then it hands the
//! finished result with its tags to the `deliver` callback. [`Pool::flush`] waits until
//! everything submitted has been delivered (EOS, flushes); dropping the pool does the same, so
//! no frame is lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::model::{CompiledModel, InputData, InputTensor, ModelError, Output, Request};

type Deliver<T> = dyn Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync;

/// A filled input tensor with the tags of its filled batch slots.
type Filled<T> = (InputTensor, Vec<T>);

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
    /// Signalled when [`Shared::wake_at`] tensors are spare.
    spare_ready: Condvar,
    /// Spare tensors that wake a submitter waiting for one: it then fills that many frames
    /// without sleeping in between (half the spare tensors; fewer thread wake-ups per frame).
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

    /// Starts `filled` on `request` and tells the completion thread; the request's previous
    /// input tensor becomes spare. Called under the state lock, so requests reach the
    /// completion thread in the order they started.
    fn start(&self, state: &mut State<T>, mut request: Request, filled: Filled<T>) {
        let (mut input, tags) = filled;
        let started = request
            .swap_input(&mut input)
            .and_then(|()| request.start());
        state.spare.push(input);
        if state.spare.len() == self.wake_at {
            self.spare_ready.notify_one();
        }
        // The completion thread lives as long as the pool: the send cannot fail while a
        // batch can be submitted.
        let _ = self.started.send(Message::Started(request, tags, started));
    }

    /// Starts a full batch on a free request, or queues it for the next request to finish.
    fn dispatch(&self, filled: Filled<T>) {
        let mut state = self.lock();
        state.in_flight += 1;
        match state.free.pop() {
            Some(request) => self.start(&mut state, request, filled),
            None => state.queued.push_back(filled),
        }
    }

    /// A request is done: the next queued batch starts on it at once, else it is free.
    fn finished(&self, request: Request) {
        let mut state = self.lock();
        match state.queued.pop_front() {
            Some(filled) => self.start(&mut state, request, filled),
            None => state.free.push(request),
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
    filling: Mutex<Option<Filled<T>>>,
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
        // A spare tensor per request: the next frames are filled while all requests run.
        let spare = (0..nireq)
            .map(|_| model.new_input())
            .collect::<Result<Vec<_>, _>>()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                free,
                spare,
                queued: VecDeque::new(),
                in_flight: 0,
            }),
            spare_ready: Condvar::new(),
            wake_at: nireq.div_ceil(2),
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
                ModelError::Config(format!("could not start the completion thread: {e}"))
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
                    return Err(ModelError::Config(format!(
                        "an input of {} bytes does not fit the model's {} bytes per frame",
                        bytes.len(),
                        slot.len()
                    )));
                }
                slot.copy_from_slice(bytes);
                Ok(())
            }),
            InputData::F32(_) if self.batch > 1 => Err(ModelError::Config(
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
        let (mut tensor, mut tags) = match filling.take() {
            Some(filled) => filled,
            None => (self.spare_tensor(), Vec::with_capacity(self.batch)),
        };
        if let Err(e) = fill(&mut tensor, tags.len()) {
            if tags.is_empty() {
                self.shared.lock().spare.push(tensor);
            } else {
                *filling = Some((tensor, tags));
            }
            return Err(e);
        }
        tags.push(tag);
        if tags.len() == self.batch {
            self.shared.dispatch((tensor, tags));
        } else {
            *filling = Some((tensor, tags));
        }
        Ok(())
    }

    /// A spare input tensor, waiting for some when all are filled.
    fn spare_tensor(&self) -> InputTensor {
        let mut state = self.shared.lock();
        loop {
            if let Some(tensor) = state.spare.pop() {
                return tensor;
            }
            // The completion thread frees them as it starts the queued batches.
            state = self
                .shared
                .spare_ready
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
        if let Some((tensor, tags)) = partial {
            if tags.is_empty() {
                self.shared.lock().spare.push(tensor);
            } else {
                self.shared.dispatch((tensor, tags));
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
