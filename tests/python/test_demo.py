"""The main job, ``cargo xtask demo``: ``samples/face_detection_demo.py`` on the real video.

Runs the demo once (as ``cargo xtask demo`` does, in its own process) into a temporary folder and
asserts its results: a face in (nearly) every frame, the boxes on the face (``faces.REFERENCE``),
one valid JSON line per frame with DL Streamer's keys, the same ``gvatrack`` id on the face in
every frame, an annotated video with the boxes (in the id's colour) and the face's keypoints
drawn.
Then the errors a user meets: a missing ``--input``, a file that is not a video.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from faces import (
    FRAMES,
    HEIGHT,
    MIN_FACE_SHARE,
    MIN_IOU,
    REFERENCE,
    SAMPLES,
    VIDEO,
    WIDTH,
    iou,
    require_assets,
    run_python,
    video_frames,
)

DEMO = SAMPLES / "face_detection_demo.py"
pytestmark = pytest.mark.timeout(120, method="thread")


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    require_assets()
    out = tmp_path_factory.mktemp("demo")
    result = run_python(DEMO, "--output", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, out


@pytest.fixture(scope="module")
def records(demo: tuple[subprocess.CompletedProcess[str], Path]) -> list[dict]:
    _, out = demo
    lines = (out / "faces.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def faces_in(record: dict) -> list[dict]:
    return [o for o in record.get("objects", []) if o.get("roi_type") == "face"]


def test_summary_reports_frames_faces_speed_and_outputs(demo) -> None:
    result, out = demo
    text = result.stdout
    assert re.search(rf"^  frames:\s+{FRAMES}$", text, re.MULTILINE), text
    found = re.search(r"a face in (\d+) of (\d+) frames", text)
    assert found and int(found[2]) == FRAMES, text
    assert int(found[1]) >= MIN_FACE_SHARE * FRAMES, text
    assert re.search(r"speed:\s+[\d.]+ FPS", text), text
    assert str(out / "faces.webm") in text
    assert f"{out / 'faces.jsonl'} ({FRAMES} lines" in text
    # gvafpscounter's own report (DL Streamer's format) is in the output too.
    assert re.search(
        r"FpsCounter\((average|overall) [\d.]+sec\): total=[\d.]+ fps", text
    ), text


def test_one_json_line_per_frame_with_dl_streamer_keys(records) -> None:
    assert len(records) == FRAMES
    timestamps = []
    for record in records:
        assert record["resolution"] == {"width": WIDTH, "height": HEIGHT}
        timestamps.append(record["timestamp"])
        for face in faces_in(record):
            detection = face["detection"]
            assert detection["label"] == "face"
            assert 0.5 <= detection["confidence"] <= 1.0
            box = detection["bounding_box"]
            assert 0 <= box["x_min"] < box["x_max"] <= 1
            assert 0 <= box["y_min"] < box["y_max"] <= 1
            assert {"x", "y", "w", "h", "region_id"} <= face.keys()
            # Pixels and normalized box agree.
            assert face["x"] == pytest.approx(box["x_min"] * WIDTH, abs=1.5)
            assert face["w"] == pytest.approx(
                (box["x_max"] - box["x_min"]) * WIDTH, abs=1.5
            )
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == FRAMES


def test_a_face_in_nearly_every_frame_on_the_measured_box(records) -> None:
    with_face = sum(1 for r in records if faces_in(r))
    assert with_face >= MIN_FACE_SHARE * FRAMES, (
        f"faces in {with_face} of {FRAMES} frames"
    )
    # One man in the video: non-maximum suppression leaves one box per frame.
    assert max(len(faces_in(r)) for r in records) == 1
    for index, reference in REFERENCE.items():
        best = max(faces_in(records[index]), key=lambda o: o["detection"]["confidence"])
        box = (best["x"], best["y"], best["w"], best["h"])
        assert iou(box, reference) >= MIN_IOU, (index, box, reference)


def test_annotated_video_has_the_boxes_drawn(demo, records) -> None:
    _, out = demo
    annotated = video_frames(out / "faces.webm")
    assert len(annotated) == FRAMES
    assert annotated[0].shape == (HEIGHT, WIDTH, 3)
    originals = video_frames(VIDEO)
    for index in REFERENCE:
        diff = np.abs(annotated[index].astype(int) - originals[index].astype(int)).max(
            axis=2
        )
        face = max(faces_in(records[index]), key=lambda o: o["detection"]["confidence"])
        x, y, w, h = face["x"], face["y"], face["w"], face["h"]
        # Each side of the region's box: the strongest line within 2 px of it differs from the
        # video all along (gvawatermark's 2 px rectangle; VP8 blurs it a little).
        sides = {
            "top": [diff[r, x + 2 : x + w - 2].mean() for r in range(y - 2, y + 3)],
            "bottom": [
                diff[r, x + 2 : x + w - 2].mean() for r in range(y + h - 3, y + h + 2)
            ],
            "left": [diff[y + 2 : y + h - 2, c].mean() for c in range(x - 2, x + 3)],
            "right": [
                diff[y + 2 : y + h - 2, c].mean() for c in range(x + w - 3, x + w + 2)
            ],
        }
        for side, lines in sides.items():
            assert max(lines) > 40, (index, side, lines)
        # Far from the box and its label (bottom left, the seat): only the codec's differences.
        assert np.median(diff[100:140, 0:40]) < 10, index


def test_the_face_keeps_one_tracking_id_on_every_frame(demo, records) -> None:
    result, _ = demo
    ids = [[face.get("id") for face in faces_in(record)] for record in records]
    # gvatrack's first id is 1; one man, one id, on every frame he is found in.
    assert all(frame_ids == [1] for frame_ids in ids if frame_ids), ids
    assert sum(1 for frame_ids in ids if frame_ids) >= MIN_FACE_SHARE * FRAMES
    assert "  tracked: 1 distinct face id(s) from gvatrack (1)" in result.stdout


def test_the_watermark_shows_the_id_and_the_keypoints(demo, records) -> None:
    _, out = demo
    annotated = video_frames(out / "faces.webm")
    originals = video_frames(VIDEO)
    for index in REFERENCE:
        (face,) = faces_in(records[index])
        x, y, w = face["x"], face["y"], face["w"]
        # A tracked box takes the colour of its id in DL Streamer's table: 1 is green (by the
        # detection's label_id, 0, it would be red). VP8 blurs it a little.
        b, g, r = (
            annotated[index][y : y + 2, x + 2 : x + w - 2].reshape(-1, 3).mean(axis=0)
        )
        assert g > 150 and r < 100 and b < 100, (index, (b, g, r))
        # The six keypoints (the decoder's landmark_points tensor) are dots: at each keypoint
        # (from the JSON's extra_params) the picture differs from the video.
        diff = np.abs(annotated[index].astype(int) - originals[index].astype(int)).max(
            axis=2
        )
        for name, (kx, ky) in face["extra_params"].items():
            px, py = int(kx * WIDTH), int(ky * HEIGHT)
            near = diff[max(py - 1, 0) : py + 2, max(px - 1, 0) : px + 2]
            assert near.max() > 50, (index, name, near)


def test_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-video.mp4"
    result = run_python(DEMO, "--input", missing, "--output", tmp_path / "out")
    assert result.returncode == 1
    assert f"demo: --input {missing}: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_input_and_output_paths_with_spaces_and_quotes(tmp_path: Path) -> None:
    require_assets()
    folder = tmp_path / "my videos"
    folder.mkdir()
    video = folder / 'it\'s "carphone".mp4'
    shutil.copyfile(VIDEO, video)
    result = run_python(DEMO, "--input", video, "--output", folder / "out put")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"^  frames:\s+{FRAMES}$", result.stdout, re.MULTILINE), (
        result.stdout
    )
    assert len((folder / "out put" / "faces.jsonl").read_text().splitlines()) == FRAMES


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video\n" * 100)
    result = run_python(DEMO, "--input", text, "--output", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.startswith("demo: error from"), result.stderr
    assert "Traceback" not in result.stderr
