//! The request pool: results in submission order, none lost, bad input refused without harm.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use gva_infer::model::{CompiledModel, FrameInput, InputData, parse_config};
use gva_infer::pool::Pool;

fn model() -> CompiledModel {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models/detector_ssd.xml");
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

/// A delivered frame: its tag and the box of its best detection.
type Delivered = (usize, [f32; 4]);

fn cell(i: usize) -> (usize, usize) {
    (i % 8, (i * 3) % 8)
}

#[test]
fn results_arrive_in_submission_order_with_four_requests_in_flight() {
    let mut model = model();
    let seen: Arc<Mutex<Vec<Delivered>>> = Arc::default();
    let sink = seen.clone();
    let pool = Pool::new(&mut model, 4, move |tag: usize, result| {
        let out = result.expect("inference succeeds");
        let row0 = &out[0].data[..7];
        sink.lock()
            .unwrap()
            .push((tag, [row0[3], row0[4], row0[5], row0[6]]));
    })
    .unwrap();
    assert_eq!(pool.nireq(), 4);
    for i in 0..200 {
        let (r, c) = cell(i);
        pool.submit(InputData::U8(&frame(r, c)), i).unwrap();
    }
    pool.flush();
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
        assert_eq!(*bbox, expected, "frame {n}");
    }
}

#[test]
fn bad_input_is_refused_and_the_pool_keeps_working() {
    let mut model = model();
    let count = Arc::new(Mutex::new(0usize));
    let sink = count.clone();
    let pool = Pool::new(&mut model, 1, move |_tag: u32, result| {
        assert!(result.is_ok());
        *sink.lock().unwrap() += 1;
    })
    .unwrap();
    let err = pool.submit(InputData::U8(&[0u8; 10]), 0).err().unwrap();
    assert!(err.to_string().contains("10 values"), "{err}");
    // The single request went back to the free list: these don't block.
    for i in 1..=5 {
        pool.submit(InputData::U8(&frame(0, 0)), i).unwrap();
    }
    drop(pool); // drains
    assert_eq!(*count.lock().unwrap(), 5);
}

#[test]
fn a_panicking_callback_neither_stops_the_pool_nor_hangs_flush() {
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
