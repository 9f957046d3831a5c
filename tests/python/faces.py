"""What the Python tests share: the real inputs of the demo and sample tests, the face boxes
measured once, helpers.

The inputs come from ``cargo xtask setup`` (``xtask/src/assets.rs``): MediaPipe's short-range face
detector (the ``.tflite`` itself, which ``gvainference`` reads directly, no conversion) and
``carphone_pristine.mp4`` (120 frames, 176x144, one man's face in every frame).

``REFERENCE`` holds the face box at five frames, measured once, independently of gva-rs: the
frames decoded with GStreamer, resized to 128x128 with numpy (bilinear), scaled to [-1, 1] and run
through the ``.tflite`` in OpenVINO's Python API; the best anchor decoded by hand; each box then
drawn on its frame and checked by eye to sit on the face (forehead to chin, ear to ear).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gi
import numpy as np
import pytest

gi.require_version("Gst", "1.0")
from gi.repository import Gst

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
ASSETS = ROOT / "target" / "assets"
VIDEO = ASSETS / "carphone_pristine.mp4"
MODEL = ASSETS / "face_detection_short_range.tflite"
MODEL_PROC = SAMPLES / "model_procs" / "face_detection_short_range.json"
DECODER = SAMPLES / "face_detection_decoder.py"
# gst-launch-1.0 arguments up to the face regions: the demo video, the detector, its decoder
# (`… ! gvapython module=face_detection_decoder.py !`, the next element follows).
FACE_CHAIN = [
    "gst-launch-1.0",
    "-q",
    "filesrc",
    f"location={VIDEO}",
    "!",
    "decodebin",
    "!",
    "videoconvert",
    "!",
    "video/x-raw,format=BGRx",
    "!",
    "gvainference",
    f"model={MODEL}",
    f"model-proc={MODEL_PROC}",
    "!",
    "gvapython",
    f"module={DECODER}",
    "!",
]

FRAMES, WIDTH, HEIGHT = 120, 176, 144
REFERENCE = {
    0: (61, 47, 57, 47),
    30: (56, 48, 57, 47),
    60: (49, 44, 58, 47),
    90: (39, 51, 45, 37),
    119: (47, 46, 54, 44),
}
"""Frame index -> face box (x, y, w, h) in pixels."""
MIN_FACE_SHARE = 0.95
"""Faces must be found in at least this share of the frames."""
MIN_IOU = 0.5


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / (aw * ah + bw * bh - inter)


def require_assets() -> None:
    missing = [p for p in (VIDEO, MODEL) if not p.is_file()]
    if missing:
        pytest.fail(f"missing {', '.join(map(str, missing))}: run `cargo xtask setup`")


def environment() -> dict[str, str]:
    """This process's environment (hermetic under ``cargo xtask test``), with our plugin folder
    when run by hand."""
    env = dict(os.environ)
    env.setdefault("GST_PLUGIN_PATH", str(ROOT / "target" / "gstplugins"))
    return env


def run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """A command in the test environment; output captured as text."""
    return subprocess.run(
        args,
        check=False,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def run_python(script: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, str(script), *map(str, args)])


def end_message(description: str) -> Gst.Message | None:
    """The ERROR or EOS message that ends ``description`` played in this process (None if
    neither comes within 60 s); the pipeline is back in NULL after."""
    if not Gst.is_initialized():
        Gst.init(None)
    pipeline = Gst.parse_launch(description)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        return pipeline.get_bus().timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS
        )
    finally:
        pipeline.set_state(Gst.State.NULL)


def decode(description: str) -> list[np.ndarray]:
    """Frames ``[H, W, 3]`` (BGR) of ``description ! videoconvert ! appsink``."""
    if not Gst.is_initialized():
        Gst.init(None)
    pipeline = Gst.parse_launch(
        f"{description} ! videoconvert ! video/x-raw,format=BGRx "
        "! appsink name=sink sync=false max-buffers=0"
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    frames = []
    try:
        while (sample := sink.emit("pull-sample")) is not None:
            caps = sample.get_caps().get_structure(0)
            width, height = caps.get_value("width"), caps.get_value("height")
            buffer = sample.get_buffer()
            ok, info = buffer.map(Gst.MapFlags.READ)
            assert ok
            try:
                rows = np.frombuffer(info.data, np.uint8).reshape(height, -1)
                frames.append(
                    rows[:, : width * 4].reshape(height, width, 4)[:, :, :3].copy()
                )
            finally:
                buffer.unmap(info)
        message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        assert message is None, message.parse_error()
    finally:
        pipeline.set_state(Gst.State.NULL)
    return frames


def video_frames(path: Path) -> list[np.ndarray]:
    return decode(f"filesrc location={path} ! decodebin")


def png(path: Path) -> np.ndarray:
    (frame,) = decode(f"filesrc location={path} ! pngdec")
    return frame
