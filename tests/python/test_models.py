"""The generated test models (``cargo xtask models``, ``xtask/models/make_models.py``).

Each model runs in OpenVINO's own Python runtime, compiled for CPU with the default configuration
(on a CPU with AMX that means an inference-precision hint of bf16: the models must stay exact
under it), on frames drawn for the purpose. The generator's docstring defines what each model
computes; these tests pin those definitions with exact values, so the gva-infer tests can rely
on them.

Frames are drawn like DL Streamer's BGR frames, ``uint8 [H, W, 3]`` in B, G, R order, and fed the
way DL Streamer feeds a model: f32 planar ``[N, 3, H, W]``, values 0-255. Every model has a test
that feeds the same frame in RGB order and expects another answer, so that a B/R swap cannot go
unnoticed.

When ``target/models`` is missing or stale (its stamp does not match the generator), the fixture
runs the generator itself, so ``cargo xtask test`` needs no extra step.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import openvino as ov
import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "xtask" / "models" / "make_models.py"
MODELS = ROOT / "target" / "models"
NAMES = (
    "detector_ssd",
    "detector_yolov8",
    "detector_boxes",
    "detector_bench",
    "detector_bench_small",
    "classifier",
    "classifier_bench",
    "classifier_nhwc",
    "multi_output",
)
LABELS = ["blue", "green", "red"]

BLUE, GREEN, RED = (255, 0, 0), (0, 255, 0), (0, 0, 255)  # BGR
INV_255 = np.float32(1) / np.float32(255)
UNUSED = [-1, 0, 0, 0, 0, 0, 0]


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_models", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stamp_is_current(folder: Path, stamp_line: str) -> bool:
    stamp = folder / ".stamp"
    if not stamp.is_file():
        return False
    first, *files = stamp.read_text().splitlines()
    return (
        first == stamp_line
        and bool(files)
        and all((folder / f).is_file() for f in files)
    )


@pytest.fixture(scope="module")
def models() -> Path:
    if not stamp_is_current(MODELS, load_generator().stamp_line()):
        subprocess.run(
            [sys.executable, str(GENERATOR), "--out", str(MODELS)],
            check=True,
            timeout=120,
        )
    return MODELS


@pytest.fixture(scope="module")
def core() -> ov.Core:
    return ov.Core()


@pytest.fixture(scope="module")
def compiled(models: Path, core: ov.Core) -> dict[str, ov.CompiledModel]:
    return {name: core.compile_model(models / f"{name}.xml", "CPU") for name in NAMES}


def batched(models: Path, core: ov.Core, name: str, n: int) -> ov.CompiledModel:
    model = core.read_model(models / f"{name}.xml")
    shape = list(model.input(0).get_shape())
    model.reshape([n, *shape[1:]])
    return core.compile_model(model, "CPU")


# --- frames -------------------------------------------------------------------------------------


def blank(height: int, width: int, bgr: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = bgr
    return frame


def block(
    frame: np.ndarray, row: int, col: int, bgr: tuple[int, int, int], rows: int = 8
) -> np.ndarray:
    """Paints ``rows`` pixel rows (from the top) of grid cell (row, col) of a detector frame."""
    frame[8 * row : 8 * row + rows, 8 * col : 8 * col + 8] = bgr
    return frame


def planar(*frames: np.ndarray) -> np.ndarray:
    """BGR ``[H, W, 3]`` frames -> the models' input ``[N, 3, H, W]`` f32."""
    return np.stack([f.transpose(2, 0, 1) for f in frames]).astype(np.float32)


def rgb(frame: np.ndarray) -> np.ndarray:
    """The same picture in the wrong (RGB) channel order."""
    return np.ascontiguousarray(frame[..., ::-1])


