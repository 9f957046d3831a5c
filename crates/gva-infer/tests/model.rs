//! Loading and running the generated test models (`cargo xtask models`) on real OpenVINO.

use gva_infer::model::{
    CompiledModel, FrameInput, InputData, ModelError, ModelInfo, element_config, parse_config,
};

mod setup;
use setup::models;

/// Whether OpenVINO and the generated models are there (else the test is skipped or fails,
/// see `setup`).
fn ready() -> bool {
    setup::have_openvino_and_models(gva_infer::runtime::load)
}

/// Exact f32 results on this CPU (it defaults to bf16 where it has AMX).
fn exact() -> Vec<(String, String)> {
    parse_config("INFERENCE_PRECISION_HINT=f32").unwrap()
}

/// A `size`x`size` BGR frame, black, with a pure red block on grid cell (row, col) of an 8x8
/// grid, as planar NCHW f32 (the model's own input) or interleaved u8.
fn red_block(size: usize, row: usize, col: usize) -> Vec<u8> {
    let cell = size / 8;
    let mut bgr = vec![0u8; size * size * 3];
    for y in row * cell..(row + 1) * cell {
        for x in col * cell..(col + 1) * cell {
            bgr[(y * size + x) * 3 + 2] = 255;
        }
    }
    bgr
}

fn planar(bgr: &[u8], size: usize) -> Vec<f32> {
    let mut out = vec![0f32; bgr.len()];
    for c in 0..3 {
        for i in 0..size * size {
            out[c * size * size + i] = f32::from(bgr[i * 3 + c]);
        }
    }
    out
}

#[test]
fn ssd_detector_finds_the_red_block() {
    if !ready() {
        return;
    }
    let mut model =
        CompiledModel::load(models().join("detector_ssd.xml"), "CPU", &exact(), None).unwrap();
    assert_eq!(model.inputs()[0].shape, [1, 3, 64, 64]);
    assert_eq!(model.outputs()[0].shape, [1, 1, 64, 7]);
    assert_eq!(model.name(), "detector_ssd", "the IR's <net name>");
    let frame = planar(&red_block(64, 3, 5), 64);
    let out = model.infer(InputData::F32(&frame)).unwrap();
    assert_eq!(out[0].data[..7], [0.0, 2.0, 1.0, 0.625, 0.375, 0.75, 0.5]);
    assert_eq!(out[0].data[7], -1.0, "only one cell is lit");
}

#[test]
fn frames_of_another_size_are_resized_inside_the_model() {
    if !ready() {
        return;
    }
    let input = FrameInput {
        width: 128,
        height: 128,
        channels: 3,
    };
    let mut model = CompiledModel::load(
        models().join("detector_ssd.xml"),
        "CPU",
        &exact(),
        Some(input),
    )
    .unwrap();
    assert_eq!(model.inputs()[0].shape, [1, 128, 128, 3]);
    let out = model.infer(InputData::U8(&red_block(128, 3, 5))).unwrap();
    assert_eq!(out[0].data[..7], [0.0, 2.0, 1.0, 0.625, 0.375, 0.75, 0.5]);
}

#[test]
fn multi_output_models_give_every_output_by_name() {
    if !ready() {
        return;
    }
    let mut model =
        CompiledModel::load(models().join("multi_output.xml"), "CPU", &exact(), None).unwrap();
    let names: Vec<&str> = model.outputs().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["mean_bgr", "max_value"]);
    let shape = &model.inputs()[0].shape;
    let n: i64 = shape.iter().product();
    // Blue 10, green 20, red 30 everywhere.
    let plane = (n / 3) as usize;
    let frame: Vec<f32> = [10.0, 20.0, 30.0]
        .iter()
        .flat_map(|v| std::iter::repeat_n(*v, plane))
        .collect();
    let out = model.infer(InputData::F32(&frame)).unwrap();
    assert_eq!(out[0].data, [10.0, 20.0, 30.0]);
    assert_eq!(out[1].data, [30.0]);
}

#[test]
fn bad_input_gets_errors_that_name_the_problem() {
    if !ready() {
        return;
    }
    let missing = CompiledModel::load("/nonexistent/model.xml", "CPU", &[], None)
        .err()
        .unwrap();
    assert!(matches!(missing, ModelError::File { .. }));
    assert!(
        missing.to_string().contains("/nonexistent/model.xml"),
        "{missing}"
    );

    let device = CompiledModel::load(models().join("classifier.xml"), "NOPE", &[], None)
        .err()
        .unwrap();
    let text = device.to_string();
    assert!(text.contains("'NOPE'") && text.contains("CPU"), "{text}");

    assert!(matches!(parse_config("A=1,oops"), Err(ModelError::Config(e)) if e == "oops"));
    assert_eq!(
        parse_config(" A = 1 ,B=2,").unwrap(),
        [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "2".to_owned())
        ]
    );

    let mut model = CompiledModel::load(models().join("classifier.xml"), "CPU", &[], None).unwrap();
    let wrong = model.infer(InputData::F32(&[0.0; 5])).err().unwrap();
    assert!(wrong.to_string().contains("5 values"), "{wrong}");

    let not_a_model = models().join("classifier.json");
    let err = CompiledModel::load(&not_a_model, "CPU", &[], None)
        .err()
        .unwrap();
    assert!(err.to_string().contains("classifier.json"), "{err}");
}

