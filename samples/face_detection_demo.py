"""The gva-rs demo (``cargo xtask demo``): face detection on a video, the whole stack at work.

    filesrc ! decodebin ! videoconvert ! video/x-raw,format=BGRx ! queue
      ! gvainference model=face_detection_short_range.tflite model-proc=...    (raw output tensors)
      ! gvapython module=face_detection_decoder.py                             (tensors -> regions)
      ! gvatrack                                                               (object ids)
      ! gvawatermark                                                           (boxes, ids, keypoints)
      ! gvametaconvert add-empty-results=true                                  (JSON per frame)
      ! gvametapublish method=file file-format=json-lines file-path=faces.jsonl
      ! gvafpscounter
      ! queue ! videoconvert ! vp8enc ! webmmux ! filesink location=faces.webm  (or PNG frames)

The two queues let decoding, inference and encoding run on their own threads.

A pad probe before the encoder reads every frame's regions through ``gstgva`` to count frames,
faces and the distinct ids ``gvatrack`` gave them (``RegionOfInterest.object_id()``); at the end
the demo prints a summary and exits 0, or prints the error and exits 1.

Run it with the environment of ``cargo xtask env`` (the plugins on ``GST_PLUGIN_PATH``) and the
``.venv`` interpreter; ``cargo xtask demo`` does both. ``--help`` lists the options.
"""

from __future__ import annotations

# Before anything loads GStreamer: libgcc's unwinder in the global scope, or OpenVINO (loaded by
# gvainference after PyGObject put Debian's libgstreamer, linked to LLVM's libunwind, in the
# global scope) aborts on its first internal exception. See README.md.
import ctypes

ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import GLib, Gst
from gstgva import VideoFrame

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
ASSETS = ROOT / "target" / "assets"
DEFAULT_INPUT = ASSETS / "carphone_pristine.mp4"
DEFAULT_MODEL = ASSETS / "face_detection_short_range.tflite"
DEFAULT_MODEL_PROC = SAMPLES / "model_procs" / "face_detection_short_range.json"
DECODER = SAMPLES / "face_detection_decoder.py"

VIDEO_NAME = "faces.webm"
FRAMES_DIR = "frames"
JSON_NAME = "faces.jsonl"

GVA_ELEMENTS = (
    "gvainference",
    "gvapython",
    "gvatrack",
    "gvawatermark",
    "gvametaconvert",
    "gvametapublish",
    "gvafpscounter",
)
SYSTEM_ELEMENTS = ("filesrc", "decodebin", "videoconvert")
VIDEO_ENCODER = ("vp8enc", "webmmux")
"""In GStreamer's plugins-good. (avenc_mpeg4 ! mp4mux writes an empty file from this H.264
input with GStreamer 1.22.)"""
PNG_ENCODER = ("pngenc", "multifilesink")


def pipeline_description(png: bool, device: str = "CPU") -> str:
    """The pipeline without its file paths (set by ``set_paths``, so no path needs quoting)."""
    if png:
        sink = "pngenc ! multifilesink name=sink"
    else:
        sink = "vp8enc deadline=1 ! webmmux ! filesink name=sink"
    return (
        "filesrc name=source "
        '! decodebin caps="video/x-raw(ANY)" expose-all-streams=false '
        "! videoconvert ! video/x-raw,format=BGRx ! queue "
        f"! gvainference name=inference device={device} "
        "! gvapython name=decoder "
        "! gvatrack "
        "! gvawatermark "
        "! gvametaconvert add-empty-results=true "
        "! gvametapublish name=publish method=file file-format=json-lines "
        "! gvafpscounter name=fps "
        f"! queue ! videoconvert name=annotated ! {sink}"
    )


