"""Generate the small OpenVINO IR test models of gva-rs (``cargo xtask models``).

Usage: ``make_models.py --out DIR``. Writes, for each model below, ``NAME.xml`` + ``NAME.bin``
(OpenVINO IR, f32 weights) and ``NAME.json`` (a DL Streamer model-proc, schema 2.2.0), then the
stamp ``.stamp``: first line ``generator fnv1a64 <hex>`` (the FNV-1a 64 hash of this script's
bytes), then the generated file names, one a line. ``cargo xtask models`` and
``tests/python/test_models.py`` regenerate when the stamp is missing, names a missing file or
carries another hash.

The models compute something simple and exact from the pixels, so that a test that draws a frame
knows the output to the last bit (the classifier's division: to f32 rounding) and catches a wrong
colour order, resize or coordinate mapping. Note: on a CPU with AMX, OpenVINO's CPU plugin
defaults to an inference precision of bf16; the models alone stay exact under it, but a resize
added by a PrePostProcessor runs in bf16 (cell means off by ~0.1), so exact tests on arbitrary
frames compile with ``INFERENCE_PRECISION_HINT=f32``.
Every input is named ``image``: f32, layout NCHW (set in the IR), planar **BGR**, values 0-255 as
DL Streamer feeds them. Every model has batch 1 and can be reshaped to batch N (the outputs below
are written for batch 1; see each model for N). Ties are broken towards the lower index.

Definitions shared by the two detectors (input 64x64, GRID = 8):
  * the frame is cut into 8x8 cells of 8x8 pixels; cell (row, col), row and col in 0..7, covers
    pixels x in [8*col, 8*col+8), y in [8*row, 8*row+8); its index is ``row * 8 + col``;
  * ``mean_c`` = the cell's mean of channel c (0 = B, 1 = G, 2 = R): average pooling 8x8, exact
    for integer pixels (a sum of integers divided by 64);
  * ``label`` = the dominant channel: the c with the largest ``mean_c``, ties to the lower c
    (2 if R > max(B, G), else 1 if G > B, else 0);
  * ``confidence`` = max(mean_B, mean_G, mean_R) * f32(1/255), in [0, 1]: one f32 product, so
    it equals numpy's ``max_mean * np.float32(1 / 255)`` bit for bit; a pure 255 cell gives 1.0.

detector_ssd (``image`` [1,3,64,64] -> ``detection_out`` [1,1,64,7], converter detection_output):
  one row per cell, ``[image_id, label, confidence, x_min, y_min, x_max, y_max]``, rows sorted by
  confidence (descending; equal confidences keep cell-index order). The box is the cell's,
  normalized: ``[col/8, row/8, (col+1)/8, (row+1)/8]``. A row whose confidence is 0 (a black cell)
  is "unused": ``[-1, 0, 0, 0, 0, 0, 0]``; unused rows all come last. Example: a 255-red 8x8 block
  at cell (row 3, col 5) of a black frame gives row 0 = [0, 2, 1.0, 5/8, 3/8, 6/8, 4/8] and 63
  unused rows. Batch N: ``[1,1,64*N,7]``, image_id = the frame's index in the batch; the used
  rows of frame 0 come first, then those of frame 1, ..., then every unused row (as an SSD
  DetectionOutput does: a reader may stop at the first image_id -1).

detector_yolov8 (``image`` [1,3,64,64] -> ``output0`` [1,7,64], converter yolo_v8):
  YOLOv8 layout ``[1, 4 + C, A]``: A = 64 anchors (one per cell, index row * 8 + col), C = 3
  classes (0 = blue, 1 = green, 2 = red). For anchor a: rows 0-3 = cx, cy, w, h in input pixels
  = ``8*col + 4, 8*row + 4, 8, 8``; rows 4-6 = class scores: ``confidence`` for class ``label``,
  0 for the other two. The same red block gives anchor 29 = [44, 28, 8, 8, 0, 0, 1.0] (box
  x 40..48, y 24..32) and zero scores elsewhere. Batch N: ``[N,7,64]``.

classifier (``image`` [1,3,32,32] -> ``prob`` [1,3], converter label, method max):
  ``mean`` = the per-channel mean over the frame (B, G, R); ``prob = mean / max(sum(mean), 1e-6)``
  (each channel's share of the brightness; sums to 1, or all 0 for a black frame). The argmax is
  the dominant colour: labels ["blue", "green", "red"]. A pure red frame gives [0, 0, 1.0];
  BGR (30, 60, 90) gives [1/6, 1/3, 1/2]. Batch N: ``[N,3]``.

detector_boxes (``image`` [1,3,64,64] -> ``boxes`` [1,64,5], ``labels`` [1,64], converter
  boxes_labels): per cell (index order, not sorted), ``boxes`` = the cell's box in input pixels
  ``[8*col, 8*row, 8*col+8, 8*row+8, confidence]`` and ``labels`` = ``label`` (f32). The same red
  block gives boxes[29] = [40, 24, 48, 32, 1.0], labels[29] = 2, and confidence 0 elsewhere.
  Batch N: ``[N,64,5]`` and ``[N,64]``.

detector_bench (``image`` [1,3,256,256] -> ``detection_out`` [1,1,64,7], converter
  detection_output): for throughput benchmarks, not for exact tests. Four 3x3 convolutions
  (3->32->64->128 channels with stride 2, then 128->128; about 0.3 G multiply-adds, in the range
  of a small real detector) with fixed pseudo-random weights, an 8x8 average pool and a 1x1
  convolution to one logit per cell: row = ``[0, 0, sigmoid(logit), cell box]`` per cell, in
  cell order.

detector_bench_small (``image`` [1,3,128,128] -> ``detection_out`` [1,1,64,7]): detector_bench
  on a 128x128 input (a 4x4 average pool), about a quarter of the work: several times the frame
  rate, where a pipeline's own cost per frame shows more.

classifier_bench (``image`` [1,3,48,48] -> ``prob`` [1,3], converter label, method max): for
  region throughput benchmarks (``bench_inference.py --regions``), not for exact tests: the size
  and cost of a small face classifier (48x48 input; about 0.28 G multiply-adds). Six 3x3
  convolutions (3->32, 32->64, 64->64 at 48x48; 64->128 with stride 2, 128->128, then 128->128
  with stride 2) with ReLU and fixed pseudo-random weights, a global average pool, a 128x3
  matrix and a softmax: three probabilities summing to 1, labels ["blue", "green", "red"].

classifier_nhwc (``image`` [1,32,32,3], layout NHWC as TFLite models have it -> ``prob``
  [1,3], converter label): the classifier behind a transpose, so the same frame gives the same
  ``prob``. The input layout is left unset in the IR (as in a .tflite file): readers tell NHWC
  from the position of the 3-channel dimension.

multi_output (``image`` [1,3,16,32], i.e. H=16, W=32, not square -> two outputs,
  converter raw_data_copy):
  ``mean_bgr`` [1,3] = per-channel mean over the frame (B, G, R), ``max_value`` [1,1] = the
  largest value of any channel of any pixel. Batch N: ``[N,3]`` and ``[N,1]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

try:
    import openvino as ov
    from openvino import opset13 as ops
except ImportError as e:  # pragma: no cover - depends on the interpreter
    sys.exit(
        f"make_models.py: OpenVINO is not importable ({e}); run `cargo xtask setup` first"
    )

DET_SIZE = 64  # detector input height and width
GRID = 8  # cells per side
CELL = DET_SIZE // GRID  # pixels per cell side
CELLS = GRID * GRID  # rows of the SSD output = anchors of the YOLO output
CLS_SIZE = 32  # classifier input height and width
MULTI_H, MULTI_W = 16, 32  # multi-output input height and width
LABELS = ["blue", "green", "red"]  # index = channel in BGR order
STAMP = ".stamp"
F32 = np.float32
SCHEMA = "2.2.0"
INV_255 = F32(1.0) / F32(255.0)  # f32; 255 * INV_255 rounds to exactly 1.0


def fnv1a64(data: bytes) -> int:
    """FNV-1a, 64 bits: the hash xtask/src/models.rs computes too."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def stamp_line() -> str:
    return f"generator fnv1a64 {fnv1a64(Path(__file__).read_bytes()):016x}"


