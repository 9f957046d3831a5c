//! Asynchronous inference with `nireq` requests in flight, results delivered in submission
//! order.
//!
//! [`Pool::submit`] takes a free request (waiting for one when all `nireq` are busy), copies the
//! input into it and starts it. One completion thread waits for the requests in the order they
//! were started — so results come out in frame order whatever order OpenVINO finishes them in —
//! hands each result with its tag to the `deliver` callback, and returns the request to the free
//! list. [`Pool::flush`] waits until everything submitted has been delivered (EOS, flushes);
//! dropping the pool does the same, so no frame is lost.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::model::{CompiledModel, InputData, ModelError, Output, Request};

type Deliver<T> = dyn Fn(T, Result<Vec<Output>, ModelError>) + Send + Sync;

/// A started request on its way to the completion thread: the request, its tag, and whether
/// starting it succeeded.
type Started<T> = (Request, T, Result<(), ModelError>);

/// Requests in flight: how many were submitted and not yet delivered.
#[derive(Default)]
struct InFlight {
    count: Mutex<usize>,
    idle: Condvar,
    /// Set when a `deliver` callback panicked (the pool goes on).
    panicked: std::sync::atomic::AtomicBool,
}

/// A pool of inference requests of one compiled model.
pub struct Pool<T: Send + 'static> {
    free: Mutex<Receiver<Request>>,
    free_tx: Mutex<Sender<Request>>,
    started: Mutex<Option<Sender<Started<T>>>>,
    in_flight: Arc<InFlight>,
    completion: Option<JoinHandle<()>>,
    nireq: usize,
}

impl<T: Send + 'static> Pool<T> {
    /// A pool of `nireq` (at least 1) requests of `model`, delivering results to `deliver`.
    pub fn new(
        model: &mut CompiledModel,
        nireq: usize,
        deliver: impl Fn(T, Result<Vec<Output>, ModelError>) + Send + Sync + 'static,
    ) -> Result<Self, ModelError> {
        let nireq = nireq.max(1);
        let (free_tx, free_rx) = mpsc::channel();
        for _ in 0..nireq {
            free_tx
                .send(model.new_request()?)
                .expect("the receiver is alive: it is a local");
        }
        let (started_tx, started_rx) = mpsc::channel::<Started<T>>();
        let in_flight = Arc::new(InFlight::default());
        let deliver: Arc<Deliver<T>> = Arc::new(deliver);
        let flight = in_flight.clone();
        let returns = free_tx.clone();
        let completion = std::thread::Builder::new()
            .name("gva-infer-completion".into())
            .spawn(move || {
                for (mut request, tag, started) in started_rx {
                    let result = started
                        .and_then(|()| request.wait())
                        .and_then(|()| request.outputs());
                    // A panicking callback must not stop the pool (nor lose the request).
                    let delivered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        deliver(tag, result)
                    }));
                    if delivered.is_err() {
                        flight
                            .panicked
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    // The pool may be gone already; then the request is simply dropped.
                    let _ = returns.send(request);
                    let mut count = flight.count.lock().unwrap_or_else(|p| p.into_inner());
                    *count = count.saturating_sub(1);
                    if *count == 0 {
                        flight.idle.notify_all();
                    }
                }
            })
            .map_err(|e| {
                ModelError::Config(format!("could not start the completion thread: {e}"))
            })?;
        Ok(Self {
            free: Mutex::new(free_rx),
            free_tx: Mutex::new(free_tx),
            started: Mutex::new(Some(started_tx)),
            in_flight,
            completion: Some(completion),
            nireq,
        })
    }

    /// Number of requests.
    pub fn nireq(&self) -> usize {
        self.nireq
    }

    /// Starts inference on `input`; its result reaches `deliver` with `tag`, in submission
    /// order. A bad input is an error here and nothing is submitted.
    pub fn submit(&self, input: InputData<'_>, tag: T) -> Result<(), ModelError> {
        self.submit_filled(tag, |request| request.fill(input))
    }

    /// Like [`Pool::submit`] for u8 inputs, but `fill` writes the input straight into the
    /// request's tensor (no intermediate buffer).
    pub fn submit_with(
        &self,
        tag: T,
        fill: impl FnOnce(&mut [u8]) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        self.submit_filled(tag, |request| request.fill_u8_with(fill))
    }

    fn submit_filled(
        &self,
        tag: T,
        fill: impl FnOnce(&mut Request) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let mut request = {
            let free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            free.recv()
                .map_err(|_| ModelError::Config("the inference pool has stopped".into()))?
        };
        if let Err(e) = fill(&mut request) {
            // Never started: straight back to the free list.
            let _ = self
                .free_tx
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send(request);
            return Err(e);
        }
        let started = request.start();
        {
            let mut count = self
                .in_flight
                .count
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            *count += 1;
        }
        let sender = self.started.lock().unwrap_or_else(|p| p.into_inner());
        match sender.as_ref() {
            Some(tx) => tx
                .send((request, tag, started))
                .map_err(|_| ModelError::Config("the inference pool has stopped".into())),
            None => Err(ModelError::Config("the inference pool has stopped".into())),
        }
    }

    /// Whether a `deliver` callback has panicked (its panic was caught; the pool went on).
    pub fn callback_panicked(&self) -> bool {
        self.in_flight
            .panicked
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until every submitted input has been delivered.
    pub fn flush(&self) {
        let mut count = self
            .in_flight
            .count
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        while *count > 0 {
            count = self
                .in_flight
                .idle
                .wait(count)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl<T: Send + 'static> Drop for Pool<T> {
    fn drop(&mut self) {
        self.flush();
        if let Ok(mut sender) = self.started.lock() {
            sender.take();
        }
        if let Some(thread) = self.completion.take() {
            let _ = thread.join();
        }
    }
}
