"""Throughput of gvadetect, or of gvaclassify on regions, against OpenVINO's own benchmark_app
(a script, not a test).

    cd /work/main && cargo xtask models && .venv/bin/python benches/python/bench_inference.py
    .venv/bin/python benches/python/bench_inference.py --regions 20   # gvaclassify, BGR and NV12

For each number of requests (``--nireq``, default 1 and 4), on the generated ``detector_bench``
model (``target/models``, 256x256, about 0.3 G multiply-adds; ``--model detector_bench_small``:
the same on 128x128, several times the frame rate, where the pipeline's own cost per frame shows
more), same device and same requests:

* ``benchmark_app -m detector_bench.xml -d CPU -nireq N -hint none [-nstreams AUTO] -api async
  -t T`` (the ``benchmark_app`` of the openvino wheel in ``.venv``): its reported throughput.
  It compiles the model as gvadetect does by default on CPU (``gva_infer::model::
  element_config``): with more than one request ``NUM_STREAMS=AUTO`` (throughput streams, as
  DL Streamer sets them), with one request OpenVINO's own default (one stream on every core);
* ``gst-launch-1.0 videotestsrc num-buffers=F pattern=solid-color ! video/x-raw,format=BGR,
  width=256,height=256 ! gvadetect model=detector_bench.xml nireq=N ! gvafpscounter
  starting-frame=W ! fakesink``: the "overall" frames per second gvafpscounter prints at EOS,
  counted from frame W, so start-up, compilation and the first frames are left out. With
  ``--source imagefreeze`` the frames are one videotestsrc frame repeated by ``imagefreeze``,
  which copies no pixels: like benchmark_app's reused input, the source then costs nothing and
  the figure is gvadetect's own (videotestsrc copies each 196 KB frame, on the same 2 cores).

With ``--regions R`` it measures region inference instead (issue 15's target: regions/s at
least 90 % of benchmark_app's inferences/s), for each ``--formats`` (default BGR and NV12):

* ``benchmark_app -m classifier_bench.xml`` (``--model``'s default becomes the generated 48x48
  ``classifier_bench``, the size and cost of a small face classifier), as above;
* ``filesrc ! rawvideoparse`` of one 640x480 BGR picture with R coloured cells (``videoconvert``
  to NV12 for NV12) ``! gvadetect model=detector_ssd.xml`` (once: R regions, one per cell) ``!
  imagefreeze num-buffers=F`` (the frame and its regions repeated, no pixels copied) ``!
  gvaclassify model=classifier_bench.xml nireq=N ! gvafpscounter ! fakesink``: regions/s is
  gvafpscounter's frames/s x R. Each region is cropped and resized (80x60 to 48x48) into the
  request's input in Rust, the colour converted inside the model.

The two alternate ``--repeat`` times (each pair sees the same machine state: on a shared VM the
speed drifts by 10 % and more within minutes). Prints the medians of each side and the median of
the per-pair ratios, with their range. With ``--ip u8`` benchmark_app feeds u8 input that the
model converts to f32, as gvadetect's frames are (gvadetect also converts NHWC to NCHW inside
the model). Run it on an otherwise idle machine: both sides use every core.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import openvino as ov

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "target" / "models"


def input_size(model: Path) -> int:
    """The square input size of a generated bench model (``image`` [1, 3, S, S])."""
    shape = list(ov.Core().read_model(model).input(0).get_shape())
    return int(shape[3])


def benchmark_app(model: Path, nireq: int, seconds: int, ip: str | None) -> float:
    """benchmark_app's throughput (FPS) with ``nireq`` requests (input precision ``ip``)."""
    exe = Path(sys.executable).with_name("benchmark_app")
    cmd = [
        str(exe), "-m", str(model), "-d", "CPU", "-nireq", str(nireq),
        "-hint", "none", "-api", "async", "-t", str(seconds),
    ] + (["-nstreams", "AUTO"] if nireq > 1 else []) + (["-ip", ip] if ip else [])  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Throughput:\s+([0-9.]+) FPS", out)
    if not match:
        raise SystemExit(f"no throughput in benchmark_app's output:\n{out}")
    return float(match.group(1))