def const(value: object, dtype: type = F32) -> ov.Node:
    return ops.constant(np.asarray(value, dtype=dtype))


def image_input(height: int, width: int) -> ov.Node:
    image = ops.parameter([1, 3, height, width], F32, name="image")
    image.output(0).get_tensor().set_names({"image"})
    image.set_layout(ov.Layout("NCHW"))
    return image


def named(node: ov.Node, name: str) -> ov.Node:
    node.set_friendly_name(name)
    node.output(0).get_tensor().set_names({name})
    return node


def cell_features(image: ov.Node) -> tuple[ov.Node, ov.Node]:
    """``(label, confidence)`` per cell, both f32 ``[B, 1, CELLS]`` (see the module docstring)."""
    pooled = ops.avg_pool(
        image, [CELL, CELL], [0, 0], [0, 0], [CELL, CELL], exclude_pad=True
    )
    cells = ops.reshape(
        pooled, const([0, 3, CELLS], np.int64), special_zero=True
    )  # [B,3,CELLS]
    blue, green, red = ops.split(
        cells, const(1, np.int64), 3
    ).outputs()  # [B,1,CELLS] each
    blue_green = ops.maximum(blue, green)
    label = ops.select(
        ops.greater(red, blue_green),
        const(2.0),
        ops.select(ops.greater(green, blue), const(1.0), const(0.0)),
    )
    confidence = ops.multiply(ops.maximum(blue_green, red), const(INV_255))
    return label, confidence


