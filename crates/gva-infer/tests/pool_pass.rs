//! Passed tags (`Pool::pass`): each is delivered in its place, after everything submitted
//! before it, without flushing the pool.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gva_infer::model::{CompiledModel, InputData, ModelError, Output, parse_config};
use gva_infer::pool::{Delivery, Pool};
use gva_infer::preprocess::{FrameFormat, Preprocess};

/// What the pool delivered, in order: a request's tags, or a passed tag.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Inferred(Vec<usize>),
    Passed(&'static str),
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Delivery<usize, &'static str> for Recorder {
    fn inferred(&self, tags: Vec<usize>, outputs: Result<Vec<Output>, ModelError>) {
        outputs.expect("inference succeeds");
        self.0.lock().unwrap().push(Event::Inferred(tags));
    }

    fn passed(&self, tag: &'static str) {
        self.0.lock().unwrap().push(Event::Passed(tag));
    }
}

impl Recorder {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until `count` events were delivered.
    fn wait_for(&self, count: usize) -> Vec<Event> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.events().len() < count && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.events()
    }
}

mod setup;

/// Whether OpenVINO and the generated models are there (else the test is skipped or fails,
/// see `setup`).
fn ready() -> bool {
    setup::have_openvino_and_models(gva_infer::runtime::load)
}

/// The classifier (32x32 BGR frames) for `batch` frames per request.
fn pool(nireq: usize, batch: usize) -> (Pool<usize, &'static str>, Recorder) {
    let path = setup::models().join("classifier.xml");
    let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
    let pre = Preprocess::new(FrameFormat::Bgr, 32, 32).with_batch(batch);
    let mut model = CompiledModel::load_with(path, "CPU", &config, pre).unwrap();
    let recorder = Recorder::default();
    let pool = Pool::with_delivery(&mut model, nireq, batch, recorder.clone()).unwrap();
    (pool, recorder)
}

const FRAME: [u8; 32 * 32 * 3] = [60; 32 * 32 * 3];

#[test]
fn passed_tags_keep_their_place_among_requests_in_flight() {
    if !ready() {
        return;
    }
    let (pool, recorder) = pool(3, 1);
    let mut expected = Vec::new();
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    for i in 0..40 {
        pool.submit(InputData::U8(&FRAME), i).unwrap();
        expected.push(Event::Inferred(vec![i]));
        // Runs of passes between inputs: none, one, two.
        for name in names.iter().cycle().skip(i).take(i % 3) {
            pool.pass(name);
            expected.push(Event::Passed(name));
        }
    }
    pool.flush();
    assert_eq!(recorder.events(), expected);
}

#[test]
fn a_pass_is_delivered_without_a_flush() {
    if !ready() {
        return;
    }
    let (pool, recorder) = pool(2, 1);
    // On an idle pool.
    pool.pass("idle");
    assert_eq!(recorder.wait_for(1), [Event::Passed("idle")]);
    // After an input in flight.
    pool.submit(InputData::U8(&FRAME), 7).unwrap();
    pool.pass("after");
    assert_eq!(
        recorder.wait_for(3),
        [
            Event::Passed("idle"),
            Event::Inferred(vec![7]),
            Event::Passed("after")
        ]
    );
}

#[test]
fn a_pass_rides_with_the_batch_being_filled() {
    if !ready() {
        return;
    }
    let (pool, recorder) = pool(1, 3);
    pool.submit(InputData::U8(&FRAME), 0).unwrap();
    pool.pass("x");
    pool.submit(InputData::U8(&FRAME), 1).unwrap();
    pool.pass("y");
    pool.submit(InputData::U8(&FRAME), 2).unwrap();
    pool.submit(InputData::U8(&FRAME), 3).unwrap();
    pool.pass("z");
    // The first batch is full and runs; "x" and "y" come after it, not before.
    assert_eq!(
        recorder.wait_for(3),
        [
            Event::Inferred(vec![0, 1, 2]),
            Event::Passed("x"),
            Event::Passed("y")
        ]
    );
    // "z" waits for the partial batch it rides with: a flush starts it.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(recorder.events().len(), 3, "z waits for input 3");
    pool.flush();
    assert_eq!(
        recorder.events()[3..],
        [Event::Inferred(vec![3]), Event::Passed("z")]
    );
}
