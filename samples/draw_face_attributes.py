"""A PyGObject application that draws on the frames itself, in a pad probe, with OpenCV.

Our port of DL Streamer's ``draw_face_attributes`` sample: the pipeline detects faces, and a
probe on a pad downstream reads each frame's regions through ``gstgva`` and draws into the frame
the way DL Streamer's does — ``with frame.data() as mat:`` (no flag: the probe's buffer is
writable, so ``mat`` is) and OpenCV calls on ``mat``:

* the six landmarks the decoder stored in the detection's ``extra_params_json``, as filled
  circles (``cv2.circle``) of radius ``1 + 0.02 * box width`` (blue);
* a label under the box with ``cv2.putText`` at ``(x, y + h + 30)``, ``FONT_HERSHEY_SIMPLEX``,
  scale 1, thickness 2 (red): the detection confidence in percent (DL Streamer's sample writes
  the age, gender and emotion its three classifiers found; this detector has none);
* the box, ``cv2.rectangle`` 2 px wide (green), which DL Streamer leaves to ``gvawatermark``.

Pipeline::

    filesrc ! decodebin ! videoconvert ! video/x-raw,format=BGRx
      ! gvainference model=... model-proc=...  ! gvapython module=face_detection_decoder.py
      ! gvametaconvert add-empty-results=true
      ! gvametapublish file-format=json-lines file-path=OUTPUT/faces.jsonl
      ! videoconvert name=overlay   <- the probe draws on the buffers entering this pad
      ! pngenc ! multifilesink location=OUTPUT/frame_%05d.png

Run: ``.venv/bin/python samples/draw_face_attributes.py --output target/faces-drawn`` in the
environment of ``cargo xtask env``; the PNG frames and ``faces.jsonl`` (the regions drawn, one
JSON line per frame, as DL Streamer's ``--output display-and-json``) land in the output folder.
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

import cv2
import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst
from gstgva import VideoFrame, util

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ASSETS = ROOT / "target" / "assets"

# Colours in the frame's BGRx order, as DL Streamer's sample has them.
LANDMARK = (255, 0, 0)
LABEL = (0, 0, 255)
BOX = (0, 255, 0)


def frame_callback(frame: VideoFrame) -> None:
    width = frame.video_info().width
    height = frame.video_info().height
    with frame.data() as mat:
        for roi in frame.regions():
            if roi.label() != "face":
                continue
            rect = roi.rect()
            cv2.rectangle(
                mat, (rect.x, rect.y), (rect.x + rect.w, rect.y + rect.h), BOX, 2
            )
            extra = roi.detection()["extra_params_json"]
            for x, y in json.loads(extra).values() if extra else ():
                centre = (int(x * width), int(y * height))
                cv2.circle(mat, centre, int(1 + 0.02 * rect.w), LANDMARK, -1)
            label = f"{int(roi.confidence() * 100)}%"
            cv2.putText(
                mat,
                label,
                (rect.x, rect.y + rect.h + 30),
                cv2.FONT_HERSHEY_SIMPLEX,
                1,
                LABEL,
                2,
            )


def pad_probe_callback(pad: Gst.Pad, info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
    with util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        caps = pad.get_current_caps()
        frame = VideoFrame(buffer, caps=caps)
        frame_callback(frame)
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
    for old in [*args.output.glob("frame_*.png"), args.output / "faces.jsonl"]:
        old.unlink(missing_ok=True)  # gvametapublish appends to json-lines files

    Gst.init(None)
    pipeline = Gst.parse_launch(
        "filesrc name=source ! decodebin ! videoconvert ! video/x-raw,format=BGRx "
        "! gvainference name=inference ! gvapython name=decoder "
        "! gvametaconvert add-empty-results=true "
        "! gvametapublish name=publish method=file file-format=json-lines "
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
    pipeline.get_by_name("publish").set_property(
        "file-path", str(args.output / "faces.jsonl")
    )
    pipeline.get_by_name("overlay").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, pad_probe_callback
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