def cell_boxes() -> tuple[np.ndarray, np.ndarray]:
    """Per cell index: normalized ``[x_min, y_min, x_max, y_max]`` and pixel ``[cx, cy, w, h]``."""
    row, col = np.divmod(np.arange(CELLS), GRID)
    norm = np.stack([col, row, col + 1, row + 1], axis=1) / GRID
    pixels = np.stack(
        [
            col * CELL + CELL / 2,
            row * CELL + CELL / 2,
            np.full(CELLS, CELL),
            np.full(CELLS, CELL),
        ],
        axis=1,
    )
    return norm.astype(F32), pixels.astype(F32)


def detector_ssd() -> ov.Model:
    image = image_input(DET_SIZE, DET_SIZE)
    label, confidence = cell_features(image)
    label = ops.squeeze(label, const([1], np.int64))  # [B,CELLS]
    confidence = ops.squeeze(confidence, const([1], np.int64))
    # Per frame: cells by confidence, descending; equal confidences keep cell-index order.
    top = ops.topk(confidence, CELLS, 1, "max", "value", "i64", stable=True)
    conf_sorted, order = top.output(0), top.output(1)
    label_sorted = ops.gather(label, order, const(1, np.int64), batch_dims=1)
    boxes = ops.gather(const(cell_boxes()[0]), order, const(0, np.int64))  # [B,CELLS,4]
    used = ops.greater(conf_sorted, const(0.0))  # [B,CELLS]
    used_f = ops.convert(used, F32)
    # The frame's index in the batch, as f32 [B,1].
    batch = ops.gather(ops.shape_of(image), const(0, np.int64), const(0, np.int64))
    frame = ops.unsqueeze(
        ops.range(const(0.0), ops.convert(batch, F32), const(1.0), "f32"),
        const([1], np.int64),
    )
    image_id = ops.select(
        used, ops.add(frame, ops.multiply(conf_sorted, const(0.0))), const(-1.0)
    )
    rows = ops.concat(
        [
            ops.unsqueeze(image_id, const([2], np.int64)),
            ops.unsqueeze(ops.multiply(label_sorted, used_f), const([2], np.int64)),
            ops.unsqueeze(conf_sorted, const([2], np.int64)),
            ops.multiply(boxes, ops.unsqueeze(used_f, const([2], np.int64))),
        ],
        axis=2,
    )  # [B,CELLS,7]
    # Across the batch: used rows frame by frame, then every unused row. The key is unique and an
    # exact integer: frame * CELLS + rank, plus B * CELLS for an unused row.
    rank = const(np.arange(CELLS, dtype=F32)[None, :])
    total = ops.multiply(ops.convert(batch, F32), const(float(CELLS)))
    key = ops.add(
        ops.add(ops.multiply(frame, const(float(CELLS))), rank),
        ops.multiply(ops.subtract(const(1.0), used_f), total),
    )
    key = ops.reshape(key, const([-1], np.int64), special_zero=False)
    k = ops.multiply(batch, const(CELLS, np.int64))
    final_order = ops.topk(key, k, 0, "min", "value", "i64").output(1)
    rows = ops.reshape(rows, const([-1, 7], np.int64), special_zero=False)
    rows = ops.gather(rows, final_order, const(0, np.int64))
    out = named(
        ops.reshape(rows, const([1, 1, -1, 7], np.int64), special_zero=False),
        "detection_out",
    )
    return ov.Model([out.output(0)], [image], "detector_ssd")


