"""``samples/age_logger.py`` end to end in ``gst-launch-1.0``, in the chain of DL Streamer's
``face_detection_and_classification`` sample, on the real face detector and video (``faces.py``).

That chain classifies every face with ``age-gender-recognition-retail-0013`` and renames its
``age_conv3`` output with ``age_gender_classification.py``. No age model ships with the demo, so a
real classifier runs in its place — the test model ``classifier`` (``cargo xtask models``: the
share of each colour channel in the region, output ``prob``) through the same
``gvainference inference-region=roi-list`` — and the naming module below does to its output what
``age_gender_classification.py`` does to ``age_conv3``: label ``str(int(data[0] * 100))``, name
``age``. The logger then sees exactly the tensors DL Streamer's chain gives it.

The log is written through Python's buffer and closed in ``AgeLogger.__del__``: it is complete only
because ``gst-launch-1.0`` disposes the pipeline at exit and gvapython releases the instance then.
``gvametaconvert add-tensor-data=true`` records the same tensors downstream; the log must hold
every face's age of every frame, in order, as recomputed from those tensors' data.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from faces import (
    FACE_CHAIN,
    FRAMES,
    MIN_FACE_SHARE,
    SAMPLES,
    require_assets,
    run,
)

MODELS = Path(__file__).resolve().parents[2] / "target" / "models"
CLASSIFIER = MODELS / "classifier.xml"
pytestmark = pytest.mark.timeout(180, method="thread")

# DL Streamer's age_gender_classification.py, for the stand-in classifier's output layer.
NAMING = """
from gstgva import VideoFrame

AGE_LAYER = "prob"  # the stand-in classifier's output, in the place of "age_conv3"


def process_frame(frame: VideoFrame) -> bool:
    for roi in frame.regions():
        for tensor in roi.tensors():
            if tensor.name() == "detection":
                continue
            layer_name = tensor.layer_name()
            data = tensor.data()
            if AGE_LAYER == layer_name:
                tensor.set_label(str(int(data[0] * 100)))
                tensor.set_name("age")
                continue
    return True
"""


def test_age_logger_logs_every_face_age_in_gst_launch(tmp_path: Path) -> None:
    require_assets()
    if not CLASSIFIER.is_file():
        pytest.fail(f"missing {CLASSIFIER}: run `cargo xtask models`")
    naming = tmp_path / "age_gender_classification.py"
    naming.write_text(textwrap.dedent(NAMING))
    log, records = tmp_path / "age_log.txt", tmp_path / "records.jsonl"
    log.write_text("earlier run\n")  # the log is appended to, as DL Streamer's is
    kwarg = json.dumps({"log_file_path": str(log)})
    result = run(
        [
            *FACE_CHAIN,
            "gvainference",
            "inference-region=roi-list",
            f"model={CLASSIFIER}",
            "!",
            "gvapython",
            f"module={naming}",
            "!",
            "gvapython",
            f"module={SAMPLES / 'age_logger.py'}",
            "class=AgeLogger",
            "function=log_age",
            f"kwarg={kwarg}",
            "!",
            "gvametaconvert",
            "add-tensor-data=true",
            "add-empty-results=true",
            "!",
            "gvametapublish",
            "file-format=json-lines",
            f"file-path={records}",
            "!",
            "fakesink",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr

    frames = [json.loads(line) for line in records.read_text().splitlines()]
    assert len(frames) == FRAMES
    expected = []
    with_face = 0
    for frame in frames:
        faces = frame.get("objects", [])
        with_face += bool(faces)
        for face in faces:
            (age,) = [t for t in face["tensors"] if t["name"] == "age"]
            assert age["layer_name"] == "prob"
            assert age["label"] == str(int(age["data"][0] * 100))
            expected.append(age["label"])
    assert with_face >= MIN_FACE_SHARE * FRAMES
    assert log.read_text().splitlines() == ["earlier run", *expected]
