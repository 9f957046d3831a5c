//! The request pool: results in submission order, none lost, bad input refused without harm.

use std::sync::{Arc, Mutex};

use gva_infer::model::{CompiledModel, FrameInput, InputData, parse_config};
use gva_infer::pool::Pool;
use gva_infer::preprocess::{FrameFormat, Preprocess};

mod setup;

/// Whether OpenVINO and the generated models are there (else the test is skipped or fails,
/// see `setup`).
fn ready() -> bool {
    setup::have_openvino_and_models(gva_infer::runtime::load)
}

fn model() -> CompiledModel {
    let path = setup::models().join("detector_ssd.xml");
    let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
    let input = FrameInput {
        width: 64,
        height: 64,
        channels: 3,
    };
    CompiledModel::load(path, "CPU", &config, Some(input)).unwrap()
}

/// A black 64x64 BGR frame with a red 8x8 block on grid cell (row, col).
fn frame(row: usize, col: usize) -> Vec<u8> {
    let mut bgr = vec![0u8; 64 * 64 * 3];
    for y in row * 8..(row + 1) * 8 {
        for x in col * 8..(col + 1) * 8 {
            bgr[(y * 64 + x) * 3 + 2] = 255;
        }
    }
    bgr
}

/// A delivered frame: its tag and the box of its best detection (or the inference error).
type Delivered = (usize, Result<[f32; 4], String>);

fn cell(i: usize) -> (usize, usize) {
    (i % 8, (i * 3) % 8)
}

#[test]
fn results_arrive_in_submission_order_with_four_requests_in_flight() {
    if !ready() {
        return;
    }
    let mut model = model();
    let seen: Arc<Mutex<Vec<Delivered>>> = Arc::default();
    let sink = seen.clone();
    // The callback only records: the pool catches a callback's panics, so an assertion in it
    // could fail without failing the test.
    let pool = Pool::new(&mut model, 4, move |tag: usize, result| {
        let bbox = result
            .map(|out| {
                let row0 = &out[0].data[..7];
                [row0[3], row0[4], row0[5], row0[6]]
            })
            .map_err(|e| e.to_string());
        sink.lock().unwrap().push((tag, bbox));
    })
    .unwrap();
    assert_eq!(pool.nireq(), 4);
    for i in 0..200 {
        let (r, c) = cell(i);
        pool.submit(InputData::U8(&frame(r, c)), i).unwrap();
    }
    pool.flush();
    assert!(!pool.callback_panicked());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 200);
    for (n, (tag, bbox)) in seen.iter().enumerate() {
        assert_eq!(*tag, n, "delivered in submission order");
        let (r, c) = cell(n);
        let expected = [
            c as f32 / 8.0,
            r as f32 / 8.0,
            (c + 1) as f32 / 8.0,
            (r + 1) as f32 / 8.0,
        ];
        assert_eq!(*bbox, Ok(expected), "frame {n}");
    }
}

#[test]
fn bad_input_is_refused_and_the_pool_keeps_working() {
    if !ready() {
        return;
    }
    let mut model = model();
    let delivered: Outcomes<u32> = Arc::default();
    let sink = delivered.clone();
    let pool = Pool::new(&mut model, 1, move |tag: u32, result| {
        let outcome = result.map(|_| ()).map_err(|e| e.to_string());
        sink.lock().unwrap().push((tag, outcome));
    })
    .unwrap();
    let err = pool.submit(InputData::U8(&[0u8; 10]), 0).err().unwrap();
    assert!(err.to_string().contains("10 values"), "{err}");
    // The single request went back to the free list: these don't block.
    for i in 1..=3 {
        pool.submit(InputData::U8(&frame(0, 0)), i).unwrap();
    }
    pool.flush();
    assert!(!pool.callback_panicked());
    for i in 4..=5 {
        pool.submit(InputData::U8(&frame(0, 0)), i).unwrap();
    }
    drop(pool); // drains
    let expected: Vec<(u32, Result<(), String>)> = (1..=5).map(|i| (i, Ok(()))).collect();
    assert_eq!(*delivered.lock().unwrap(), expected);
}