def detector_yolov8() -> ov.Model:
    image = image_input(DET_SIZE, DET_SIZE)
    label, confidence = cell_features(image)  # [B,1,CELLS]
    classes = const(np.arange(len(LABELS), dtype=F32).reshape(1, -1, 1))  # [1,3,1]
    scores = ops.select(
        ops.equal(label, classes), confidence, const(0.0)
    )  # [B,3,CELLS]
    boxes = const(cell_boxes()[1].T[None])  # [1,4,CELLS]
    boxes = ops.add(
        boxes, ops.multiply(confidence, const(0.0))
    )  # broadcast to [B,4,CELLS]
    out = named(ops.concat([boxes, scores], axis=1), "output0")
    return ov.Model([out.output(0)], [image], "detector_yolov8")


def detector_boxes() -> ov.Model:
    image = image_input(DET_SIZE, DET_SIZE)
    label, confidence = cell_features(image)  # [B,1,CELLS]
    zero = ops.multiply(
        confidence, const(0.0)
    )  # [B,1,CELLS]: broadcasts constants to batch B
    pixels = cell_boxes()[0] * DET_SIZE  # [CELLS,4] x_min, y_min, x_max, y_max
    corners = ops.add(const(pixels.T[None]), zero)  # [B,4,CELLS]
    rows = ops.transpose(
        ops.concat([corners, confidence], axis=1), const([0, 2, 1], np.int64)
    )  # [B,CELLS,5]
    boxes = named(rows, "boxes")
    labels = named(ops.squeeze(label, const([1], np.int64)), "labels")  # [B,CELLS]
    return ov.Model([boxes.output(0), labels.output(0)], [image], "detector_boxes")


def detector_bench(size: int = 256, name: str = "detector_bench") -> ov.Model:
    image = image_input(size, size)
    rng = np.random.default_rng(7)
    x: ov.Node = ops.multiply(image, const(1.0 / 255.0))
    for cin, cout, stride in ((3, 32, 2), (32, 64, 2), (64, 128, 2), (128, 128, 1)):
        weights = rng.standard_normal((cout, cin, 3, 3)).astype(F32) / np.sqrt(9 * cin)
        x = ops.convolution(x, const(weights), [stride] * 2, [1, 1], [1, 1], [1, 1])
        x = ops.relu(x)
    pool = size // 8 // GRID  # 32x32 features -> 8x8 cells
    x = ops.avg_pool(x, [pool, pool], [0, 0], [0, 0], [pool, pool], exclude_pad=True)
    head = rng.standard_normal((1, 128, 1, 1)).astype(F32) / np.sqrt(128)
    logit = ops.convolution(x, const(head), [1, 1], [0, 0], [0, 0], [1, 1])  # [B,1,8,8]
    confidence = ops.reshape(
        ops.sigmoid(logit), const([0, CELLS, 1], np.int64), special_zero=True
    )  # [B,CELLS,1]
    zero = ops.multiply(confidence, const(0.0))
    rows = ops.concat(
        [zero, zero, confidence, ops.add(const(cell_boxes()[0][None]), zero)], axis=2
    )  # [B,CELLS,7]
    out = named(
        ops.reshape(rows, const([1, 1, -1, 7], np.int64), special_zero=False),
        "detection_out",
    )
    return ov.Model([out.output(0)], [image], name)


def detector_bench_small() -> ov.Model:
    return detector_bench(128, "detector_bench_small")


def classifier() -> ov.Model:
    image = image_input(CLS_SIZE, CLS_SIZE)
    mean = ops.reduce_mean(image, const([2, 3], np.int64))  # [B,3]
    total = ops.reduce_sum(mean, const([1], np.int64), keep_dims=True)  # [B,1]
    out = named(ops.divide(mean, ops.maximum(total, const(1e-6))), "prob")
    return ov.Model([out.output(0)], [image], "classifier")


def classifier_bench() -> ov.Model:
    image = image_input(48, 48)
    rng = np.random.default_rng(11)
    x: ov.Node = ops.multiply(image, const(1.0 / 255.0))
    layers = (
        (3, 32, 1),
        (32, 64, 1),
        (64, 64, 1),
        (64, 128, 2),
        (128, 128, 1),
        (128, 128, 2),
    )
    for cin, cout, stride in layers:
        weights = rng.standard_normal((cout, cin, 3, 3)).astype(F32) / np.sqrt(9 * cin)
        x = ops.convolution(x, const(weights), [stride] * 2, [1, 1], [1, 1], [1, 1])
        x = ops.relu(x)
    pooled = ops.reduce_mean(x, const([2, 3], np.int64))  # [B,128]
    head = rng.standard_normal((128, 3)).astype(F32) / np.sqrt(128)
    out = named(ops.softmax(ops.matmul(pooled, const(head), False, False), 1), "prob")
    return ov.Model([out.output(0)], [image], "classifier_bench")


