//! Asynchronous inference with `nireq` requests in flight, `batch` inputs per request, results
//! delivered in submission order.
//!
//! [`Pool::submit`] copies the input into the next batch slot of a free request's input tensor
//! and, once the batch is full (a partial batch at [`Pool::flush`]), starts the request — or
//! queues it while `nireq` requests run. When no request is free it waits until half of them
//! are free again, so the submitting thread wakes once per few frames, not per frame.
//!
//! The pool keeps one request object more than may run: while `nireq` requests run, the next
//! frame is filled in it. OpenVINO calls the pool back on one of its own threads as each
//! inference finishes, and that callback starts the queued request at once, as benchmark_app
//! restarts its requests: no thread of ours has to wake up between two inferences, and no input
//! tensor is swapped into a request (which costs OpenVINO more per inference). No more than
//! `nireq` inferences run at once (one with `nireq=1`).
//!
//! One completion thread takes the finished requests in the order they were started — so
//! results come out in frame order whatever order OpenVINO finishes them in — reads the
//! inference's outcome and copies the outputs out, frees the request and hands the result with
//! its tags to the [`Delivery`]. [`Pool::flush`] waits until everything submitted has been
//! delivered (EOS, flushes); dropping the pool does the same, so no frame is lost.
//!
//! [`Pool::pass`] gives a tag its place in that order without an inference (a frame that
//! leaves after its regions' results, a skipped frame): it rides with the request filled or
//! queued last, or gets an entry of its own when none waits, and is delivered after that
//! request's results — never by flushing the pool.

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::model::{
    CompiledModel, InputData, InputTensor, ModelError, Output, RawRequest, Request,
};

/// Where a pool's results go: called on the pool's completion thread, one call at a time, in
/// submission order. A closure `Fn(tags, outputs)` is a delivery whose passed tags arrive as a
/// batch of one with no outputs.
pub trait Delivery<T, P = T>: Send + Sync + 'static {
    /// The outputs of one request: the tags of its filled slots, in order (fewer than the
    /// batch after a flush), and the batch's outputs (or why the inference failed).
    fn inferred(&self, tags: Vec<T>, outputs: Result<Vec<Output>, ModelError>);

    /// A tag given to [`Pool::pass`]: after the outputs of every input submitted before it, and
    /// before the tags passed after it. (Inputs submitted after it that share a request with
    /// inputs before it are delivered with that request, before it.)
    fn passed(&self, tag: P);
}

impl<T, F> Delivery<T, T> for F
where
    F: Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
{
    fn inferred(&self, tags: Vec<T>, outputs: Result<Vec<Output>, ModelError>) {
        self(tags, outputs)
    }

    fn passed(&self, tag: T) {
        self(vec![tag], Ok(Vec::new()))
    }
}

/// A request being filled or waiting to start: the tags of its filled slots and the tags
/// passed after them.
struct Batch<T, P> {
    request: Request,
    tags: Vec<T>,
    passed: Vec<P>,
}

/// A started request with the tags of its batch (or, without a request, passed tags alone).
struct Started<T, P> {
    request: Option<Request>,
    tags: Vec<T>,
    passed: Vec<P>,
    /// Set once the request is done: `Ok` when OpenVINO called back (the inference's own
    /// outcome is then read from the request), the error when it could not start.
    done: Option<Result<(), ModelError>>,
}

impl<T, P> Started<T, P> {
    fn is(&self, raw: RawRequest) -> bool {
        self.request.as_ref().is_some_and(|r| r.raw() == raw)
    }
}

/// The requests, under one lock.
struct State<T, P> {
    /// Requests free to be filled.
    free: Vec<Request>,
    /// Filled requests waiting for a running one to finish, oldest first.
    queued: VecDeque<Batch<T, P>>,
    /// Started requests, in the order they started, until the completion thread takes them.
    started: VecDeque<Started<T, P>>,
    /// Requests started and not yet done.
    running: usize,
    /// Batches submitted (queued or started) and not yet delivered.
    in_flight: usize,
    /// Set when the pool goes away: the completion thread ends.
    closing: bool,
}

