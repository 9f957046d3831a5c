"""Throughput of gvadetect against OpenVINO's own benchmark_app (a script, not a test).

    cd /work/main && cargo xtask models && .venv/bin/python benches/python/bench_inference.py

For each number of requests (``--nireq``, default 1 and 4), on the generated ``detector_bench``
model (``target/models``, 256x256, about 0.3 G multiply-adds), same device and same requests:

* ``benchmark_app -m detector_bench.xml -d CPU -nireq N -hint none -api async -t T`` (the
  ``benchmark_app`` of the openvino wheel in ``.venv``): its reported throughput;
* ``videotestsrc num-buffers=F pattern=solid-color ! video/x-raw,format=BGR,width=256,height=256
  ! gvadetect model=detector_bench.xml nireq=N ! fakesink``: frames per second at the sink,
  counted by a pad probe from the ``--warmup``-th frame to the last (model compilation and the
  first frames are not counted).

Prints both figures and their ratio. Run it on an otherwise idle machine: both sides use every
core.
"""

from __future__ import annotations

import argparse
import ctypes.util
import re
import subprocess
import sys
import time
from pathlib import Path

# OpenVINO is loaded by the gva plugin into this process after GStreamer: libgcc_s first (see
# README, "OpenVINO in a Python process").
ctypes.CDLL(ctypes.util.find_library("gcc_s"), mode=ctypes.RTLD_GLOBAL)

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "target" / "models" / "detector_bench.xml"
SIZE = 256


def benchmark_app(nireq: int, seconds: int) -> float:
    """benchmark_app's throughput (FPS) with ``nireq`` requests."""
    exe = Path(sys.executable).with_name("benchmark_app")
    cmd = [
        str(exe), "-m", str(MODEL), "-d", "CPU", "-nireq", str(nireq),
        "-hint", "none", "-api", "async", "-t", str(seconds),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    match = re.search(r"Throughput:\s+([0-9.]+) FPS", out)
    if not match:
        raise SystemExit(f"no throughput in benchmark_app's output:\n{out}")
    return float(match.group(1))


def pipeline(nireq: int, frames: int, warmup: int) -> float:
    """Frames per second through gvadetect, from frame ``warmup`` to the last."""
    pipe = Gst.parse_launch(
        f"videotestsrc num-buffers={frames} pattern=solid-color "
        f"! video/x-raw,format=BGR,width={SIZE},height={SIZE} "
        f"! gvadetect model={MODEL} nireq={nireq} ! fakesink name=sink"
    )
    times: list[float] = []

    def probe(_pad: Gst.Pad, _info: Gst.PadProbeInfo) -> Gst.PadProbeReturn:
        times.append(time.perf_counter())
        return Gst.PadProbeReturn.OK

    pipe.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, probe
    )
    pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    pipe.set_state(Gst.State.NULL)
    if msg.type == Gst.MessageType.ERROR:
        raise SystemExit(f"pipeline error: {msg.parse_error()[0].message}")
    if len(times) != frames:
        raise SystemExit(f"{len(times)} frames reached the sink, expected {frames}")
    return (frames - 1 - warmup) / (times[-1] - times[warmup])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nireq", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--frames", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10, help="benchmark_app -t")
    args = parser.parse_args()
    if not MODEL.is_file():
        raise SystemExit(f"{MODEL} is missing: run `cargo xtask models` first")
    Gst.init(None)
    print(f"model {MODEL.name}, {SIZE}x{SIZE} BGR frames, device CPU")
    for nireq in args.nireq:
        reference = benchmark_app(nireq, args.seconds)
        ours = pipeline(nireq, args.frames, args.warmup)
        print(
            f"nireq={nireq}: benchmark_app {reference:8.1f} FPS, "
            f"gvadetect pipeline {ours:8.1f} FPS, ratio {ours / reference:6.1%}"
        )


if __name__ == "__main__":
    main()
