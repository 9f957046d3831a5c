//! Every OpenVINO handle gva-infer takes is freed: glibc's in-use heap stays flat over many
//! model reads, property reads and inferences.
//!
//! openvino 0.11.1 leaks what some of its calls hand out (a port from every
//! `get_input_by_index` / `get_output_by_index`, about 72 bytes; the name string of a port; the
//! string of a property), and region inference once took a port per region: ~470 MB an hour
//! per stream. Each test runs an operation many times after a warm-up and bounds the growth of
//! `mallinfo2()`'s in-use bytes (every arena, mmapped blocks included) per operation far below
//! the smallest of those leaks. The tests take turns: they measure one process-wide heap.

use std::sync::Mutex;

use gva_infer::model::{CompiledModel, FrameInput, InputData, ModelInfo, parse_config};
use gva_infer::pool::Pool;

/// One test at a time: each measures the heap of the whole process.
static HEAP: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    HEAP.lock().unwrap_or_else(|p| p.into_inner())
}

/// Bytes a leak of one port per operation would add, at the least (an
/// `ov_output_const_port_t` holds a `shared_ptr` and an `ov::Output`).
const PORT_LEAK: usize = 72;

mod setup;

/// Whether OpenVINO and the generated models are there (else the test is skipped or fails,
/// see `setup`). Asked after `turn()`, from a thread of its own: OpenVINO loaded by the test's
/// own thread just before its measurement shifts it (the model-read test then counts a one-off
/// allocation of about 4 KB).
fn ready() -> bool {
    let test = std::thread::current().name().unwrap_or("test").to_owned();
    let asking = std::thread::Builder::new()
        .name(test)
        .spawn(|| setup::have_openvino_and_models(gva_infer::runtime::load))
        .expect("a thread to ask from");
    asking
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
use setup::models;

/// glibc's bytes in use: small blocks in every arena plus mmapped ones.
fn in_use() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

/// Runs `op` `warmup` times, then `count` more times in three windows, and gives the heap's
/// growth per operation in the window that grew least (negative growth counts as none). A leak
/// grows every window alike; a one-off allocation (a cache filled, a thread's first buffer —
/// a few KB once, which over a few hundred operations would read as several bytes each) lands
/// in one window only.
fn growth_per_op(warmup: usize, count: usize, mut op: impl FnMut(usize)) -> f64 {
    for i in 0..warmup {
        op(i);
    }
    let window = (count / 3).max(1);
    (0..3)
        .map(|w| {
            let before = in_use();
            for i in 0..window {
                op(warmup + w * window + i);
            }
            in_use().saturating_sub(before) as f64 / window as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Asserts that `per_op` bytes per operation is far below one leaked port (an eighth of it).
fn assert_flat(what: &str, per_op: f64) {
    assert!(
        per_op < PORT_LEAK as f64 / 8.0,
        "{what}: the heap grew by {per_op:.1} bytes per operation (a leaked port is {PORT_LEAK})"
    );
}

fn classifier(frame: Option<FrameInput>) -> CompiledModel {
    let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
    CompiledModel::load(models().join("classifier.xml"), "CPU", &config, frame).unwrap()
}

#[test]
fn synchronous_inferences_free_every_handle() {
    let _turn = turn();
    if !ready() {
        return;
    }
    // What region inference did per region: an inference on the compiled model.
    let mut model = classifier(Some(FrameInput::bgr(32, 32)));
    let frame = vec![90u8; 32 * 32 * 3];
    let per_op = growth_per_op(500, 10_000, |_| {
        let out = model.infer(InputData::U8(&frame)).unwrap();
        assert_eq!(out.len(), 1);
    });
    assert_flat("CompiledModel::infer", per_op);
}

#[test]
fn pooled_inferences_free_every_handle() {
    let _turn = turn();
    if !ready() {
        return;
    }
    let mut model = classifier(Some(FrameInput::bgr(32, 32)));
    let pool = Pool::new(&mut model, 2, |_tag: usize, result| {
        result.expect("inference succeeds");
    })
    .unwrap();
    let frame = vec![90u8; 32 * 32 * 3];
    let per_op = growth_per_op(500, 20_000, |i| {
        pool.submit(InputData::U8(&frame), i).unwrap();
        if i % 100 == 99 {
            pool.flush();
        }
    });
    assert_flat("Pool::submit", per_op);
}

#[test]
fn model_reads_free_every_handle() {
    let _turn = turn();
    if !ready() {
        return;
    }
    let path = models().join("multi_output.xml");
    let per_op = growth_per_op(100, 600, |_| {
        let info = ModelInfo::read(&path, "CPU").unwrap();
        assert_eq!(info.outputs.len(), 2);
    });
    assert_flat("ModelInfo::read", per_op);
}

#[test]
fn property_reads_free_every_string() {
    let _turn = turn();
    if !ready() {
        return;
    }
    let model = classifier(None);
    let per_op = growth_per_op(100, 20_000, |_| {
        assert!(model.optimal_requests().unwrap() >= 1);
    });
    assert_flat("CompiledModel::optimal_requests", per_op);
}