def source(name: str, frames: int, size: int) -> list[str]:
    """The gst-launch-1.0 words of the frame source (``size`` x ``size`` BGR): ``videotestsrc``
    draws (copies) every frame; ``imagefreeze`` repeats one frame without touching its pixels,
    as benchmark_app reuses its input, so the pipeline's figure is gvadetect's own."""
    caps = f"video/x-raw,format=BGR,width={size},height={size},framerate=30/1"
    if name == "imagefreeze":
        return [
            "videotestsrc", "num-buffers=1", "pattern=solid-color", "!", caps, "!",
            "imagefreeze", f"num-buffers={frames}",
        ]  # fmt: skip
    return ["videotestsrc", f"num-buffers={frames}", "pattern=solid-color", "!", caps]


def pipeline(
    model: Path, size: int, nireq: int, frames: int, warmup: int, src: str
) -> float:
    """Frames per second through gvadetect after the first ``warmup`` frames, as
    ``gvafpscounter starting-frame=warmup`` reports it at EOS ("overall"): start-up, model
    compilation and the first frames are left out, as benchmark_app leaves out its own."""
    return frames_per_second(
        [
            *source(src, frames, size),
            "!",
            "gvadetect",
            f"model={model}",
            f"nireq={nireq}",
        ],
        warmup,
    )