#[test]
fn a_panicking_callback_neither_stops_the_pool_nor_hangs_flush() {
    if !ready() {
        return;
    }
    let mut model = model();
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let sink = delivered.clone();
    let pool = Pool::new(&mut model, 2, move |tag: u32, _result| {
        if tag == 1 {
            panic!("callback bug on frame 1");
        }
        sink.lock().unwrap().push(tag);
    })
    .unwrap();
    for tag in 0..4 {
        pool.submit(InputData::U8(&frame(1, 1)), tag).unwrap();
    }
    pool.flush();
    assert!(pool.callback_panicked());
    assert_eq!(*delivered.lock().unwrap(), [0, 2, 3]);
}

/// What a test's callback records: a tag (or batch of tags) and whether its inference succeeded.
type Outcomes<T> = Arc<Mutex<Vec<(T, Result<(), String>)>>>;

/// A delivered batch: its tags, the output's shape and the dominant class of each filled slot.
type Batch = (Vec<usize>, Result<(Vec<i64>, Vec<usize>), String>);

/// The classifier compiled for batches of `batch` 32x32 BGR frames.
fn classifier(batch: usize) -> CompiledModel {
    let path = setup::models().join("classifier.xml");
    let config = parse_config("INFERENCE_PRECISION_HINT=f32").unwrap();
    let pre = Preprocess::new(FrameFormat::Bgr, 32, 32).with_batch(batch);
    CompiledModel::load_with(path, "CPU", &config, pre).unwrap()
}

/// A solid 32x32 BGR frame whose dominant channel is `i % 3` (0 = blue).
fn solid(i: usize) -> Vec<u8> {
    let mut bgr = [10u8, 10, 10];
    bgr[i % 3] = 200;
    bgr.repeat(32 * 32)
}

#[test]
fn batches_fill_slot_by_slot_and_a_flush_starts_a_partial_batch() {
    if !ready() {
        return;
    }
    let mut model = classifier(3);
    assert_eq!(model.inputs()[0].shape[0], 3, "input reshaped to the batch");
    let seen: Arc<Mutex<Vec<Batch>>> = Arc::default();
    let sink = seen.clone();
    let pool = Pool::batched(&mut model, 2, 3, move |tags: Vec<usize>, result| {
        let outcome = result
            .map(|out| {
                // The dominant class of each filled slot.
                let classes = out[0]
                    .data
                    .chunks(3)
                    .take(tags.len())
                    .map(|p| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(9))
                    .collect();
                (out[0].port.shape.clone(), classes)
            })
            .map_err(|e| e.to_string());
        sink.lock().unwrap().push((tags, outcome));
    })
    .unwrap();
    assert_eq!(pool.batch(), 3);
    for i in 0..7 {
        pool.submit(InputData::U8(&solid(i)), i).unwrap();
    }
    pool.flush();
    assert!(!pool.callback_panicked());
    let seen = seen.lock().unwrap();
    // The output keeps the batch's shape [3, 3] even for the partial batch.
    assert_eq!(
        *seen,
        [
            (vec![0, 1, 2], Ok((vec![3, 3], vec![0, 1, 2]))),
            (vec![3, 4, 5], Ok((vec![3, 3], vec![0, 1, 2]))),
            (vec![6], Ok((vec![3, 3], vec![0]))),
        ]
    );
}

#[test]
fn a_batched_input_of_the_wrong_size_is_refused_and_the_batch_goes_on() {
    if !ready() {
        return;
    }
    let mut model = classifier(2);
    let seen: Outcomes<Vec<usize>> = Arc::default();
    let sink = seen.clone();
    let pool = Pool::batched(&mut model, 1, 2, move |tags: Vec<usize>, result| {
        let outcome = result.map(|_| ()).map_err(|e| e.to_string());
        sink.lock().unwrap().push((tags, outcome));
    })
    .unwrap();
    pool.submit(InputData::U8(&solid(0)), 0).unwrap();
    let err = pool.submit(InputData::U8(&[0u8; 10]), 1).unwrap_err();
    assert!(err.to_string().contains("10 bytes"), "{err}");
    assert!(pool.submit(InputData::F32(&[0.0; 3072]), 1).is_err());
    pool.submit(InputData::U8(&solid(1)), 2).unwrap();
    pool.flush();
    assert!(!pool.callback_panicked());
    assert_eq!(*seen.lock().unwrap(), [(vec![0, 2], Ok(()))]);
}