def random_frames(seed: int, count: int, height: int, width: int) -> list[np.ndarray]:
    """Noise, and coarse noise (few levels, so that equal cells and channels, i.e. ties, occur)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(count):
        frame = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        if i % 2:
            frame = (frame // 128 * 255).astype(np.uint8)
        if i % 4 == 3:  # coarse per cell too
            frame = np.repeat(np.repeat(frame[::8, ::8], 8, axis=0), 8, axis=1)
        frames.append(frame)
    return frames


def cell_xyxy(index: int) -> list[float]:
    row, col = divmod(index, 8)
    return [col / 8, row / 8, (col + 1) / 8, (row + 1) / 8]


def f32(values: object) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


# --- numpy references (the generator's docstring, written again independently) ------------------


def ref_cells(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(label, confidence)`` per cell index (row * 8 + col) of a 64x64 BGR frame."""
    means = (
        frame.astype(np.float64).reshape(8, 8, 8, 8, 3).mean(axis=(1, 3)).reshape(64, 3)
    )
    means = means.astype(np.float32)  # exact: a sum of integers divided by 64
    b, g, r = means.T
    label = np.where(r > np.maximum(b, g), 2, np.where(g > b, 1, 0)).astype(np.float32)
    return label, means.max(axis=1) * INV_255


def ref_ssd(frame: np.ndarray, image_id: int = 0) -> np.ndarray:
    label, conf = ref_cells(frame)
    rows = []
    for i in np.argsort(-conf, kind="stable"):
        if conf[i] > 0:
            rows.append([image_id, label[i], conf[i], *cell_xyxy(int(i))])
        else:
            rows.append(UNUSED)
    return f32(rows)


def ref_yolo(frame: np.ndarray) -> np.ndarray:
    label, conf = ref_cells(frame)
    out = np.zeros((7, 64), np.float32)
    rows, cols = np.divmod(np.arange(64), 8)
    out[0], out[1], out[2], out[3] = cols * 8 + 4, rows * 8 + 4, 8, 8
    out[4 + label.astype(int), np.arange(64)] = conf
    return out


def ref_mean(frame: np.ndarray) -> np.ndarray:
    return frame.astype(np.float64).mean(axis=(0, 1)).astype(np.float32)


def ref_classifier(frame: np.ndarray) -> np.ndarray:
    mean = ref_mean(frame)
    return mean / max(mean.sum(dtype=np.float32), np.float32(1e-6))


# --- the files ------------------------------------------------------------------------------------


def test_files_and_stamp(models: Path) -> None:
    lines = (models / ".stamp").read_text().splitlines()
    assert lines[0] == load_generator().stamp_line()
    assert sorted(lines[1:]) == sorted(
        f"{n}.{ext}" for n in NAMES for ext in ("xml", "bin", "json")
    )


SIGNATURES = {
    "detector_ssd": ([1, 3, 64, 64], {"detection_out": [1, 1, 64, 7]}),
    "detector_yolov8": ([1, 3, 64, 64], {"output0": [1, 7, 64]}),
    "detector_boxes": ([1, 3, 64, 64], {"boxes": [1, 64, 5], "labels": [1, 64]}),
    "detector_bench": ([1, 3, 256, 256], {"detection_out": [1, 1, 64, 7]}),
    "detector_bench_small": ([1, 3, 128, 128], {"detection_out": [1, 1, 64, 7]}),
    "classifier": ([1, 3, 32, 32], {"prob": [1, 3]}),
    "classifier_bench": ([1, 3, 48, 48], {"prob": [1, 3]}),
    "classifier_nhwc": ([1, 32, 32, 3], {"prob": [1, 3]}),
    "multi_output": ([1, 3, 16, 32], {"mean_bgr": [1, 3], "max_value": [1, 1]}),
}


@pytest.mark.parametrize("name", NAMES)
def test_signature(models: Path, core: ov.Core, name: str) -> None:
    model = core.read_model(models / f"{name}.xml")
    in_shape, outputs = SIGNATURES[name]
    (image,) = model.inputs
    assert image.get_names() == {"image"}
    assert list(image.get_shape()) == in_shape
    assert image.get_element_type() == ov.Type.f32
    layout = "[...]" if name == "classifier_nhwc" else "[N,C,H,W]"  # NHWC: unset
    assert str(image.get_node().get_layout()) == layout
    assert {o.get_any_name(): list(o.get_shape()) for o in model.outputs} == outputs
    assert all(o.get_element_type() == ov.Type.f32 for o in model.outputs)


MODEL_PROC_CONVERTERS = {
    "detector_ssd": ["detection_output"],
    "detector_yolov8": ["yolo_v8"],
    "detector_boxes": ["boxes_labels"],
    "detector_bench": ["detection_output"],
    "detector_bench_small": ["detection_output"],
    "classifier": ["label"],
    "classifier_bench": ["label"],
    "classifier_nhwc": ["label"],
    "multi_output": ["raw_data_copy", "raw_data_copy"],
}


