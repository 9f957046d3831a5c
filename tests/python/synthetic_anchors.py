"""gvapython module for ``test_rust_sample.py``: attaches made-up outputs of the face detector.

Each frame gets the two tensors ``gvainference`` attaches for MediaPipe's short-range face
detector (``regressors`` ``[1, 896, 16]``, ``classificators`` ``[1, 896, 1]``), drawn from a seeded
generator so that the decoders meet what real frames rarely show: no candidate, a few, dozens in
overlapping clusters, 400 in one cluster (numpy's pairwise sum then recurses), boxes of zero or
negative size, boxes and landmarks outside the frame, NaN and infinite landmarks, blobs in float16 and
float64 instead of float32, and candidates with equal scores.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

_spec = importlib.util.spec_from_file_location(
    "face_detection_decoder",
    Path(__file__).resolve().parents[2] / "samples" / "face_detection_decoder.py",
)
assert _spec is not None and _spec.loader is not None
decoder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(decoder)

ANCHORS = len(decoder.ANCHORS)
FP16, FP32, FP64 = 11, 10, 13
"""DL Streamer's precision codes."""
CANDIDATES = (0, 12, 60, 400, 25)
"""Candidates per frame, in turn."""


class SyntheticAnchors:
    """``kwarg``: ``seed``."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.frames = 0

    def outputs(self, dtype: type) -> tuple[np.ndarray, np.ndarray]:
        """Regressors and logits for the next frame, as arrays of ``dtype``."""
        rng = self.rng
        count = CANDIDATES[self.frames % len(CANDIDATES)]
        regressors = rng.normal(0.0, 3.0, (ANCHORS, 16))
        logits = rng.uniform(-12.0, -1.5, ANCHORS).astype(dtype)
        picked = rng.choice(ANCHORS, count, replace=False)
        clusters = rng.uniform(-10.0, 138.0, (1 if count > 100 else 4, 2))
        centre_px = decoder.ANCHORS[picked] * decoder.INPUT_SIZE
        target = clusters[rng.integers(0, len(clusters), count)] + rng.normal(
            0.0, 3.0, (count, 2)
        )
        regressors[picked, 0:2] = target - centre_px
        regressors[picked, 2:4] = rng.uniform(-4.0, 60.0, (count, 2))
        regressors[picked, 4:16] = rng.uniform(-40.0, 40.0, (count, 12))
        if count:
            regressors[picked[0], 2:4] = 0.0  # a box of zero size
            regressors[picked[-1], 6] = np.nan  # a landmark that is not a number
            regressors[picked[-1], 7] = np.inf  # and one infinitely far
        logits[picked] = rng.uniform(-0.5, 9.0, count)
        # Equal scores: a third of the candidates take another candidate's logit.
        tied = picked[: count // 3]
        logits[tied] = logits[rng.choice(picked, tied.size)]
        return regressors.astype(dtype), logits

    def process_frame(self, frame) -> bool:
        precision = (FP32, FP16, FP64)[self.frames % 3]
        dtype = {FP32: np.float32, FP16: np.float16, FP64: np.float64}[precision]
        regressors, logits = self.outputs(dtype)
        for name, values, dims in (
            ("regressors", regressors, [1, ANCHORS, 16]),
            ("classificators", logits, [1, ANCHORS, 1]),
        ):
            tensor = frame.add_tensor()
            tensor["layer_name"] = name
            tensor["precision"] = precision
            tensor["dims"] = dims
            tensor["data_buffer"] = values.tobytes()
        self.frames += 1
        return True
