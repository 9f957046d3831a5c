"""gvapython post-processing module: MediaPipe's short-range face detector (BlazeFace) -> regions.

The detector's output is not a format the inference elements parse (no ``detection_output``, no
YOLO): 896 SSD anchors, a regressor row ``[dx, dy, w, h, 6 x (kx, ky)]`` and a logit per anchor.
This is the job DL Streamer gives ``gvapython``: ``gvainference`` attaches the raw output layers
to the frame, and this module decodes them into face regions that every element downstream
(``gvawatermark``, ``gvametaconvert``, ``gvaclassify inference-region=roi-list``) understands,
each with its six keypoints as a ``landmark_points`` tensor (``gvawatermark`` draws them)::

    ... ! gvainference model=face_detection_short_range.tflite \\
            model-proc=samples/model_procs/face_detection_short_range.json \\
        ! gvapython module=samples/face_detection_decoder.py \\
        ! gvawatermark ! ...

The decoding follows MediaPipe's ``face_detection_short_range`` graph: SSD anchors (strides
8, 16, 16, 16 on a 128x128 input, offsets 0.5, fixed size 1), box centre and size relative to the
anchor in units of the input size, score = sigmoid(logit), threshold 0.5, weighted
non-maximum suppression at IoU 0.3. Boxes are relative to the whole frame because the model-proc
stretches the frame to the input (``resize: no-aspect-ratio``).

``kwarg`` is not needed; ``threshold`` and ``iou`` can be changed by using the class form::

    gvapython module=samples/face_detection_decoder.py class=FaceDecoder kwarg={"threshold":0.7}
"""

from __future__ import annotations

import numpy as np

INPUT_SIZE = 128
"""Width and height of the model's input, in pixels."""
STRIDES = (8, 16, 16, 16)
"""Feature-map strides of the four SSD layers; each layer puts 2 anchors on every cell."""
KEYPOINTS = (
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth_center",
    "right_ear",
    "left_ear",
)
"""The six landmarks after the box in each regressor row."""
FP32 = 10
"""DL Streamer's precision value of 32-bit floats (``gstgva.Tensor.PRECISION.FP32``)."""


def ssd_anchors(
    input_size: int = INPUT_SIZE, strides: tuple[int, ...] = STRIDES
) -> np.ndarray:
    """Anchor centres ``[N, 2]`` (x, y in 0..1), in the model's output order.

    Consecutive layers with the same stride share one grid, so their anchors interleave per cell:
    2 anchors per cell on the 16x16 grid, 6 on the 8x8 one (512 + 384 = 896).
    """
    centres = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        same = 0
        while layer < len(strides) and strides[layer] == stride:
            same += 1
            layer += 1
        cells = -(-input_size // stride)
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        per_cell = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(per_cell, 2 * same, axis=0))
    return np.concatenate(centres)


ANCHORS = ssd_anchors()


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one ``[x0, y0, x1, y1]`` box with each row of ``boxes``."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def decode(
    regressors: np.ndarray,
    logits: np.ndarray,
    threshold: float = 0.5,
    iou_threshold: float = 0.3,
) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """Faces as ``(box [x0, y0, x1, y1], score, keypoints [6, 2])``, normalized to 0..1,
    best first, after weighted non-maximum suppression (MediaPipe's ``WEIGHTED``: overlapping
    candidates are averaged, weighted by score, and the best one's score is kept)."""
    rows = regressors.reshape(len(ANCHORS), -1).astype(np.float32)
    logits = logits.reshape(len(ANCHORS)).astype(np.float32)
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80.0, 80.0)))
    keep = np.flatnonzero(scores >= threshold)
    if keep.size == 0:
        return []
    rows, scores, anchors = rows[keep] / INPUT_SIZE, scores[keep], ANCHORS[keep]
    centres = rows[:, 0:2] + anchors
    half = rows[:, 2:4] / 2
    boxes = np.concatenate([centres - half, centres + half], axis=1)
    points = rows[:, 4:16].reshape(-1, len(KEYPOINTS), 2) + anchors[:, None, :]

    faces = []
    # Stable: candidates with equal scores stay in anchor order (the default sort orders them
    # differently with AVX-512, AVX2 or neither, and so would the boxes' last bits).
    order = np.argsort(-scores, kind="stable")
    while order.size:
        overlap = iou(boxes[order[0]], boxes[order]) > iou_threshold
        # The best candidate is in its own group even when its box overlaps nothing (zero or
        # negative size, or iou_threshold >= 1): otherwise the loop would never end.
        overlap[0] = True
        group = order[overlap]
        weights = scores[group][:, None]
        box = (boxes[group] * weights).sum(axis=0) / weights.sum()
        kps = (points[group] * weights[:, :, None]).sum(axis=0) / weights.sum()
        faces.append((box, float(scores[order[0]]), kps))
        order = order[~overlap]
    return faces


class FaceDecoder:
    """The decoder with its thresholds as ``kwarg`` (``threshold``, ``iou``)."""

    def __init__(self, threshold: float = 0.5, iou: float = 0.3) -> None:
        self.threshold = threshold
        self.iou = iou

    def process_frame(self, frame) -> bool:
        """Adds a ``face`` region per detection; the raw output tensors stay on the frame."""
        layers = {t.layer_name(): t for t in frame.tensors()}
        if "regressors" not in layers or "classificators" not in layers:
            raise RuntimeError(
                "face_detection_decoder: expected the tensors 'regressors' and 'classificators' "
                f"from gvainference, found {sorted(k for k in layers if k)}"
            )
        faces = decode(
            layers["regressors"].data(),
            layers["classificators"].data(),
            self.threshold,
            self.iou,
        )
        for box, score, keypoints in faces:
            x0, y0, x1, y1 = np.clip(box, 0.0, 1.0).tolist()
            if x1 <= x0 or y1 <= y0:
                continue
            region = frame.add_region(
                x0,
                y0,
                x1 - x0,
                y1 - y0,
                label="face",
                confidence=score,
                normalized=True,
                extra_params={
                    name: [round(float(x), 4), round(float(y), 4)]
                    for name, (x, y) in zip(KEYPOINTS, keypoints, strict=True)
                },
            )
            add_landmarks(region, keypoints, (x0, y0, x1, y1))
        return True


def add_landmarks(region, keypoints: np.ndarray, box: tuple[float, ...]) -> None:
    """The keypoints as a tensor in DL Streamer's ``landmark_points`` format (what facial
    landmark models attach and ``gvawatermark`` draws as dots): FP32 ``(x, y)`` pairs relative
    to the region's box."""
    x0, y0, x1, y1 = box
    relative = (keypoints - (x0, y0)) / (x1 - x0, y1 - y0)
    tensor = region.add_tensor("landmarks")
    tensor["format"] = "landmark_points"
    tensor["precision"] = FP32
    tensor["dims"] = [len(KEYPOINTS), 2]
    tensor["data_buffer"] = relative.astype(np.float32).tobytes()
    tensor["point_names"] = list(KEYPOINTS)


_DEFAULT = FaceDecoder()


def process_frame(frame) -> bool:
    """``gvapython module=face_detection_decoder.py`` (the default function)."""
    return _DEFAULT.process_frame(frame)
