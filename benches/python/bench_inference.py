"""Throughput of gvadetect against OpenVINO's own benchmark_app (a script, not a test).

    cd /work/main && cargo xtask models && .venv/bin/python benches/python/bench_inference.py

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
from pathlib import Path

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
    cmd = [
        "gst-launch-1.0", "-q", *source(src, frames, size), "!",
        "gvadetect", f"model={model}", f"nireq={nireq}", "!",
        "gvafpscounter", f"starting-frame={warmup}", "interval=1000", "!", "fakesink",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr
    match = re.search(r"FpsCounter\(overall [0-9.]+sec\): total=([0-9.]+) fps", out)
    if done.returncode != 0 or not match:
        raise SystemExit(f"gst-launch-1.0 failed:\n{out}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default="detector_bench",
        help="a generated model in target/models (detector_bench, detector_bench_small)",
    )
    parser.add_argument("--nireq", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--frames", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=500)
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
    model = MODELS / f"{args.model}.xml"
    if not model.is_file():
        raise SystemExit(f"{model} is missing: run `cargo xtask models` first")
    size = input_size(model)
    print(
        f"model {model.name}, {size}x{size} BGR frames from {args.source}, device CPU"
    )
    for nireq in args.nireq:
        # Interleaved repetitions: both sides see the same machine state.
        runs = [
            (
                benchmark_app(model, nireq, args.seconds, args.ip),
                pipeline(model, size, nireq, args.frames, args.warmup, args.source),
            )
            for _ in range(args.repeat)
        ]
        reference = statistics.median(r for r, _ in runs)
        ours = statistics.median(o for _, o in runs)
        ratios = sorted(o / r for r, o in runs)
        print(
            f"nireq={nireq}: benchmark_app {reference:8.1f} FPS, "
            f"gvadetect pipeline {ours:8.1f} FPS (medians of {args.repeat}), "
            f"ratio {statistics.median(ratios):6.1%} (median of the pairs; "
            f"range {ratios[0]:.1%}..{ratios[-1]:.1%})",
            flush=True,
        )


if __name__ == "__main__":
    main()