/// What the submitting threads, OpenVINO's callbacks and the completion thread share.
struct Shared<T, P> {
    state: Mutex<State<T, P>>,
    /// The most requests running at once (`nireq`).
    max_running: usize,
    /// Signalled when [`Shared::wake_at`] requests are free.
    slots_ready: Condvar,
    /// Free requests that wake a submitter waiting for one: it then fills that many frames
    /// without sleeping in between (half the requests; fewer thread wake-ups per frame).
    wake_at: usize,
    /// Signalled when the oldest started request is done, and when the pool closes.
    oldest_done: Condvar,
    /// Signalled when nothing is in flight any more.
    idle: Condvar,
    /// Set when a `deliver` callback panicked (the pool goes on).
    panicked: AtomicBool,
}

impl<T, P> Shared<T, P> {
    fn lock(&self) -> MutexGuard<'_, State<T, P>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `request` running and puts it in start order; the caller starts it with
    /// [`Shared::launch`] once the lock is released.
    fn begin(&self, state: &mut State<T, P>, batch: Batch<T, P>) -> RawRequest {
        state.running += 1;
        let raw = batch.request.raw();
        state.started.push_back(Started {
            request: Some(batch.request),
            tags: batch.tags,
            passed: batch.passed,
            done: None,
        });
        raw
    }

    /// Starts a begun request, outside the state lock (OpenVINO may call back on this very
    /// thread). One that fails to start is done with the error, and the next queued one
    /// starts instead.
    fn launch(&self, mut raw: RawRequest) {
        // SAFETY: `raw` is a request in `started`, which stays there, alive and used by
        // nothing else, until it is done: after this start.
        while let Err(source) = unsafe { raw.start() } {
            let (next, oldest_done) = self.finish(&mut self.lock(), raw, |request| {
                Err(request.start_error(source))
            });
            if oldest_done {
                self.oldest_done.notify_one();
            }
            match next {
                Some(next) => raw = next,
                None => return,
            }
        }
    }

    /// `raw` is done, with the outcome `result` gives for its request: the next queued
    /// request, if any, is begun (the caller launches it); gives whether the oldest started
    /// request is now done (the caller wakes the completion thread).
    fn finish(
        &self,
        state: &mut State<T, P>,
        raw: RawRequest,
        result: impl FnOnce(&Request) -> Result<(), ModelError>,
    ) -> (Option<RawRequest>, bool) {
        state.running = state.running.saturating_sub(1);
        if let Some(started) = state.started.iter_mut().find(|s| s.is(raw))
            && let Some(request) = &started.request
        {
            started.done = Some(result(request));
        }
        let oldest_done = state.started.front().is_some_and(|s| s.done.is_some());
        let next = state
            .queued
            .pop_front()
            .map(|batch| self.begin(state, batch));
        (next, oldest_done)
    }

