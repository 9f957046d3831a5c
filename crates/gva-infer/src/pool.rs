//! Asynchronous inference with `nireq` requests in flight, `batch` inputs per request, results
//! delivered in submission order.
//!
//! [`Pool::submit`] copies the input into the next batch slot of a free request's input tensor
//! and, once the batch is full (a partial batch at [`Pool::flush`]), starts the request — or
//! queues it while `nireq` requests run. When no request is free it waits until half of them
//! are free again, so the submitting thread wakes once per few frames, not per frame.
//!
//! The pool keeps one request object more than may run: while `nireq` requests run, the next
//! frame is filled in it, and it starts as soon as one of them is done — before that one's
//! outputs are copied out, and without swapping an input tensor into a request (which costs
//! OpenVINO more per inference). So a stream of OpenVINO's never waits for a thread of ours
//! to wake up and fill a frame, yet no more than `nireq` inferences run at once (one with
//! `nireq=1`).
//!
//! One completion thread waits for the requests in the order they were started — so results
//! come out in frame order whatever order OpenVINO finishes them in. As soon as a request is
//! done it starts the next queued one, then copies the outputs out, frees the request and hands
//! the result with its tags to the `deliver` callback. [`Pool::flush`] waits until everything
//! submitted has been delivered (EOS, flushes); dropping the pool does the same, so no frame is
//! lost.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::model::{CompiledModel, InputData, InputTensor, ModelError, Output, Request};

type Deliver<T> = dyn Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync;

/// What the completion thread is told.
#[allow(clippy::large_enum_variant)] // one per started request; Stop once
enum Message<T> {
    /// A request started (or whose start failed) with the tags of its batch.
    Started(Request, Vec<T>, Result<(), ModelError>),
    /// Everything is delivered and the pool is going away.
    Stop,
}

/// The requests, under one lock.
struct State<T> {
    /// Requests free to be filled.
    free: Vec<Request>,
    /// Filled requests waiting for a running one to finish, oldest first.
    queued: VecDeque<(Request, Vec<T>)>,
    /// Requests started and not yet done.
    running: usize,
    /// Batches submitted (queued or started) and not yet delivered.
    in_flight: usize,
}

/// What the submitting threads and the completion thread share.
struct Shared<T> {
    state: Mutex<State<T>>,
    /// The most requests running at once (`nireq`).
    max_running: usize,
    /// Signalled when [`Shared::wake_at`] requests are free.
    slots_ready: Condvar,
    /// Free requests that wake a submitter waiting for one: it then fills that many frames
    /// without sleeping in between (half the requests; fewer thread wake-ups per frame).
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

    /// Starts `request` and tells the completion thread. Called under the state lock, so
    /// requests reach the completion thread in the order they started.
    fn start(&self, state: &mut State<T>, mut request: Request, tags: Vec<T>) {
        state.running += 1;
        let started = request.start();
        // The completion thread lives as long as the pool: the send cannot fail while a
        // batch can be submitted.
        let _ = self.started.send(Message::Started(request, tags, started));
    }

    /// Starts a filled request, or queues it while `max_running` run.
    fn dispatch(&self, request: Request, tags: Vec<T>) {
        let mut state = self.lock();
        state.in_flight += 1;
        if state.running < self.max_running {
            self.start(&mut state, request, tags);
        } else {
            state.queued.push_back((request, tags));
        }
    }

    /// A request is done: the next queued one starts at once.
    fn done(&self) {
        let mut state = self.lock();
        state.running -= 1;
        if let Some((request, tags)) = state.queued.pop_front() {
            self.start(&mut state, request, tags);
        }
    }