@pytest.mark.parametrize("name", NAMES)
def test_model_proc(models: Path, core: ov.Core, name: str) -> None:
    proc = json.loads((models / f"{name}.json").read_text())
    model = core.read_model(models / f"{name}.xml")
    assert proc["json_schema_version"] == "2.2.0"
    (pre,) = proc["input_preproc"]
    assert pre["format"] == "image"
    assert pre["layer_name"] == model.input(0).get_any_name()
    assert pre["params"] == {"color_space": "BGR", "resize": "no-aspect-ratio"}
    post = proc["output_postproc"]
    assert [p["converter"] for p in post] == MODEL_PROC_CONVERTERS[name]
    outputs = {o.get_any_name(): list(o.get_shape()) for o in model.outputs}
    layers = [n for p in post for n in p.get("layer_names", [p.get("layer_name")])]
    assert sorted(layers) == sorted(outputs)
    for p in post:
        if "labels" in p:
            assert p["labels"] == LABELS
    if name == "classifier":
        assert post[0]["method"] == "max"
        assert outputs["prob"][1] == len(post[0]["labels"])
    if name == "detector_yolov8":
        assert outputs["output0"][1] == 4 + len(post[0]["labels"])


def test_generator_is_deterministic(models: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert "detector_ssd.xml" in run.stdout and str(tmp_path) in run.stdout
    for f in (models / ".stamp").read_text().splitlines()[1:] + [".stamp"]:
        assert (tmp_path / f).read_bytes() == (models / f).read_bytes(), f


# --- detector_ssd ---------------------------------------------------------------------------------


def ssd(compiled: dict[str, ov.CompiledModel], *frames: np.ndarray) -> np.ndarray:
    return compiled["detector_ssd"](planar(*frames))[0][0, 0]


def test_ssd_red_block_at_cell_3_5(compiled: dict[str, ov.CompiledModel]) -> None:
    out = ssd(compiled, block(blank(64, 64), 3, 5, RED))
    assert out.shape == (64, 7)
    assert np.array_equal(out[0], f32([0, 2, 1.0, 5 / 8, 3 / 8, 6 / 8, 4 / 8]))
    assert np.array_equal(out[1:], f32([UNUSED] * 63))


@pytest.mark.parametrize(
    ("colour", "label", "swapped"), [(BLUE, 0, 2), (GREEN, 1, 1), (RED, 2, 0)]
)
def test_ssd_colour_order(
    compiled: dict[str, ov.CompiledModel],
    colour: tuple[int, int, int],
    label: int,
    swapped: int,
) -> None:
    frame = block(blank(64, 64), 6, 1, colour)
    assert ssd(compiled, frame)[0, 1] == label
    # The same picture in RGB order: blue and red trade places, green stays.
    assert ssd(compiled, rgb(frame))[0, 1] == swapped


def test_ssd_bgr_swap_is_caught(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = block(blank(64, 64), 3, 5, RED)
    assert ssd(compiled, rgb(frame))[0, 1] == 0  # "blue": a B/R swap shows


def test_ssd_every_cell_maps_to_its_box(compiled: dict[str, ov.CompiledModel]) -> None:
    for index in range(64):
        row, col = divmod(index, 8)
        out = ssd(compiled, block(blank(64, 64), row, col, GREEN))
        assert np.array_equal(out[0], f32([0, 1, 1.0, *cell_xyxy(index)])), (row, col)
        assert (out[1:, 0] == -1).all()


def test_ssd_sorted_by_brightness(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = blank(64, 64)
    block(frame, 0, 0, (100, 0, 0))  # dim blue
    block(frame, 7, 7, (0, 200, 0))  # bright green
    block(frame, 2, 6, (0, 0, 255), rows=4)  # red on half the cell: mean 127.5
    block(frame, 5, 2, (40, 90, 150))  # mixed, red dominant
    out = ssd(compiled, frame)
    assert np.array_equal(
        out[:4],
        f32(
            [
                [0, 1, f32(200) * INV_255, *cell_xyxy(63)],
                [0, 2, f32(150) * INV_255, *cell_xyxy(5 * 8 + 2)],
                [0, 2, f32(127.5) * INV_255, *cell_xyxy(2 * 8 + 6)],
                [0, 0, f32(100) * INV_255, *cell_xyxy(0)],
            ]
        ),
    )
    assert np.array_equal(out[4:], f32([UNUSED] * 60))


def test_ssd_ties(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = blank(64, 64)
    block(frame, 6, 1, (0, 180, 180))  # G = R: green (the lower channel) wins
    block(frame, 2, 7, (180, 0, 180))  # B = R: blue
    block(frame, 4, 4, (180, 180, 180))  # grey: blue
    out = ssd(compiled, frame)
    # Equal confidences keep cell-index order: 23, 36, 49.
    assert out[:3, 1].tolist() == [0, 0, 1]
    assert out[:3, 3:].tolist() == [cell_xyxy(23), cell_xyxy(36), cell_xyxy(49)]


def test_ssd_matches_reference(compiled: dict[str, ov.CompiledModel]) -> None:
    for frame in random_frames(5, 16, 64, 64):
        assert np.array_equal(ssd(compiled, frame), ref_ssd(frame))


def test_ssd_batch(models: Path, core: ov.Core) -> None:
    frames = [
        block(blank(64, 64), 0, 0, (100, 0, 0)),
        blank(64, 64),
        block(block(blank(64, 64), 7, 7, (0, 200, 0)), 0, 1, (0, 0, 255), rows=2),
    ]
    out = batched(models, core, "detector_ssd", 3)(planar(*frames))[0]
    assert out.shape == (1, 1, 3 * 64, 7)
    expected = [
        [0, 0, f32(100) * INV_255, *cell_xyxy(0)],
        [2, 1, f32(200) * INV_255, *cell_xyxy(63)],
        [2, 2, f32(63.75) * INV_255, *cell_xyxy(1)],
    ] + [UNUSED] * (3 * 64 - 3)
    assert np.array_equal(out[0, 0], f32(expected))
    # Random frames: each frame's used rows, in frame order, then every unused row.
    frames = random_frames(6, 4, 64, 64)
    frames[1] = blank(64, 64)
    out = batched(models, core, "detector_ssd", 4)(planar(*frames))[0][0, 0]
    refs = [ref_ssd(f, image_id=i) for i, f in enumerate(frames)]
    used = [r[r[:, 0] >= 0] for r in refs]
    unused = sum(len(r) - len(u) for r, u in zip(refs, used))
    assert np.array_equal(out, np.concatenate([*used, f32([UNUSED] * unused)]))


def test_ssd_coordinates_map_back_to_a_larger_frame(
    compiled: dict[str, ov.CompiledModel],
) -> None:
    """What a pipeline test does: a 320x256 frame, resized to 64x64 (area: 5x4 pixel means), the
    normalized box scaled back to the frame lands on the drawn block."""
    frame = blank(256, 320)
    frame[96:128, 200:240] = RED  # x 200..240, y 96..128 = cell (3, 5) after the resize
    small = frame.astype(np.float32).reshape(64, 4, 64, 5, 3).mean(axis=(1, 3))
    out = compiled["detector_ssd"](small.transpose(2, 0, 1)[None])[0][0, 0]
    assert out[0, 1] == 2
    assert np.allclose(
        out[0, 3:] * f32([320, 256, 320, 256]), [200, 96, 240, 128], atol=1
    )


# --- detector_yolov8 ------------------------------------------------------------------------------


def yolo(compiled: dict[str, ov.CompiledModel], *frames: np.ndarray) -> np.ndarray:
    return compiled["detector_yolov8"](planar(*frames))[0]


def test_yolo_red_block_at_cell_3_5(compiled: dict[str, ov.CompiledModel]) -> None:
    out = yolo(compiled, block(blank(64, 64), 3, 5, RED))[0]
    assert out.shape == (7, 64)
    assert np.array_equal(out[:, 29], f32([44, 28, 8, 8, 0, 0, 1.0]))
    scores = out[4:].copy()
    scores[:, 29] = 0
    assert not scores.any()
    # Decoded as a YOLOv8 converter does: best class per anchor, box from cx, cy, w, h.
    anchor = int(out[4:].max(axis=0).argmax())
    cx, cy, w, h = out[:4, anchor]
    assert (anchor, int(out[4:, anchor].argmax())) == (29, 2)
    assert [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] == [40, 24, 48, 32]


def test_yolo_boxes_are_the_cells(compiled: dict[str, ov.CompiledModel]) -> None:
    out = yolo(compiled, blank(64, 64, (7, 7, 7)))[0]
    for index in range(64):
        row, col = divmod(index, 8)
        assert out[:4, index].tolist() == [8 * col + 4, 8 * row + 4, 8, 8]
    assert np.array_equal(out[4:], f32([[7 * INV_255] * 64, [0] * 64, [0] * 64]))


def test_yolo_bgr_swap_is_caught(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = block(blank(64, 64), 3, 5, RED)
    assert np.array_equal(
        yolo(compiled, rgb(frame))[0, 4:, 29], f32([1.0, 0, 0])
    )  # blue


def test_yolo_matches_reference(compiled: dict[str, ov.CompiledModel]) -> None:
    for frame in random_frames(7, 16, 64, 64):
        assert np.array_equal(yolo(compiled, frame)[0], ref_yolo(frame))


def test_yolo_batch(models: Path, core: ov.Core) -> None:
    frames = random_frames(8, 3, 64, 64)
    out = batched(models, core, "detector_yolov8", 3)(planar(*frames))[0]
    assert out.shape == (3, 7, 64)
    for got, frame in zip(out, frames):
        assert np.array_equal(got, ref_yolo(frame))


# --- classifier -----------------------------------------------------------------------------------


def classify(compiled: dict[str, ov.CompiledModel], *frames: np.ndarray) -> np.ndarray:
    return compiled["classifier"](planar(*frames))[0]


def label_of(prob: np.ndarray) -> str:
    """The `label` converter, method max."""
    return LABELS[int(np.argmax(prob))]


def test_boxes_red_block_at_cell_3_5(compiled: dict[str, ov.CompiledModel]) -> None:
    out = compiled["detector_boxes"](planar(block(blank(64, 64), 3, 5, RED)))
    boxes, labels = out["boxes"][0], out["labels"][0]
    assert boxes[29].tolist() == [40, 24, 48, 32, 1.0]
    assert labels[29] == 2
    assert np.count_nonzero(boxes[:, 4]) == 1


def test_boxes_are_the_cells_in_pixels(compiled: dict[str, ov.CompiledModel]) -> None:
    out = compiled["detector_boxes"](planar(blank(64, 64, GREEN)))
    boxes, labels = out["boxes"][0], out["labels"][0]
    for index in range(64):
        row, col = divmod(index, 8)
        assert boxes[index].tolist() == [
            8 * col,
            8 * row,
            8 * col + 8,
            8 * row + 8,
            1.0,
        ]
    assert labels.tolist() == [1.0] * 64


@pytest.mark.parametrize(
    ("name", "size"), [("detector_bench", 256), ("detector_bench_small", 128)]
)
def test_bench_detector_runs_and_is_deterministic(
    compiled: dict[str, ov.CompiledModel], name: str, size: int
) -> None:
    frame = planar(blank(size, size, (30, 60, 90)))
    first = compiled[name](frame)["detection_out"][0, 0]
    again = compiled[name](frame)["detection_out"][0, 0]
    np.testing.assert_array_equal(first, again)
    assert first[:, 0].tolist() == [0.0] * 64  # image_id
    assert np.all((first[:, 2] > 0) & (first[:, 2] < 1))  # sigmoid confidences
    assert first[9, 3:].tolist() == [1 / 8, 1 / 8, 2 / 8, 2 / 8]  # cell (1, 1)


def test_bench_classifier_runs_and_is_deterministic(
    compiled: dict[str, ov.CompiledModel],
) -> None:
    frames = planar(blank(48, 48, (30, 60, 90)), blank(48, 48, RED))
    first = [compiled["classifier_bench"](frames[i : i + 1])["prob"][0] for i in (0, 1)]
    again = [compiled["classifier_bench"](frames[i : i + 1])["prob"][0] for i in (0, 1)]
    np.testing.assert_array_equal(first, again)
    for prob in first:
        assert prob.shape == (3,)
        assert np.all(prob > 0)
        assert abs(float(prob.sum()) - 1.0) < 1e-3  # a softmax (bf16 on AMX CPUs)
    assert not np.allclose(first[0], first[1]), "the picture changes the output"


@pytest.mark.parametrize(
    ("colour", "label"), [(BLUE, "blue"), (GREEN, "green"), (RED, "red")]
)
def test_classifier_solid_colours(
    compiled: dict[str, ov.CompiledModel], colour: tuple[int, int, int], label: str
) -> None:
    (prob,) = classify(compiled, blank(32, 32, colour))
    assert label_of(prob) == label
    assert np.array_equal(prob, f32(colour) / 255)


def test_classifier_nhwc_matches_classifier(
    compiled: dict[str, ov.CompiledModel],
) -> None:
    frame = blank(32, 32, (30, 60, 90))
    nchw = compiled["classifier"](planar(frame))["prob"]
    nhwc = compiled["classifier_nhwc"](frame[None].astype(np.float32))["prob"]
    np.testing.assert_array_equal(nchw, nhwc)
    np.testing.assert_allclose(nhwc[0], [1 / 6, 1 / 3, 1 / 2], rtol=1e-6)


def test_classifier_shares(compiled: dict[str, ov.CompiledModel]) -> None:
    (prob,) = classify(compiled, blank(32, 32, (30, 60, 90)))
    assert label_of(prob) == "red"
    assert np.allclose(prob, [1 / 6, 1 / 3, 1 / 2], rtol=0, atol=1e-7)
    (black,) = classify(compiled, blank(32, 32))
    assert np.array_equal(black, f32([0, 0, 0]))


def test_classifier_region(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = blank(32, 32, (0, 60, 0))
    frame[:16, :16] = RED  # a quarter of the frame: R mean 63.75 > G mean 45
    (prob,) = classify(compiled, frame)
    assert label_of(prob) == "red"
    assert np.allclose(prob, [0, 45 / 108.75, 63.75 / 108.75], rtol=0, atol=1e-7)


def test_classifier_bgr_swap_is_caught(compiled: dict[str, ov.CompiledModel]) -> None:
    assert label_of(classify(compiled, rgb(blank(32, 32, RED)))[0]) == "blue"
    (prob,) = classify(compiled, rgb(blank(32, 32, (30, 60, 90))))
    assert label_of(prob) == "blue"
    assert np.allclose(prob, [1 / 2, 1 / 3, 1 / 6], rtol=0, atol=1e-7)


def test_classifier_matches_reference(
    compiled: dict[str, ov.CompiledModel], models: Path, core: ov.Core
) -> None:
    frames = random_frames(9, 8, 32, 32)
    for frame in frames:
        (prob,) = classify(compiled, frame)
        assert np.allclose(prob, ref_classifier(frame), rtol=0, atol=1e-7)
        assert label_of(prob) == label_of(ref_classifier(frame))
    out = batched(models, core, "classifier", len(frames))(planar(*frames))[0]
    assert out.shape == (len(frames), 3)
    assert np.allclose(out, [ref_classifier(f) for f in frames], rtol=0, atol=1e-7)


# --- multi_output ---------------------------------------------------------------------------------


def test_multi_output_values(compiled: dict[str, ov.CompiledModel]) -> None:
    frame = blank(16, 32, (10, 0, 0))
    frame[:, :16, 1] = 200  # G on the left half
    frame[3, 30, 2] = 255  # one red pixel
    out = compiled["multi_output"](planar(frame))
    assert np.array_equal(out["mean_bgr"], f32([[10, 100, 255 / 512]]))
    assert np.array_equal(out["max_value"], f32([[255]]))
    # In RGB order the means come reversed; the maximum does not depend on the order.
    swapped = compiled["multi_output"](planar(rgb(frame)))
    assert np.array_equal(swapped["mean_bgr"], f32([[255 / 512, 100, 10]]))
    assert np.array_equal(swapped["max_value"], f32([[255]]))


def test_multi_output_is_not_square(compiled: dict[str, ov.CompiledModel]) -> None:
    with pytest.raises(RuntimeError):
        compiled["multi_output"](np.zeros((1, 3, 32, 16), np.float32))


def test_multi_output_matches_reference(
    compiled: dict[str, ov.CompiledModel], models: Path, core: ov.Core
) -> None:
    frames = random_frames(10, 6, 16, 32)
    for frame in frames:
        out = compiled["multi_output"](planar(frame))
        assert np.array_equal(out["mean_bgr"], ref_mean(frame)[None])
        assert np.array_equal(out["max_value"], f32([[frame.max()]]))
    out = batched(models, core, "multi_output", len(frames))(planar(*frames))
    assert np.array_equal(out["mean_bgr"], np.stack([ref_mean(f) for f in frames]))
    assert np.array_equal(out["max_value"], f32([[f.max()] for f in frames]))