    /// Starts a filled request, or queues it while `max_running` run.
    fn dispatch(&self, batch: Batch<T, P>) {
        let begun = {
            let mut state = self.lock();
            state.in_flight += 1;
            if state.running < self.max_running {
                Some(self.begin(&mut state, batch))
            } else {
                state.queued.push_back(batch);
                None
            }
        };
        if let Some(raw) = begun {
            self.launch(raw);
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

    /// Runs a delivery; one that panics is noted and the pool goes on.
    fn guarded(&self, deliver: impl FnOnce()) {
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(deliver)).is_err() {
            self.panicked.store(true, Ordering::Relaxed);
        }
    }

    /// The oldest started entry once it is done, or `None` when the pool closes.
    fn next_done(&self) -> Option<Started<T, P>> {
        let mut state = self.lock();
        loop {
            if state.started.front().is_some_and(|s| s.done.is_some()) {
                return state.started.pop_front();
            }
            if state.closing {
                return None;
            }
            state = self
                .oldest_done
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// What OpenVINO calls when an inference of `request` finishes (`ov` points back here).
struct Callback<T, P> {
    ov: openvino_sys::ov_callback_t,
    shared: Arc<Shared<T, P>>,
    request: RawRequest,
}

// SAFETY: `ov` only points at this callback itself; `request` is used under the pool's rules
// (see `Shared::launch`), from whichever thread OpenVINO calls back on.
unsafe impl<T: Send, P: Send> Send for Callback<T, P> {}
// SAFETY: as for Send; the callback only reads its fields.
unsafe impl<T: Send, P: Send> Sync for Callback<T, P> {}

/// OpenVINO's completion callback, on one of its threads: the next queued request starts at
/// once, then the completion thread is woken.
unsafe extern "C" fn inference_done<T, P>(args: *mut c_void) {
    // Nothing may unwind into OpenVINO's C++.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: `args` is the `Callback` the pool keeps until its requests are freed (and
        // freeing a request waits for its callback).
        let callback = unsafe { &*args.cast::<Callback<T, P>>() };
        let shared = &callback.shared;
        let (next, oldest_done) = shared.finish(&mut shared.lock(), callback.request, |_| Ok(()));
        if let Some(next) = next {
            shared.launch(next);
        }
        if oldest_done {
            shared.oldest_done.notify_one();
        }
    }));
}

/// A pool of inference requests of one compiled model, whose inputs are tagged `T` and whose
/// passed tags ([`Pool::pass`]) are `P`.
pub struct Pool<T: Send + 'static, P: Send + 'static = T> {
    shared: Arc<Shared<T, P>>,
    completion: Option<JoinHandle<()>>,
    /// OpenVINO's callbacks into the pool, one per request; they outlive the requests.
    callbacks: Box<[Callback<T, P>]>,
    nireq: usize,
    batch: usize,
    /// The batch being filled; the lock also makes submissions one at a time.
    filling: Mutex<Option<Batch<T, P>>>,
}

impl<T: Send + 'static> Pool<T> {
    /// A pool of `nireq` (at least 1) requests of `model`, delivering results to `deliver`.
    pub fn new(
        model: &mut CompiledModel,
        nireq: usize,
        deliver: impl Fn(T, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
    ) -> Result<Self, ModelError> {
        Self::batched(model, nireq, 1, move |mut tags: Vec<T>, result| {
            if let Some(tag) = tags.pop() {
                deliver(tag, result);
            }
        })
    }

    /// A pool of `nireq` (at least 1) requests of `model`, compiled for `batch` inputs per
    /// request (see [`crate::preprocess::Preprocess::with_batch`]): `deliver` gets the tags of
    /// a request's filled slots (in order; fewer than `batch` after a flush) and the batch's
    /// outputs (a passed tag: as a batch of one with no outputs).
    pub fn batched(
        model: &mut CompiledModel,
        nireq: usize,
        batch: usize,
        deliver: impl Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
    ) -> Result<Self, ModelError> {
        Self::with_delivery(model, nireq, batch, deliver)
    }
}

impl<T: Send + 'static, P: Send + 'static> Pool<T, P> {
    /// A pool of `nireq` (at least 1) requests of `model`, compiled for `batch` inputs per
    /// request (see [`crate::preprocess::Preprocess::with_batch`]), delivering to `delivery`.
    pub fn with_delivery(
        model: &mut CompiledModel,
        nireq: usize,
        batch: usize,
        deliver: impl Delivery<T, P>,
    ) -> Result<Self, ModelError> {
        let nireq = nireq.max(1);
        // One request object more than may run: it is filled while they run, and starts as
        // soon as one is done (see the module's documentation).
        let requests = nireq + 1;
        let free = (0..requests)
            .map(|_| model.new_request())
            .collect::<Result<Vec<_>, _>>()?;
        let raws: Vec<RawRequest> = free.iter().map(Request::raw).collect();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                free,
                queued: VecDeque::new(),
                started: VecDeque::new(),
                running: 0,
                in_flight: 0,
                closing: false,
            }),
            max_running: nireq,
            slots_ready: Condvar::new(),
            wake_at: (requests / 2).max(1),
            oldest_done: Condvar::new(),
            idle: Condvar::new(),
            panicked: AtomicBool::new(false),
        });
        let mut callbacks: Box<[Callback<T, P>]> = raws
            .into_iter()
            .map(|request| Callback {
                ov: openvino_sys::ov_callback_t {
                    callback_func: Some(inference_done::<T, P>),
                    args: std::ptr::null_mut(),
                },
                shared: shared.clone(),
                request,
            })
            .collect();
        for callback in callbacks.iter_mut() {
            callback.ov.args = std::ptr::from_mut(callback).cast();
            // SAFETY: the boxed slice keeps each callback at its address until the requests
            // are freed (see Drop).
            unsafe { callback.request.set_callback(&callback.ov) }.map_err(|source| {
                ModelError::Other(format!("setting a completion callback failed: {source}"))
            })?;
        }
        let done = shared.clone();
        let completion = std::thread::Builder::new()
            .name("gva-infer-completion".into())
            .spawn(move || {
                while let Some(entry) = done.next_done() {
                    if let Some(mut request) = entry.request {
                        // OpenVINO has called back: waiting only reads the inference's outcome.
                        let result = entry
                            .done
                            .unwrap_or(Ok(()))
                            .and_then(|()| request.wait())
                            .and_then(|()| request.outputs());
                        done.give_back(request);
                        done.guarded(|| deliver.inferred(entry.tags, result));
                    }
                    for tag in entry.passed {
                        done.guarded(|| deliver.passed(tag));
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
            callbacks,
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

    /// Gives `tag` its place in the delivery order without an inference: it is delivered
    /// ([`Delivery::passed`]) after everything submitted before it. It rides with the batch
    /// being filled, else with the request queued or started last, else alone.
    pub fn pass(&self, tag: P) {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(batch) = filling.as_mut() {
            batch.passed.push(tag);
            return;
        }
        let mut state = self.shared.lock();
        if let Some(batch) = state.queued.back_mut() {
            batch.passed.push(tag);
        } else if let Some(started) = state.started.back_mut() {
            started.passed.push(tag);
        } else {
            // Nothing waits: the completion thread delivers it next (after the entry it may
            // be delivering now).
            state.in_flight += 1;
            state.started.push_back(Started {
                request: None,
                tags: Vec::new(),
                passed: vec![tag],
                done: Some(Ok(())),
            });
            drop(state);
            self.shared.oldest_done.notify_one();
        }
    }

    /// Fills the next batch slot with `fill` (given the tensor and the slot's index) and
    /// dispatches the batch once it is full. On an error the slot stays free.
    fn fill_slot(
        &self,
        tag: T,
        fill: impl FnOnce(&mut InputTensor, usize) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        let mut batch = match filling.take() {
            Some(batch) => batch,
            None => Batch {
                request: self.take_free(),
                tags: Vec::with_capacity(self.batch),
                passed: Vec::new(),
            },
        };
        if let Err(e) = fill(batch.request.input_mut(), batch.tags.len()) {
            if batch.tags.is_empty() {
                self.shared.give_back(batch.request);
            } else {
                *filling = Some(batch);
            }
            return Err(e);
        }
        batch.tags.push(tag);
        if batch.tags.len() == self.batch {
            self.shared.dispatch(batch);
        } else {
            *filling = Some(batch);
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
        if let Some(batch) = partial {
            if batch.tags.is_empty() {
                self.shared.give_back(batch.request);
            } else {
                self.shared.dispatch(batch);
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

impl<T: Send + 'static, P: Send + 'static> Drop for Pool<T, P> {
    fn drop(&mut self) {
        self.flush();
        // Every request is back (flush waited for each to be delivered). They go first:
        // freeing a request waits for OpenVINO to finish calling back on it, so no callback
        // runs once `callbacks` goes.
        let requests = std::mem::take(&mut self.shared.lock().free);
        drop(requests);
        self.shared.lock().closing = true;
        self.shared.oldest_done.notify_all();
        if let Some(thread) = self.completion.take() {
            let _ = thread.join();
        }
        self.callbacks = Box::default();
    }
}

/// The integration tests' set-up check: the tests below skip (or, under `cargo xtask test`,
/// fail) when OpenVINO or the generated models are missing.
#[cfg(test)]
#[path = "../tests/setup/mod.rs"]
mod test_setup;

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use super::test_setup as setup;
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
        fn look<T, P>(&mut self, shared: &Shared<T, P>) {
            let state = shared.lock();
            self.most_running = self.most_running.max(state.running);
            self.queued_while_full |=
                state.running == shared.max_running && !state.queued.is_empty();
        }
    }

    /// The tags delivered so far, in order.
    type Delivered = Arc<Mutex<Vec<usize>>>;

    /// A pool of `nireq` requests of the generated SSD-style detector (64x64 BGR frames) whose
    /// deliveries call `watch(tag, the pool's state)` before they are recorded.
    fn watched_pool(
        nireq: usize,
        watch: impl Fn(usize, &Shared<usize, usize>) + Send + Sync + 'static,
    ) -> (Pool<usize>, Delivered) {
        let path = setup::models().join("detector_ssd.xml");
        let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
        let input = FrameInput {
            width: 64,
            height: 64,
            channels: 3,
        };
        let mut model = CompiledModel::load(path, "CPU", &config, Some(input)).unwrap();
        let shared: Arc<OnceLock<Arc<Shared<usize, usize>>>> = Arc::default();
        let shared_in_deliver = shared.clone();
        let delivered = Delivered::default();
        let sink = delivered.clone();
        let pool = Pool::new(&mut model, nireq, move |tag: usize, result| {
            result.expect("inference succeeds");
            watch(
                tag,
                shared_in_deliver.get().expect("set before the first frame"),
            );
            sink.lock().unwrap().push(tag);
        })
        .unwrap();
        assert!(shared.set(pool.shared.clone()).is_ok());
        (pool, delivered)
    }

    /// Runs 100 frames through a pool of `nireq` requests, watching it from both sides.
    fn run(nireq: usize) {
        if !setup::have_openvino_and_models(crate::runtime::load) {
            return;
        }
        let seen = Arc::new(Mutex::new(Seen::default()));
        let seen_in_deliver = seen.clone();
        let (pool, delivered) = watched_pool(nireq, move |_, shared| {
            seen_in_deliver.lock().unwrap().look(shared);
        });
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
    fn openvino_callbacks_start_queued_requests_while_the_completion_thread_is_busy() {
        if !setup::have_openvino_and_models(crate::runtime::load) {
            return;
        }
        // nireq=1: while frame 0 is being delivered, frames 1 and 2 both run to the end. The
        // completion thread is held in that delivery, so it is OpenVINO's callback that
        // starts each queued request.
        let ran_meanwhile = Arc::new(Mutex::new(None));
        let ran = ran_meanwhile.clone();
        let (pool, delivered) = watched_pool(1, move |tag, shared| {
            if tag != 0 {
                return;
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            let both_done = loop {
                let done = shared
                    .lock()
                    .started
                    .iter()
                    .filter(|s| s.done.is_some())
                    .count();
                if done == 2 || Instant::now() > deadline {
                    break done == 2;
                }
                std::thread::sleep(Duration::from_millis(1));
            };
            *ran.lock().unwrap() = Some(both_done);
        });
        let frame = vec![0u8; 64 * 64 * 3];
        for i in 0..3 {
            pool.submit(InputData::U8(&frame), i).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let ran = loop {
            if let Some(ran) = *ran_meanwhile.lock().unwrap() {
                break ran;
            }
            assert!(Instant::now() < deadline, "frame 0 was never delivered");
            std::thread::sleep(Duration::from_millis(1));
        };
        if !ran {
            // Frame 2 would never start: dropping the pool would wait for it forever.
            std::mem::forget(pool);
            panic!("frames 1 and 2 did not run while frame 0 was being delivered");
        }
        pool.flush();
        assert_eq!(*delivered.lock().unwrap(), vec![0, 1, 2]);
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
