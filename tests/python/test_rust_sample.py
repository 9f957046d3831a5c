"""The Rust port of the face samples (``samples/rust``: ``rsfacedecoder``, ``rsfacelogger``,
loaded from ``GST_PLUGIN_PATH``) against the Python originals in ``gvapython``, on the same frames.

One pipeline per case: the frames are split by a ``tee`` into a Python branch
(``gvapython module=samples/face_detection_decoder.py`` + ``face_logger.py``) and a Rust branch
(``rsfacedecoder`` + ``rsfacelogger``), each followed by ``gvametaconvert ! gvametapublish`` and an
appsink. Required: every frame's regions and tensors identical (every field of every structure,
floats compared bit for bit, and each region's structures as GStreamer serializes them, types
included), identical log files, identical JSON lines (but for ``region_id``, a process-wide
sequence number). The frames are the real demo video through the real detector,
then synthetic detector outputs made to reach the decoders' corners (``synthetic_anchors.py``).
"""

from __future__ import annotations

import ctypes
import json
import math
from pathlib import Path

import pytest
from faces import (
    DECODER,
    FRAMES,
    MIN_FACE_SHARE,
    MIN_IOU,
    MODEL,
    MODEL_PROC,
    REFERENCE,
    SAMPLES,
    VIDEO,
    Gst,
    end_message,
    iou,
    require_assets,
)
from gstgva import VideoFrame
from synthetic_anchors import decoder

pytestmark = pytest.mark.timeout(120, method="thread")
Gst.init(None)

LOGGER = SAMPLES / "face_logger.py"
SYNTHETIC = Path(__file__).resolve().parent / "synthetic_anchors.py"
BRANCHES = ("python", "rust")


def exact(value: object) -> object:
    """A structure value in a form that compares bit for bit (floats as hex: -0.0 and NaN
    included)."""
    if isinstance(value, float):
        return value.hex()
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    return value


def structure(tensor) -> tuple[str, list[tuple[str, object]]]:
    """Name and every field of a structure, in stored order."""
    return tensor.name(), [(key, exact(tensor[key])) for key in tensor.fields()]


