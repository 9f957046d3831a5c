"""A PyGObject application that draws on the frames itself, in a pad probe, with numpy.

The shape of DL Streamer's ``draw_face_attributes`` sample: the pipeline detects faces, and a
probe on a pad downstream reads each frame's regions through ``gstgva`` and paints its own
overlay into the pixels (DL Streamer uses OpenCV; plain numpy slicing does it here):

* a green box around each face (2 pixels wide),
* a bar above the box, as long as the box is wide times the detection's confidence (yellow),
* the six landmarks the decoder stored in the detection's ``extra_params_json`` (red dots).

Pipeline::

    filesrc ! decodebin ! videoconvert ! video/x-raw,format=BGRx
      ! gvainference model=... model-proc=...  ! gvapython module=face_detection_decoder.py
      ! videoconvert name=overlay   <- the probe draws on the buffers entering this pad
      ! pngenc ! multifilesink location=OUTPUT/frame_%05d.png

Run: ``.venv/bin/python samples/draw_face_attributes.py --output target/faces-drawn`` in the
environment of ``cargo xtask env``; the PNG frames land in the output folder.
"""

from __future__ import annotations

# libgcc's unwinder first, before PyGObject loads GStreamer (see README.md: OpenVINO aborts
# otherwise).
import ctypes

ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)

import argparse
import json
import sys
from pathlib import Path

import gi
import numpy as np

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst
from gstgva import VideoFrame
from gstgva.util import GST_PAD_PROBE_INFO_BUFFER

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ASSETS = ROOT / "target" / "assets"

# Colours in the frame's BGRx order.
BOX = (0, 255, 0)
BAR = (0, 255, 255)
LANDMARK = (0, 0, 255)
THICKNESS = 2
BAR_HEIGHT = 3


def paint(
    pixels: np.ndarray, x0: int, y0: int, x1: int, y1: int, bgr: tuple[int, ...]
) -> None:
    """Fills pixels[y0:y1, x0:x1] (clipped to the frame) with a colour."""
    height, width = pixels.shape[:2]
    x0, x1 = max(x0, 0), min(x1, width)
    y0, y1 = max(y0, 0), min(y1, height)
    if x0 < x1 and y0 < y1:
        pixels[y0:y1, x0:x1, :3] = bgr


def draw_face(pixels: np.ndarray, region) -> None:
    x, y, w, h = region.rect()
    t = THICKNESS
    paint(pixels, x, y, x + w, y + t, BOX)
    paint(pixels, x, y + h - t, x + w, y + h, BOX)
    paint(pixels, x, y, x + t, y + h, BOX)
    paint(pixels, x + w - t, y, x + w, y + h, BOX)

    confidence = region.confidence() or 0.0
    paint(pixels, x, y - t - BAR_HEIGHT, x + round(w * confidence), y - t, BAR)

    extra = region.detection()["extra_params_json"]
    if extra:
        height, width = pixels.shape[:2]
        for px, py in json.loads(extra).values():
            cx, cy = round(px * width), round(py * height)
            paint(pixels, cx - 1, cy - 1, cx + 2, cy + 2, LANDMARK)


def draw(pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
    with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        frame = VideoFrame(buffer, caps=pad.get_current_caps())
        faces = [r for r in frame.regions() if r.label() == "face"]
        if faces:
            with frame.data(Gst.MapFlags.WRITE) as pixels:
                for region in faces:
                    draw_face(pixels, region)
    return Gst.PadProbeReturn.OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=ASSETS / "carphone_pristine.mp4")
    parser.add_argument("--output", type=Path, default=ROOT / "target" / "faces-drawn")
    parser.add_argument(
        "--model", type=Path, default=ASSETS / "face_detection_short_range.tflite"
    )
    parser.add_argument(
        "--model-proc",
        type=Path,
        default=SAMPLES / "model_procs" / "face_detection_short_range.json",
    )
    args = parser.parse_args(argv)
    for path in (args.input, args.model, args.model_proc):
        if not path.is_file():
            print(f"draw_face_attributes: {path}: no such file", file=sys.stderr)
            return 1
    args.output.mkdir(parents=True, exist_ok=True)
    for old in args.output.glob("frame_*.png"):
        old.unlink()

    Gst.init(None)
    pipeline = Gst.parse_launch(
        "filesrc name=source ! decodebin ! videoconvert ! video/x-raw,format=BGRx "
        "! gvainference name=inference ! gvapython name=decoder "
        "! videoconvert name=overlay ! pngenc ! multifilesink name=sink"
    )
    # Paths as properties, not in the description: nothing to quote.
    source, inference = (
        pipeline.get_by_name("source"),
        pipeline.get_by_name("inference"),
    )
    source.set_property("location", str(args.input))
    inference.set_property("model", str(args.model))
    inference.set_property("model-proc", str(args.model_proc))
    pipeline.get_by_name("decoder").set_property(
        "module", str(SAMPLES / "face_detection_decoder.py")
    )
    pipeline.get_by_name("sink").set_property(
        "location", str(args.output / "frame_%05d.png")
    )
    pipeline.get_by_name("overlay").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, draw
    )
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.ERROR | Gst.MessageType.EOS
    )
    pipeline.set_state(Gst.State.NULL)
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
        print(f"draw_face_attributes: {err.message}\n{debug}", file=sys.stderr)
        return 1
    written = len(list(args.output.glob("frame_*.png")))
    print(f"draw_face_attributes: {written} frames in {args.output}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GLib.Error as e:
        print(f"draw_face_attributes: {e.message}", file=sys.stderr)
        sys.exit(1)