def classifier_nhwc() -> ov.Model:
    image = ops.parameter([1, CLS_SIZE, CLS_SIZE, 3], F32, name="image")
    image.output(0).get_tensor().set_names({"image"})
    nchw = ops.transpose(image, const([0, 3, 1, 2], np.int64))
    mean = ops.reduce_mean(nchw, const([2, 3], np.int64))  # [B,3]
    total = ops.reduce_sum(mean, const([1], np.int64), keep_dims=True)  # [B,1]
    out = named(ops.divide(mean, ops.maximum(total, const(1e-6))), "prob")
    return ov.Model([out.output(0)], [image], "classifier_nhwc")


def multi_output() -> ov.Model:
    image = image_input(MULTI_H, MULTI_W)
    mean = named(ops.reduce_mean(image, const([2, 3], np.int64)), "mean_bgr")
    peak = ops.reduce_max(image, const([1, 2, 3], np.int64))  # [B]
    peak = named(ops.unsqueeze(peak, const([1], np.int64)), "max_value")
    return ov.Model([mean.output(0), peak.output(0)], [image], "multi_output")


def model_proc(postproc: list[dict[str, object]]) -> dict[str, object]:
    return {
        "json_schema_version": SCHEMA,
        "input_preproc": [
            {
                "format": "image",
                "layer_name": "image",
                "params": {"color_space": "BGR", "resize": "no-aspect-ratio"},
            }
        ],
        "output_postproc": postproc,
    }


MODELS = {
    "detector_ssd": (
        detector_ssd,
        [
            {
                "layer_name": "detection_out",
                "converter": "detection_output",
                "labels": LABELS,
            }
        ],
    ),
    "detector_yolov8": (
        detector_yolov8,
        [{"layer_name": "output0", "converter": "yolo_v8", "labels": LABELS}],
    ),
    "detector_boxes": (
        detector_boxes,
        [
            {
                "layer_names": ["boxes", "labels"],
                "converter": "boxes_labels",
                "labels": LABELS,
            }
        ],
    ),
    "detector_bench": (
        detector_bench,
        [{"layer_name": "detection_out", "converter": "detection_output"}],
    ),
    "detector_bench_small": (
        detector_bench_small,
        [{"layer_name": "detection_out", "converter": "detection_output"}],
    ),
    "classifier": (
        classifier,
        [
            {
                "attribute_name": "color",
                "layer_name": "prob",
                "converter": "label",
                "method": "max",
                "labels": LABELS,
            }
        ],
    ),
    "classifier_bench": (
        classifier_bench,
        [
            {
                "attribute_name": "color",
                "layer_name": "prob",
                "converter": "label",
                "method": "max",
                "labels": LABELS,
            }
        ],
    ),
    "classifier_nhwc": (
        classifier_nhwc,
        [
            {
                "attribute_name": "color",
                "layer_name": "prob",
                "converter": "label",
                "method": "max",
                "labels": LABELS,
            }
        ],
    ),
    "multi_output": (
        multi_output,
        [
            {"attribute_name": name, "layer_name": name, "converter": "raw_data_copy"}
            for name in ("mean_bgr", "max_value")
        ],
    ),
}


def describe(model: ov.Model) -> str:
    def port(p: ov.Output) -> str:
        return f"{p.get_any_name()} {list(p.get_partial_shape().to_shape())}"

    ins = ", ".join(port(p) for p in model.inputs)
    outs = ", ".join(port(p) for p in model.outputs)
    return f"{ins} -> {outs}"


def generate(out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    (out / STAMP).unlink(missing_ok=True)
    files = []
    for name, (build, postproc) in MODELS.items():
        model = build()
        model.validate_nodes_and_infer_types()
        xml = out / f"{name}.xml"
        ov.save_model(model, xml, compress_to_fp16=False)
        proc = out / f"{name}.json"
        proc.write_text(json.dumps(model_proc(postproc), indent=2) + "\n")
        converters = ", ".join(str(p["converter"]) for p in postproc)
        print(f"    {xml.name} (+ .bin): {describe(model)}")
        print(f"    {proc.name}: model-proc {SCHEMA}, BGR, {converters}")
        files += [xml.name, f"{name}.bin", proc.name]
    (out / STAMP).write_text("\n".join([stamp_line(), *files]) + "\n")
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args()
    files = generate(args.out)
    print(
        f"    {len(files)} files in {args.out.resolve()} (OpenVINO {ov.get_version()})"
    )


if __name__ == "__main__":
    main()