class _GList(ctypes.Structure):
    _fields_ = (
        ("data", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("prev", ctypes.c_void_p),
    )


class _RoiMeta(ctypes.Structure):
    """``GstVideoRegionOfInterestMeta`` (GStreamer 1.22), as far as ``params``."""

    _fields_ = (
        ("flags", ctypes.c_int),
        ("info", ctypes.c_void_p),
        ("roi_type", ctypes.c_uint32),
        ("id", ctypes.c_int),
        ("parent_id", ctypes.c_int),
        ("x", ctypes.c_uint),
        ("y", ctypes.c_uint),
        ("w", ctypes.c_uint),
        ("h", ctypes.c_uint),
        ("params", ctypes.c_void_p),
    )


_gst = ctypes.CDLL("libgstreamer-1.0.so.0")
_gst.gst_structure_to_string.argtypes = (ctypes.c_void_p,)
_gst.gst_structure_to_string.restype = ctypes.c_void_p
_glib = ctypes.CDLL("libglib-2.0.so.0")
_glib.g_free.argtypes = (ctypes.c_void_p,)


def serialized_params(region) -> list[str]:
    """The region's parameter structures as GStreamer serializes them: names, field order,
    GTypes (``int`` vs ``uint``, ``double``) and values (doubles to 17 digits)."""
    texts = []
    node = _RoiMeta.from_address(region.meta()).params
    while node:
        item = _GList.from_address(node)
        text = _gst.gst_structure_to_string(item.data)
        texts.append(ctypes.string_at(text).decode())
        _glib.g_free(text)
        node = item.next
    return texts


def frame_metadata(sample: Gst.Sample) -> dict:
    """Everything the decoder can have changed on a frame, except region ids."""
    frame = VideoFrame(sample.get_buffer(), caps=sample.get_caps())
    return {
        "regions": [
            {
                "rect": tuple(region.rect()),
                "label": region.label(),
                "structures": [structure(t) for t in region.tensors()],
                "serialized": serialized_params(region),
            }
            for region in frame.regions()
        ],
        "tensors": [structure(t) for t in frame.tensors()],
    }


def branch(name: str) -> str:
    decoder, logger = (
        ("gvapython", "gvapython")
        if name == "python"
        else ("rsfacedecoder", "rsfacelogger")
    )
    return (
        f"t. ! queue ! {decoder} name={name}_decoder ! {logger} name={name}_logger "
        f"! gvametaconvert add-empty-results=true "
        f"! gvametapublish method=file file-format=json-lines name={name}_publish "
        f"! appsink name={name} sync=false max-buffers=0 wait-on-eos=false"
    )


def run_both(source: str, properties: dict[str, dict[str, object]], tmp: Path) -> dict:
    """Runs ``source ! tee`` into both branches, with ``properties`` set by element name
    (``python_decoder``, ``rust_logger``, …); per branch: the frames' metadata, the log file
    (``tmp/<branch>.log``) and the JSON lines."""
    pipeline = Gst.parse_launch(
        f"{source} ! tee name=t " + " ".join(branch(name) for name in BRANCHES)
    )
    for element, props in properties.items():
        for key, value in props.items():
            pipeline.get_by_name(element).set_property(key, value)
    for name in BRANCHES:
        pipeline.get_by_name(f"{name}_publish").set_property(
            "file-path", str(tmp / f"{name}.jsonl")
        )
    pipeline.set_state(Gst.State.PLAYING)
    try:
        message = pipeline.get_bus().timed_pop_filtered(
            90 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS
        )
        assert message is not None, "the pipeline did not finish"
        assert message.type == Gst.MessageType.EOS, message.parse_error()
        outputs = {}
        for name in BRANCHES:
            sink = pipeline.get_by_name(name)
            frames = []
            while (sample := sink.emit("try-pull-sample", 0)) is not None:
                frames.append(frame_metadata(sample))
            outputs[name] = frames
    finally:
        pipeline.set_state(Gst.State.NULL)
    results = {}
    for name in BRANCHES:
        lines = (tmp / f"{name}.jsonl").read_text().splitlines()
        records = [json.loads(line) for line in lines]
        for record in records:
            for obj in record.get("objects", []):
                obj.pop("region_id")
        results[name] = (outputs[name], (tmp / f"{name}.log").read_bytes(), records)
    return results


def loggers(tmp: Path, min_confidence: float = 0.6) -> dict[str, dict[str, object]]:
    """The Python class with its kwarg, and the Rust element with the same properties."""
    kwarg = {"log_file": str(tmp / "python.log"), "min_confidence": min_confidence}
    return {
        "python_logger": {
            "module": str(LOGGER),
            "class": "FaceLogger",
            "kwarg": json.dumps(kwarg),
        },
        "rust_logger": {
            "log-file": str(tmp / "rust.log"),
            "min-confidence": min_confidence,
        },
    }


def assert_identical(results: dict, frames: int) -> None:
    (py_frames, py_log, py_json), (rs_frames, rs_log, rs_json) = (
        results["python"],
        results["rust"],
    )
    assert len(py_frames) == len(rs_frames) == frames
    for index, (py, rs) in enumerate(zip(py_frames, rs_frames, strict=True)):
        assert rs == py, f"frame {index}"
    assert rs_log == py_log
    assert len(py_log.splitlines()) == frames
    assert rs_json == py_json
    assert len(py_json) == frames


def test_rust_port_matches_python_on_the_demo_video(tmp_path: Path) -> None:
    require_assets()
    source = (
        f"filesrc location={VIDEO} ! decodebin ! videoconvert ! video/x-raw,format=BGRx "
        f"! gvainference model={MODEL} model-proc={MODEL_PROC}"
    )
    properties = {"python_decoder": {"module": str(DECODER)}, **loggers(tmp_path)}
    results = run_both(source, properties, tmp_path)
    assert_identical(results, FRAMES)

    # Not two empty outputs: the faces are found, where the face is.
    frames = results["rust"][0]
    faces = [[r for r in f["regions"] if r["label"] == "face"] for f in frames]
    assert sum(1 for f in faces if f) >= MIN_FACE_SHARE * FRAMES
    for index, reference in REFERENCE.items():
        assert iou(faces[index][0]["rect"], reference) >= MIN_IOU, index
    assert [name for name, _ in faces[0][0]["structures"]] == ["detection", "landmarks"]
    first = faces[0][0]["structures"][0]
    keys = [key for key, _ in first[1]]
    assert keys == [
        "confidence",
        "x_min",
        "x_max",
        "y_min",
        "y_max",
        "extra_params_json",
    ]
    landmarks = json.loads(dict(first[1])["extra_params_json"])
    assert tuple(landmarks) == decoder.KEYPOINTS
    assert results["rust"][1].startswith(b"frame=0 faces=1 face=61,47,56,46@0.88\n")


SYNTHETIC_FRAMES = 30


def test_rust_port_matches_python_on_synthetic_detector_outputs(tmp_path: Path) -> None:
    threshold, overlap = 0.6, 0.4
    source = (
        f"videotestsrc num-buffers={SYNTHETIC_FRAMES} "
        "! video/x-raw,format=BGRx,width=176,height=144 ! gvapython name=feeder"
    )
    properties = {
        "feeder": {
            "module": str(SYNTHETIC),
            "class": "SyntheticAnchors",
            "kwarg": json.dumps({"seed": 17}),
        },
        "python_decoder": {
            "module": str(DECODER),
            "class": "FaceDecoder",
            "kwarg": json.dumps({"threshold": threshold, "iou": overlap}),
        },
        "rust_decoder": {"threshold": threshold, "iou": overlap},
        **loggers(tmp_path),
    }
    results = run_both(source, properties, tmp_path)
    assert_identical(results, SYNTHETIC_FRAMES)

    # The corners were reached: many regions on some frames, none on others, landmarks outside
    # the frame, NaN and infinite ones, a region clipped at the frame's border.
    counts = [len(f["regions"]) for f in results["rust"][0]]
    assert 0 in counts and max(counts) >= 10
    extra = [
        json.loads(dict(r["structures"][0][1])["extra_params_json"])
        for f in results["rust"][0]
        for r in f["regions"]
    ]
    points = [v for e in extra for xy in e.values() for v in xy]
    assert any(math.isnan(v) for v in points) and any(math.isinf(v) for v in points)
    assert any(v < 0 for v in points) and any(v > 1 for v in points)
    assert any(r["rect"][0] == 0 for f in results["rust"][0] for r in f["regions"])


def test_rust_decoder_without_inference_tensors_fails_with_the_python_message() -> None:
    message = end_message(
        "videotestsrc num-buffers=2 ! video/x-raw,format=BGRx,width=64,height=64 "
        "! rsfacedecoder ! fakesink"
    )
    assert message is not None and message.type == Gst.MessageType.ERROR
    error, _ = message.parse_error()
    assert error.message == (
        "face_detection_decoder: expected the tensors 'regressors' and 'classificators' "
        "from gvainference, found []"
    )


def test_rust_logger_without_log_file_fails_at_start() -> None:
    pipeline = Gst.parse_launch(
        "videotestsrc num-buffers=2 ! video/x-raw,format=BGRx,width=64,height=64 "
        "! rsfacelogger ! fakesink"
    )
    try:
        assert pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE
        message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
    finally:
        pipeline.set_state(Gst.State.NULL)
    assert message is not None
    error, _ = message.parse_error()
    assert "property 'log-file' is not set" in error.message