def frames_per_second(words: list[str], warmup: int) -> float:
    """``gst-launch-1.0 <words> ! gvafpscounter starting-frame=warmup ! fakesink``: the frames
    per second gvafpscounter reports at EOS ("overall"), counted from frame ``warmup``."""
    cmd = [
        "gst-launch-1.0", "-q", *words, "!",
        "gvafpscounter", f"starting-frame={warmup}", "interval=1000", "!", "fakesink",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr
    match = re.search(r"FpsCounter\(overall [0-9.]+sec\): total=([0-9.]+) fps", out)
    if done.returncode != 0 or not match:
        raise SystemExit(f"gst-launch-1.0 failed:\n{out}")
    return float(match.group(1))


FRAME_W, FRAME_H = 640, 480


def cells_picture(path: Path, regions: int) -> None:
    """A black 640x480 BGR picture (raw bytes at ``path``) with ``regions`` cells of the
    detectors' 8x8 grid (80x60 pixels each) painted in bright, varied colours: detector_ssd
    finds one region per painted cell."""
    if not 1 <= regions <= 64:
        raise SystemExit(f"--regions {regions}: the 8x8 grid has 1 to 64 cells")
    frame = np.zeros((FRAME_H, FRAME_W, 3), np.uint8)
    cw, ch = FRAME_W // 8, FRAME_H // 8
    for i in range(regions):
        cell = i * 3 % 64  # spread over the grid (3 and 64 are coprime: all distinct)
        row, col = divmod(cell, 8)
        colour = [60 + 40 * ((i + k) % 4) for k in range(3)]
        colour[i % 3] = 220  # a dominant channel: confidence 220/255
        frame[ch * row : ch * (row + 1), cw * col : cw * (col + 1)] = colour
    path.write_bytes(frame.tobytes())


def regions_pipeline(
    picture: Path, fmt: str, model: Path, nireq: int, frames: int, warmup: int
) -> float:
    """Frames per second through gvaclassify on the regions gvadetect found once on the
    picture (repeated by imagefreeze), after the first ``warmup`` frames."""
    convert = (
        ["videoconvert", "!", f"video/x-raw,format={fmt}", "!"] if fmt != "BGR" else []
    )
    words = [
        "filesrc", f"location={picture}", "!",
        "rawvideoparse", f"width={FRAME_W}", f"height={FRAME_H}", "format=bgr",
        "framerate=30/1", "!", *convert,
        "gvadetect", f"model={MODELS / 'detector_ssd.xml'}",
        f"model-proc={MODELS / 'detector_ssd.json'}", "!",
        "imagefreeze", f"num-buffers={frames}", "!",
        "gvaclassify", f"model={model}", f"model-proc={model.with_suffix('.json')}",
        f"nireq={nireq}",
    ]  # fmt: skip
    return frames_per_second(words, warmup)


def report(label: str, unit: str, runs: list[tuple[float, float]], repeat: int) -> None:
    """Prints the medians of benchmark_app's and our side and of the per-pair ratios."""
    reference = statistics.median(r for r, _ in runs)
    ours = statistics.median(o for _, o in runs)
    ratios = sorted(o / r for r, o in runs)
    print(
        f"{label}: benchmark_app {reference:8.1f} inferences/s, {unit} {ours:8.1f} "
        f"(medians of {repeat}), ratio {statistics.median(ratios):6.1%} (median of the "
        f"pairs; range {ratios[0]:.1%}..{ratios[-1]:.1%})",
        flush=True,
    )


def bench_regions(args: argparse.Namespace) -> None:
    """``--regions``: gvaclassify on that many regions per frame against benchmark_app."""
    model = MODELS / f"{args.model or 'classifier_bench'}.xml"
    for needed in (model, MODELS / "detector_ssd.xml"):
        if not needed.is_file():
            raise SystemExit(f"{needed} is missing: run `cargo xtask models` first")
    frames = args.frames or 1500
    warmup = args.warmup or 150
    with tempfile.TemporaryDirectory() as tmp:
        picture = Path(tmp) / "cells.bgr"
        cells_picture(picture, args.regions)
        print(
            f"model {model.name}, {args.regions} regions per {FRAME_W}x{FRAME_H} frame, "
            f"{frames} frames (from frame {warmup}), device CPU"
        )
        for fmt in args.formats:
            for nireq in args.nireq:
                runs = [
                    (
                        benchmark_app(model, nireq, args.seconds, args.ip),
                        args.regions
                        * regions_pipeline(picture, fmt, model, nireq, frames, warmup),
                    )
                    for _ in range(args.repeat)
                ]
                report(
                    f"{fmt} nireq={nireq}", "gvaclassify regions/s", runs, args.repeat
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        help="a generated model in target/models (default detector_bench; "
        "detector_bench_small; with --regions: classifier_bench)",
    )
    parser.add_argument("--nireq", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--frames", type=int, help="frames per run (default 10000; 1500 with --regions)"
    )
    parser.add_argument(
        "--warmup", type=int, help="frames left out (default 500; 150 with --regions)"
    )
    parser.add_argument(
        "--regions",
        type=int,
        help="measure gvaclassify on this many regions per 640x480 frame (see above)",
    )
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=["BGR", "NV12", "I420", "BGRx"],
        default=["BGR", "NV12"],
        help="frame formats of --regions",
    )
    parser.add_argument("--seconds", type=int, default=4, help="benchmark_app -t")
    parser.add_argument("--repeat", type=int, default=7, help="interleaved repetitions")
    parser.add_argument(
        "--source",
        choices=["videotestsrc", "imagefreeze"],
        default="videotestsrc",
        help="the frame source (see source())",
    )
    parser.add_argument(
        "--ip",
        choices=["u8", "f32"],
        help="benchmark_app -ip: u8 makes it convert u8 input inside the model as gvadetect "
        "does (default: the model's own f32 input, no conversion)",
    )
    args = parser.parse_args()
    if args.regions is not None:
        bench_regions(args)
        return
    model = MODELS / f"{args.model or 'detector_bench'}.xml"
    if not model.is_file():
        raise SystemExit(f"{model} is missing: run `cargo xtask models` first")
    size = input_size(model)
    print(
        f"model {model.name}, {size}x{size} BGR frames from {args.source}, device CPU"
    )
    for nireq in args.nireq:
        # Interleaved repetitions: both sides see the same machine state.
        frames, warmup = args.frames or 10000, args.warmup or 500
        runs = [
            (
                benchmark_app(model, nireq, args.seconds, args.ip),
                pipeline(model, size, nireq, frames, warmup, args.source),
            )
            for _ in range(args.repeat)
        ]
        report(f"nireq={nireq}", "gvadetect pipeline FPS", runs, args.repeat)


if __name__ == "__main__":
    main()
