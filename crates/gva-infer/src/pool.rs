//! Asynchronous inference with `nireq` requests in flight, `batch` inputs per request, results
//! delivered in submission order.
//!
//! [`Pool::submit`] takes a free request (waiting for one when all `nireq` are busy), copies the
//! input into its next batch slot and starts it once the batch is full (a partial batch starts
//! at [`Pool::flush`]). One completion thread waits for the requests in the order they
//! were started — so results come out in frame order whatever order OpenVINO finishes them in —
//! hands each result with its tag to the `deliver` callback, and returns the request to the free
//! list. [`Pool::flush`] waits until everything submitted has been delivered (EOS, flushes);
//! dropping the pool does the same, so no frame is lost.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use crate::model::{CompiledModel, InputData, ModelError, Output, Request};

type Deliver<T> = dyn Fn(Vec<T>, Result<Vec<Output>, ModelError>) + Send + Sync;

/// A started request on its way to the completion thread: the request, the tags of its batch
/// slots, and whether starting it succeeded.
type Started<T> = (Request, Vec<T>, Result<(), ModelError>);

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
    batch: usize,
    /// The request whose batch is being filled, with the tags of its filled slots.
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
                for (mut request, tags, started) in started_rx {
                    let result = started
                        .and_then(|()| request.wait())
                        .and_then(|()| request.outputs());
                    // The outputs are copied out: the request can take the next input while
                    // this one is delivered. (The pool may be gone already; then the request
                    // is simply dropped.)
                    let _ = returns.send(request);
                    // A panicking callback must not stop the pool.
                    let delivered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        deliver(tags, result)
                    }));
                    if delivered.is_err() {
                        flight
                            .panicked
                            .store(true, std::sync::atomic::Ordering::Relaxed);
                    }
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
            input => {
                let mut request = self.take_free()?;
                if let Err(e) = request.fill(input) {
                    self.give_back(request);
                    return Err(e);
                }
                self.start(request, vec![tag])
            }
        }
    }

    /// Like [`Pool::submit`] for u8 inputs, but `fill` writes the input straight into its slot
    /// of the request's tensor (no intermediate buffer).
    pub fn submit_with(
        &self,
        tag: T,
        fill: impl FnOnce(&mut [u8]) -> Result<(), ModelError>,
    ) -> Result<(), ModelError> {
        let mut filling = self.filling.lock().unwrap_or_else(|p| p.into_inner());
        let (request, tags) = match filling.as_mut() {
            Some(slot) => slot,
            None => filling.insert((self.take_free()?, Vec::with_capacity(self.batch))),
        };
        let (index, batch) = (tags.len(), self.batch);
        let filled = request.fill_u8_with(|all| {
            let size = all.len() / batch;
            fill(&mut all[index * size..(index + 1) * size])
        });
        if let Err(e) = filled {
            if tags.is_empty()
                && let Some((request, _)) = filling.take()
            {
                self.give_back(request);
            }
            return Err(e);
        }
        tags.push(tag);
        if tags.len() == batch
            && let Some((request, tags)) = filling.take()
        {
            drop(filling);
            return self.start(request, tags);
        }
        Ok(())
    }

    /// A free request, waiting for one when all are busy.
    fn take_free(&self) -> Result<Request, ModelError> {
        let free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        free.recv()
            .map_err(|_| ModelError::Config("the inference pool has stopped".into()))
    }

    /// Returns a request that was never started to the free list.
    fn give_back(&self, request: Request) {
        let _ = self
            .free_tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(request);
    }

    /// Starts `request` and hands it with its `tags` to the completion thread.
    fn start(&self, mut request: Request, tags: Vec<T>) -> Result<(), ModelError> {
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
                .send((request, tags, started))
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
                self.give_back(request);
            } else if self.start(request, tags).is_err() {
                // The completion thread is gone: nothing is in flight to wait for.
                return;
            }
        }
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