def paths(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    """Element name -> {property: path}."""
    output: Path = args.output
    sink = output / FRAMES_DIR / "frame_%05d.png" if args.png else output / VIDEO_NAME
    return {
        "source": {"location": str(args.input)},
        "inference": {"model": str(args.model), "model-proc": str(args.model_proc)},
        "decoder": {"module": str(DECODER)},
        "publish": {"file-path": str(output / JSON_NAME)},
        "sink": {"location": str(sink)},
    }


def with_paths(description: str, values: dict[str, dict[str, str]]) -> str:
    """The description as a ``gst-launch-1.0`` line, for the user to copy."""
    for name, props in values.items():
        settings = " ".join(f'{k}="{v}"' for k, v in props.items())
        description = description.replace(
            f"name={name} ", f"name={name} {settings} ", 1
        )
        if description.endswith(f"name={name}"):
            description += f" {settings}"
    return description


@dataclass
class Stats:
    """What the probe saw."""

    frames: int = 0
    faces: int = 0
    frames_with_faces: int = 0
    ids: set[int] = field(default_factory=set)
    width: int = 0
    height: int = 0
    first: float | None = None
    last: float = 0.0


def count(pad: Gst.Pad, info: Gst.PadProbeInfo, stats: Stats) -> Gst.PadProbeReturn:
    now = time.perf_counter()
    if stats.first is None:
        stats.first = now
    stats.last = now
    frame = VideoFrame(info.get_buffer(), caps=pad.get_current_caps())
    faces = [r for r in frame.regions() if r.label() == "face"]
    stats.frames += 1
    stats.faces += len(faces)
    stats.frames_with_faces += bool(faces)
    stats.ids.update(i for f in faces if (i := f.object_id()) is not None)
    if stats.frames == 1:
        vinfo = frame.video_info()
        stats.width, stats.height = vinfo.width, vinfo.height
    return Gst.PadProbeReturn.OK


def missing_elements(png: bool) -> list[str]:
    wanted = GVA_ELEMENTS + SYSTEM_ELEMENTS + (PNG_ENCODER if png else VIDEO_ENCODER)
    return [n for n in wanted if Gst.ElementFactory.find(n) is None]


def fail(message: str) -> int:
    print(f"demo: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    for what, path in (
        ("input", args.input),
        ("model", args.model),
        ("model-proc", args.model_proc),
    ):
        if not path.is_file():
            hint = (
                " (run `cargo xtask setup` to fetch it)"
                if path.is_relative_to(ASSETS)
                else ""
            )
            return fail(f"--{what} {path}: no such file{hint}")
    Gst.init(None)
    missing = missing_elements(args.png)
    if missing:
        return fail(
            f"GStreamer elements not found: {', '.join(missing)}. Run `cargo xtask setup`, and run "
            "the demo with the environment of `cargo xtask env` (GST_PLUGIN_PATH)."
        )

    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    # json-lines appends (DL Streamer's semantics): start from an empty file.
    (output / JSON_NAME).unlink(missing_ok=True)
    if args.png:
        frames_dir = output / FRAMES_DIR
        frames_dir.mkdir(exist_ok=True)
        for old in frames_dir.glob("frame_*.png"):
            old.unlink()

    description = pipeline_description(args.png, args.device)
    values = paths(args)
    print(f"pipeline: {with_paths(description, values)}\n", flush=True)
    try:
        pipeline = Gst.parse_launch(description)
    except GLib.Error as e:
        return fail(f"could not build the pipeline: {e.message}")
    for name, props in values.items():
        for key, value in props.items():
            pipeline.get_by_name(name).set_property(key, value)

    stats = Stats()
    pipeline.get_by_name("annotated").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, count, stats
    )
    started = time.perf_counter()
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        detail = error.parse_error()[0].message if error else "no error message"
        return fail(f"the pipeline did not start: {detail}")

    bus = pipeline.get_bus()
    error = None
    interrupted = False
    while True:
        try:
            msg = bus.timed_pop_filtered(
                100 * Gst.MSECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS
            )
        except KeyboardInterrupt:
            # Finish the video file properly: EOS through the muxer, then stop.
            interrupted = True
            pipeline.send_event(Gst.Event.new_eos())
            continue
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            error = (
                f"{msg.src.get_path_string()}: {err.message}\n{debug or ''}".rstrip()
            )
        break
    elapsed = time.perf_counter() - started
    counter = pipeline.get_by_name("fps")
    avg_fps = (
        counter.get_property("avg-fps") if counter.find_property("avg-fps") else None
    )
    pipeline.set_state(Gst.State.NULL)

    if error is not None:
        return fail(f"error from {error}")
    if stats.frames == 0:
        return fail(f"{args.input}: no video frames were decoded")

    json_file = output / JSON_NAME
    lines = json_file.read_text().splitlines() if json_file.is_file() else []
    processing = (stats.last - stats.first) if stats.first is not None else 0.0
    fps = (stats.frames - 1) / processing if processing > 0 else float("nan")
    share = 100.0 * stats.frames_with_faces / stats.frames
    results = output / FRAMES_DIR if args.png else output / VIDEO_NAME
    print()
    print("gva-rs demo: face detection" + (" (interrupted)" if interrupted else ""))
    print(f"  input:   {args.input} ({stats.width}x{stats.height})")
    print(f"  model:   {args.model}")
    print(f"  frames:  {stats.frames}")
    print(
        f"  faces:   {stats.faces} found; a face in {stats.frames_with_faces} of "
        f"{stats.frames} frames ({share:.1f} %)"
    )
    ids = ", ".join(map(str, sorted(stats.ids))) or "none"
    print(f"  tracked: {len(stats.ids)} distinct face id(s) from gvatrack ({ids})")
    speed = f"  speed:   {fps:.1f} FPS ({stats.frames} frames in {processing:.2f} s"
    speed += f"; {elapsed:.2f} s with start-up and model compilation)"
    if avg_fps is not None:
        speed += f"; gvafpscounter average {avg_fps:.1f} FPS"
    print(speed)
    print(f"  {'frames:' if args.png else 'video:':<8} {results}")
    print(f"  json:    {json_file} ({len(lines)} lines, one per frame)")
    if len(lines) != stats.frames:
        return fail(f"{json_file} has {len(lines)} lines for {stats.frames} frames")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Face detection with gva-rs: annotated video + one JSON line per frame."
    )
    parser.add_argument(
        "--input", type=Path, default=DEFAULT_INPUT, help="a video file"
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "target" / "demo", help="output folder"
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--model-proc", type=Path, default=DEFAULT_MODEL_PROC)
    parser.add_argument("--device", default="CPU", help="OpenVINO device (default CPU)")
    parser.add_argument(
        "--png",
        action="store_true",
        help=f"write PNG frames into OUTPUT/{FRAMES_DIR}/ instead of {VIDEO_NAME}",
    )
    args = parser.parse_args(argv)
    args.input = args.input.absolute()
    args.output = args.output.absolute()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
