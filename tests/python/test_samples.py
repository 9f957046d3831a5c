"""The samples in ``samples/``, end to end on the real model and video (see ``faces.py``).

* ``face_detection_decoder.py`` (gvapython post-processing module): the anchor decoding on
  arrays with known answers, and its error when the tensors are missing;
* ``face_logger.py`` (gvapython class with ``kwarg``), in ``gst-launch-1.0`` after gvainference
  and the decoder: the log file's contents;
* ``draw_face_attributes.py`` (PyGObject application, pad probe, OpenCV on ``frame.data()``):
  every pixel of every frame it wrote, against the same OpenCV calls on the decoded video.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest
from faces import (
    DECODER,
    FACE_CHAIN,
    FRAMES,
    HEIGHT,
    MIN_FACE_SHARE,
    MIN_IOU,
    REFERENCE,
    SAMPLES,
    VIDEO,
    WIDTH,
    Gst,
    end_message,
    iou,
    png,
    require_assets,
    run,
    run_python,
    video_frames,
)

pytestmark = pytest.mark.timeout(120, method="thread")


def load_decoder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("face_detection_decoder", DECODER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


decoder = load_decoder()


# --- the decoder on arrays ------------------------------------------------------------------


def test_anchors_follow_mediapipe_order() -> None:
    anchors = decoder.ANCHORS
    assert anchors.shape == (896, 2)
    # 16x16 grid, 2 anchors per cell, row-major; then the 8x8 grid, 6 per cell.
    np.testing.assert_allclose(anchors[0], anchors[1])
    np.testing.assert_allclose(anchors[0], [0.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[2], [1.5 / 16, 0.5 / 16])
    np.testing.assert_allclose(anchors[32], [0.5 / 16, 1.5 / 16])
    np.testing.assert_allclose(anchors[511], [15.5 / 16, 15.5 / 16])
    np.testing.assert_allclose(anchors[512:518], [[0.5 / 8, 0.5 / 8]] * 6)
    np.testing.assert_allclose(anchors[518], [1.5 / 8, 0.5 / 8])
    np.testing.assert_allclose(anchors[895], [7.5 / 8, 7.5 / 8])


def outputs(*faces: tuple[int, float, float, float, float, float]):
    """Regressors and logits with a candidate per (anchor, dx, dy, w, h, logit), in pixels of
    the 128x128 input; every other anchor scores sigmoid(-10)."""
    regressors = np.zeros((1, 896, 16), np.float32)
    logits = np.full((1, 896, 1), -10.0, np.float32)
    for anchor, dx, dy, w, h, logit in faces:
        regressors[0, anchor, :4] = (dx, dy, w, h)
        regressors[0, anchor, 4:6] = (dx, dy)  # first landmark at the box centre
        logits[0, anchor, 0] = logit
    return regressors.ravel(), logits.ravel()


def test_decode_recovers_a_box_relative_to_its_anchor() -> None:
    anchor = 512 + 6 * (8 * 3 + 4)  # 8x8 grid, row 3, column 4: centre (4.5/8, 3.5/8)
    ((box, score, points),) = decoder.decode(
        *outputs((anchor, 6.4, -12.8, 32, 16, 2.0))
    )
    cx, cy = 4.5 / 8 + 0.05, 3.5 / 8 - 0.1
    np.testing.assert_allclose(
        box, [cx - 0.125, cy - 0.0625, cx + 0.125, cy + 0.0625], atol=1e-6
    )
    assert score == pytest.approx(1 / (1 + np.exp(-2.0)))
    np.testing.assert_allclose(points[0], [cx, cy], atol=1e-6)
    assert points.shape == (6, 2)


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces() -> None:
    a = 512 + 6 * (8 * 3 + 4)
    far = 2 * (16 * 2 + 2)  # 16x16 grid, row 2, column 2
    faces = decoder.decode(
        *outputs(
            (a, 0, 0, 32, 32, 3.0),
            (
                a + 1,
                4,
                0,
                32,
                32,
                1.0,
            ),  # same anchor centre, box shifted by 4 px: merged
            (far, 0, 0, 16, 16, 0.5),
        )
    )
    assert len(faces) == 2
    (merged, best, _), (single, other, _) = faces
    w3, w1 = 1 / (1 + np.exp(-3.0)), 1 / (1 + np.exp(-1.0))
    shift = 4 / 128 * w1 / (w3 + w1)
    cx, cy = 4.5 / 8 + shift, 3.5 / 8
    np.testing.assert_allclose(
        merged, [cx - 0.125, cy - 0.125, cx + 0.125, cy + 0.125], atol=1e-6
    )
    assert best == pytest.approx(w3)  # the best candidate's score, not an average
    np.testing.assert_allclose(
        single,
        [2.5 / 16 - 1 / 16, 2.5 / 16 - 1 / 16, 2.5 / 16 + 1 / 16, 2.5 / 16 + 1 / 16],
        atol=1e-6,
    )
    assert other == pytest.approx(1 / (1 + np.exp(-0.5)))


def test_threshold_and_class_kwargs() -> None:
    regressors, logits = outputs((600, 0, 0, 20, 20, 0.5))  # score 0.62
    assert len(decoder.decode(regressors, logits)) == 1
    assert decoder.decode(regressors, logits, threshold=0.7) == []
    assert decoder.FaceDecoder(threshold=0.7).threshold == 0.7
    assert decoder.decode(*outputs()) == []


def test_decoder_without_inference_tensors_fails_with_a_clear_error() -> None:
    # In this process: gst-launch-1.0 (1.22) itself hangs now and then when an element fails
    # during preroll (also with `identity error-after=1`).
    message = end_message(
        "videotestsrc num-buffers=2 ! video/x-raw,format=BGRx,width=64,height=64 "
        f"! gvapython module={DECODER} ! fakesink"
    )
    assert message is not None and message.type == Gst.MessageType.ERROR
    error, debug = message.parse_error()
    text = error.message + (debug or "")
    assert (
        "expected the tensors 'regressors' and 'classificators' from gvainference"
        in text
    )


# --- face_logger.py in gst-launch-1.0 ---------------------------------------------------------

LINE = re.compile(r"frame=(\d+) faces=(\d+)((?: face=\d+,\d+,\d+,\d+@[01]\.\d\d)*)$")


def parse_log(path: Path) -> list[list[tuple[tuple[int, ...], float]]]:
    """Per line: [(box, confidence), …]; checks the format and the frame numbers."""
    frames = []
    for index, line in enumerate(path.read_text().splitlines()):
        match = LINE.match(line)
        assert match, f"line {index}: {line!r}"
        assert int(match[1]) == index
        faces = []
        for item in match[3].split():
            box, confidence = item.removeprefix("face=").split("@")
            faces.append((tuple(int(v) for v in box.split(",")), float(confidence)))
        assert int(match[2]) == len(faces)
        frames.append(faces)
    return frames


def test_logger_class_with_kwarg_in_gst_launch(tmp_path: Path) -> None:
    require_assets()
    log, strict_log = tmp_path / "faces.log", tmp_path / "strict.log"
    kwarg = json.dumps({"log_file": str(log), "min_confidence": 0.6})
    strict = json.dumps({"log_file": str(strict_log), "min_confidence": 0.999})
    result = run(
        [
            *FACE_CHAIN,
            "gvapython",
            f"module={SAMPLES / 'face_logger.py'}",
            "class=FaceLogger",
            f"kwarg={kwarg}",
            "!",
            "gvapython",
            f"module={SAMPLES / 'face_logger.py'}",
            "class=FaceLogger",
            f"kwarg={strict}",
            "!",
            "fakesink",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr

    frames = parse_log(log)
    assert len(frames) == FRAMES
    with_face = sum(1 for faces in frames if faces)
    assert with_face >= MIN_FACE_SHARE * FRAMES, (
        f"faces in {with_face} of {FRAMES} frames"
    )
    assert all(0.6 <= c <= 1.0 for faces in frames for _, c in faces)
    for index, reference in REFERENCE.items():
        best = max(frames[index], key=lambda f: f[1])[0]
        assert iou(best, reference) >= MIN_IOU, (index, best, reference)

    # The second instance got its own kwarg: nothing reaches 0.999.
    strict_frames = parse_log(strict_log)
    assert len(strict_frames) == FRAMES
    assert not any(strict_frames)


# --- draw_face_attributes.py: a pad probe drawing with OpenCV -------------------------------


def drawn_by_opencv(original: np.ndarray, faces: list[dict]) -> np.ndarray:
    """The oracle: the sample's OpenCV calls (as DL Streamer's sample makes them) on a copy of
    the decoded frame, with the regions of its JSON record."""
    out = original.copy()
    for face in faces:
        x, y, w, h = face["x"], face["y"], face["w"], face["h"]
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 255, 0), 2)
        for px, py in face["extra_params"].values():
            centre = (int(px * WIDTH), int(py * HEIGHT))
            cv2.circle(out, centre, int(1 + 0.02 * w), (255, 0, 0), -1)
        label = f"{int(face['detection']['confidence'] * 100)}%"
        cv2.putText(
            out, label, (x, y + h + 30), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2
        )
    return out


def test_probe_application_draws_with_opencv_on_the_faces(tmp_path: Path) -> None:
    require_assets()
    result = run_python(SAMPLES / "draw_face_attributes.py", "--output", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr  # a failing probe drops frames
    assert f"{FRAMES} frames in {tmp_path}" in result.stdout
    pngs = sorted(tmp_path.glob("frame_*.png"))
    records = [
        json.loads(line) for line in (tmp_path / "faces.jsonl").read_text().splitlines()
    ]
    assert len(pngs) == len(records) == FRAMES

    originals = video_frames(VIDEO)
    with_face = 0
    for index, (original, record, path) in enumerate(
        zip(originals, records, pngs, strict=True)
    ):
        faces = [o for o in record["objects"] if o.get("roi_type") == "face"]
        with_face += bool(faces)
        expected = drawn_by_opencv(original, faces)
        if faces:
            assert (expected != original).any(axis=2).sum() > 500
        # PNG is lossless: every pixel is the video's or what OpenCV drew, exactly
        np.testing.assert_array_equal(png(path), expected, err_msg=f"frame {index}")
        if index in REFERENCE:
            best = max(faces, key=lambda f: f["detection"]["confidence"])
            box = (best["x"], best["y"], best["w"], best["h"])
            assert iou(box, REFERENCE[index]) >= MIN_IOU, (index, box)
    assert with_face >= MIN_FACE_SHARE * FRAMES, f"faces in {with_face} of {FRAMES} frames"
