"""Micro-benchmarks of gstgva's per-frame hot paths (a script, not a test).

    cd /work/main && .venv/bin/python benches/python/bench_gstgva.py [--repeat N]

Prints the median time per operation (and per region for the 100-region loops) over many
repetitions, timeit-style: each repetition times a batch with ``time.perf_counter`` and the
garbage collector disabled; setup (buffers, frames, regions) is outside the timed part.
"""

import argparse
import gc
import statistics
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
import gstgva
from gi.repository import Gst, GstVideo
from gstgva import VideoFrame

Gst.init(None)

SMALL_CAPS = Gst.Caps.from_string(
    "video/x-raw,format=BGRx,width=320,height=240,framerate=30/1"
)
HD_CAPS = Gst.Caps.from_string(
    "video/x-raw,format=BGRx,width=1920,height=1080,framerate=30/1"
)
REGIONS = 100


def timed(batch, number, repeat, setup=None):
    """Median seconds per call of ``batch(state)`` (``number`` calls per repetition)."""
    samples = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            state = setup() if setup else None
            start = time.perf_counter()
            for _ in range(number):
                batch(state)
            samples.append((time.perf_counter() - start) / number)
    finally:
        if enabled:
            gc.enable()
    return statistics.median(samples)


def report(name, seconds, per=None, count=None):
    line = f"{name:<58} {seconds * 1e6:10.3f} µs"
    if per:
        line += f"   ({seconds * 1e6 / count:.3f} µs per {per})"
    print(line, flush=True)


def frame_with_regions(n):
    buffer = Gst.Buffer.new_allocate(None, 320 * 240 * 4, None)
    frame = VideoFrame(buffer, caps=SMALL_CAPS)
    for i in range(n):
        frame.add_region(
            i % 300,
            i % 200,
            20,
            30,
            label="car" if i % 2 else "person",
            confidence=i / n,
        )
    return buffer, frame


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=200, help="repetitions per measurement (median)"
    )
    args = parser.parse_args()
    repeat = args.repeat

    print(f"gstgva {gstgva.__file__}")
    print(
        f"Python {sys.version.split()[0]}, GStreamer {Gst.version_string()}, {repeat} repetitions, median\n"
    )

    # 1. VideoFrame construction from a PyGObject Gst.Buffer.
    buffer = Gst.Buffer.new_allocate(None, 320 * 240 * 4, None)
    info = GstVideo.VideoInfo.new_from_caps(SMALL_CAPS)
    report(
        "VideoFrame(buffer, caps=caps)",
        timed(lambda _: VideoFrame(buffer, caps=SMALL_CAPS), 200, repeat),
    )
    report(
        "VideoFrame(buffer, video_info=info)",
        timed(lambda _: VideoFrame(buffer, video_info=info), 200, repeat),
    )
    report(
        "VideoFrame(buffer)  (no info)",
        timed(lambda _: VideoFrame(buffer), 200, repeat),
    )

    # 2. Reading 100 regions.
    _, frame = frame_with_regions(REGIONS)

    def read_all(_):
        for roi in frame.regions():
            roi.rect()
            roi.label()
            roi.confidence()

    report(
        f"iterate {REGIONS} regions: rect(), label(), confidence()",
        timed(read_all, 20, repeat),
        "region",
        REGIONS,
    )

    def list_only(_):
        for _roi in frame.regions():
            pass

    report(
        f"iterate {REGIONS} regions (handles only)",
        timed(list_only, 20, repeat),
        "region",
        REGIONS,
    )
    rois = list(frame.regions())

    def getters(_):
        for roi in rois:
            roi.rect()
            roi.label()
            roi.confidence()

    report(
        f"rect()+label()+confidence() on {REGIONS} kept handles",
        timed(getters, 20, repeat),
        "region",
        REGIONS,
    )

    # 3. Adding 100 regions to a fresh frame (buffer and frame made outside the timing).
    def fresh(_=None):
        b = Gst.Buffer.new_allocate(None, 320 * 240 * 4, None)
        return b, VideoFrame(b, caps=SMALL_CAPS)

    def add_regions(state):
        f = state[1]
        for i in range(REGIONS):
            f.add_region(i % 300, i % 200, 20, 30, label="car", confidence=0.5)

    report(
        f"add_region x{REGIONS}",
        timed(add_regions, 1, repeat, setup=fresh),
        "region",
        REGIONS,
    )

    def add_regions_normalized(state):
        f = state[1]
        for i in range(REGIONS):
            f.add_region(
                0.1, 0.2, 0.3, 0.4, label="car", confidence=0.5, normalized=True
            )

    report(
        f"add_region x{REGIONS} (normalized=True)",
        timed(add_regions_normalized, 1, repeat, setup=fresh),
        "region",
        REGIONS,
    )

    # A few other per-frame calls, for scale.
    _, small = frame_with_regions(3)
    small.add_message('{"a": 1}')
    t = small.add_tensor()
    t["label"] = "x"
    report(
        "frame.messages()  (1 message)", timed(lambda _: small.messages(), 200, repeat)
    )
    report("tensor['label']", timed(lambda _: t["label"], 500, repeat))
    report(
        "tensor['label'] = 'y'",
        timed(lambda _: t.__setitem__("label", "y"), 500, repeat),
    )

    # 4. data() enter/exit on a 1080p BGRx frame.
    hd_buffer = Gst.Buffer.new_allocate(None, 1920 * 1080 * 4, None)
    hd = VideoFrame(hd_buffer, caps=HD_CAPS)
    try:
        with hd.data() as array:
            shape = array.shape
    except NotImplementedError as e:
        print(f"{'data() enter/exit, 1080p BGRx':<58} skipped: {e}")
    else:

        def enter_exit(_):
            with hd.data(Gst.MapFlags.READ):
                pass

        report(
            f"data() enter/exit, 1080p BGRx READ {shape}",
            timed(enter_exit, 100, repeat),
        )

        def enter_exit_write(_):
            with hd.data(Gst.MapFlags.WRITE):
                pass

        report(
            "data(Gst.MapFlags.WRITE) enter/exit, 1080p BGRx",
            timed(enter_exit_write, 100, repeat),
        )

    # 5. data() of I420 1918x1080: GStreamer's strides 1920/960 are not the packed layout, so
    # the array is a packed copy (and, for WRITE, written back at the end of the block).
    odd_caps = Gst.Caps.from_string("video/x-raw,format=I420,width=1918,height=1080")
    odd_size = GstVideo.VideoInfo.new_from_caps(odd_caps).size
    odd = VideoFrame(Gst.Buffer.new_allocate(None, odd_size, None), caps=odd_caps)
    for flag, name in ((Gst.MapFlags.READ, "READ"), (Gst.MapFlags.WRITE, "WRITE")):

        def enter_exit_copy(_, flag=flag):
            with odd.data(flag):
                pass

        report(
            f"data({name}) enter/exit, 1918x1080 I420 (packed copy)",
            timed(enter_exit_copy, 100, repeat),
        )


if __name__ == "__main__":
    main()