#[test]
fn model_info_reads_name_and_ports_without_compiling() {
    if !ready() {
        return;
    }
    let info = ModelInfo::read(models().join("multi_output.xml"), "CPU").unwrap();
    assert_eq!(info.name, "multi_output");
    assert_eq!(info.inputs.len(), 1);
    assert_eq!(info.inputs[0].name, "image");
    assert_eq!(info.inputs[0].shape, [1, 3, 16, 32]);
    let outputs: Vec<(&str, &[i64])> = info
        .outputs
        .iter()
        .map(|p| (p.name.as_str(), p.shape.as_slice()))
        .collect();
    assert_eq!(
        outputs,
        [("mean_bgr", &[1i64, 3][..]), ("max_value", &[1i64, 1][..])]
    );
    let missing = ModelInfo::read("/nonexistent/m.xml", "CPU").unwrap_err();
    assert!(
        missing.to_string().contains("/nonexistent/m.xml"),
        "{missing}"
    );
    let device = ModelInfo::read(models().join("classifier.xml"), "NOPE").unwrap_err();
    assert!(device.to_string().contains("'NOPE'"), "{device}");
}

fn pairs(text: &str) -> Vec<(String, String)> {
    parse_config(text).unwrap()
}

#[test]
fn elements_compile_for_throughput_streams_on_cpu_unless_told_otherwise() {
    // Several requests (or auto): throughput streams, as DL Streamer sets them.
    for requests in [0, 2, 4] {
        assert_eq!(
            element_config("CPU", requests, pairs("INFERENCE_PRECISION_HINT=f32")),
            (
                pairs("INFERENCE_PRECISION_HINT=f32,NUM_STREAMS=AUTO"),
                Vec::new()
            )
        );
    }
    // One request: OpenVINO's own default (one stream on every core).
    assert_eq!(
        element_config("CPU", 1, Vec::new()),
        (Vec::new(), Vec::new())
    );
    // What the user sets wins; other devices are left alone.
    for given in ["NUM_STREAMS=1", "PERFORMANCE_HINT=LATENCY"] {
        assert_eq!(element_config("CPU", 4, pairs(given)).0, pairs(given));
    }
    assert_eq!(element_config("GPU", 4, Vec::new()).0, Vec::new());

    // OpenVINO 1 keys of older DL Streamer pipelines become their OpenVINO 2 names, each with
    // a warning that names both.
    let (config, warnings) = element_config(
        "CPU",
        4,
        pairs("CPU_THROUGHPUT_STREAMS=CPU_THROUGHPUT_AUTO,CPU_THREADS_NUM=2,CPU_BIND_THREAD=NUMA"),
    );
    assert_eq!(
        config,
        pairs("NUM_STREAMS=AUTO,INFERENCE_NUM_THREADS=2,ENABLE_CPU_PINNING=NO")
    );
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].contains("CPU_THROUGHPUT_STREAMS") && warnings[0].contains("NUM_STREAMS=AUTO"),
        "{warnings:?}"
    );
}

#[test]
fn the_element_config_reaches_the_compiled_model() {
    if !ready() {
        return;
    }
    let load = |requests: usize| {
        let (config, _) = element_config("CPU", requests, exact());
        CompiledModel::load(models().join("classifier.xml"), "CPU", &config, None).unwrap()
    };
    let single = load(1);
    assert_eq!(single.property("PERFORMANCE_HINT").unwrap(), "LATENCY");
    assert_eq!(single.property("NUM_STREAMS").unwrap(), "1");
    assert_eq!(single.optimal_requests().unwrap(), 1);

    let several = load(4);
    assert_eq!(several.property("PERFORMANCE_HINT").unwrap(), "THROUGHPUT");
    let streams: usize = several.property("NUM_STREAMS").unwrap().parse().unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    assert!((1..=cores).contains(&streams), "{streams} streams");
    // nireq=0 keeps one request per stream busy.
    assert!(several.optimal_requests().unwrap() >= streams);
    // Still exact: the user's pairs are kept.
    assert_eq!(several.property("INFERENCE_PRECISION_HINT").unwrap(), "f32");

    let unknown = several.property("NO_SUCH_PROPERTY").err().unwrap();
    assert!(
        unknown.to_string().contains("reading a property"),
        "{unknown}"
    );
}

#[test]
fn a_model_file_is_read_once_and_compiled_from_what_was_read() {
    if !ready() {
        return;
    }
    use gva_infer::model::ModelFile;
    // A copy of the classifier, removed after it was read: the first compilation uses the
    // model read; a second one would read the file again, and says it is gone.
    let dir = std::env::temp_dir().join(format!("gva-read-once-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xml = dir.join("classifier.xml");
    for ext in ["xml", "bin"] {
        std::fs::copy(
            models().join(format!("classifier.{ext}")),
            dir.join(format!("classifier.{ext}")),
        )
        .unwrap();
    }
    let mut file = ModelFile::read(&xml, "CPU").unwrap();
    assert_eq!(file.info().name, "classifier");
    assert_eq!(file.info().inputs[0].shape, [1, 3, 32, 32]);
    std::fs::remove_dir_all(&dir).unwrap();
    let mut model = file.compile(&exact(), None).unwrap();
    // A red frame, planar B, G, R.
    let red: Vec<f32> = (0..3 * 32 * 32)
        .map(|i| if i >= 2 * 32 * 32 { 255.0 } else { 0.0 })
        .collect();
    let out = model.infer(InputData::F32(&red)).unwrap();
    assert_eq!(out[0].data, [0.0, 0.0, 1.0]);
    let again = file
        .compile(&exact(), None)
        .err()
        .expect("the file is gone");
    assert!(again.to_string().contains("classifier.xml"), "{again}");
}