    /// Puts back a request whose outputs are read, or that nothing was submitted in.
    fn give_back(&self, request: Request) {
        let mut state = self.lock();
        state.free.push(request);
        if state.free.len() == self.wake_at {
            self.slots_ready.notify_one();
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
    filling: Mutex<Option<(Request, Vec<T>)>>,
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
        // One request object more than may run: it is filled while they run, and starts as
        // soon as one is done (see the module's documentation).
        let requests = nireq + 1;
        let free = (0..requests)
            .map(|_| model.new_request())
            .collect::<Result<Vec<_>, _>>()?;
        let (started, messages) = mpsc::channel::<Message<T>>();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                free,
                queued: VecDeque::new(),
                running: 0,
                in_flight: 0,
            }),
            max_running: nireq,
            slots_ready: Condvar::new(),
            wake_at: (requests / 2).max(1),
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
                    let waited = started.and_then(|()| request.wait());
                    // The next request runs while this one's outputs are copied out and
                    // delivered.
                    done.done();
                    let result = waited.and_then(|()| request.outputs());
                    done.give_back(request);
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
        let (mut request, mut tags) = match filling.take() {
            Some(filled) => filled,
            None => (self.take_free(), Vec::with_capacity(self.batch)),
        };
        if let Err(e) = fill(request.input_mut(), tags.len()) {
            if tags.is_empty() {
                self.shared.give_back(request);
            } else {
                *filling = Some((request, tags));
            }
            return Err(e);
        }
        tags.push(tag);
        if tags.len() == self.batch {
            self.shared.dispatch(request, tags);
        } else {
            *filling = Some((request, tags));
        }
        Ok(())
    }

    /// A free request, waiting for one when there is none.
    fn take_free(&self) -> Request {
        let mut state = self.shared.lock();
        loop {
            if let Some(request) = state.free.pop() {
                return request;
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
        if let Some((request, tags)) = partial {
            if tags.is_empty() {
                self.shared.give_back(request);
            } else {
                self.shared.dispatch(request, tags);
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::OnceLock;

    use super::*;
    use crate::model::{FrameInput, parse_config};

    /// The most requests seen running at once, and whether a filled request was ever seen
    /// waiting while as many as may run were running.
    #[derive(Default)]
    struct Seen {
        most_running: usize,
        queued_while_full: bool,
    }

    impl Seen {
        fn look<T>(&mut self, shared: &Shared<T>) {
            let state = shared.lock();
            self.most_running = self.most_running.max(state.running);
            self.queued_while_full |=
                state.running == shared.max_running && !state.queued.is_empty();
        }
    }

    /// Runs 100 frames through a pool of `nireq` requests, watching it from both sides.
    fn run(nireq: usize) {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models/detector_ssd.xml");
        let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
        let input = FrameInput {
            width: 64,
            height: 64,
            channels: 3,
        };
        let mut model = CompiledModel::load(path, "CPU", &config, Some(input)).unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared: Arc<OnceLock<Arc<Shared<usize>>>> = Arc::default();
        let (seen_in_deliver, shared_in_deliver) = (seen.clone(), shared.clone());
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let sink = delivered.clone();
        let pool = Pool::new(&mut model, nireq, move |tag: usize, result| {
            result.expect("inference succeeds");
            if let Some(shared) = shared_in_deliver.get() {
                seen_in_deliver.lock().unwrap().look(shared);
            }
            sink.lock().unwrap().push(tag);
        })
        .unwrap();
        assert!(shared.set(pool.shared.clone()).is_ok());
        let frame = vec![0u8; 64 * 64 * 3];
        for i in 0..100 {
            pool.submit(InputData::U8(&frame), i).unwrap();
            seen.lock().unwrap().look(&pool.shared);
        }
        pool.flush();
        assert_eq!(*delivered.lock().unwrap(), (0..100).collect::<Vec<_>>());
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.most_running, nireq,
            "at most nireq={nireq} inferences run"
        );
        assert!(
            seen.queued_while_full,
            "the next frame is filled while nireq={nireq} inferences run"
        );
        assert_eq!(
            pool.shared.lock().free.len(),
            nireq + 1,
            "every request object is back"
        );
    }

    #[test]
    fn a_single_request_runs_one_inference_at_a_time_while_the_next_frame_waits_filled() {
        run(1);
    }

    #[test]
    fn several_requests_run_at_most_nireq_at_once_while_the_next_frame_waits_filled() {
        run(3);
    }
}
