"""One chain of the soak check (``cargo xtask soak``): runs it for N frames in this process and
prints this process's memory as the frames go.

Usage: ``soak.py CHAIN --frames N --every K --models DIR``. Output, one line each::

    sample <frames done> <RssAnon kB> <VmRSS kB>      every K frames, from /proc/self/status
    done <frames done>                                 at EOS

``RssAnon`` is the process's anonymous memory (heap, thread stacks, anonymous maps): where a leak
shows. ``VmRSS`` adds file pages (libraries, models) that are mapped in once, as code first runs.
Frames are counted by a pad probe on the sink's pad; the sample is taken there, on the streaming
thread, right after the frame went through the whole chain.

The chains (``CHAINS``), each the way an application builds it:

* ``gvapython``: two ``gvapython`` elements, one adding metadata (regions with a tensor, a frame
  tensor, a message), the next reading all of it back (``soak_gvapython.py``);
* ``gvadetect``: ``gvadetect`` on the SSD test detector (regions on the bright cells);
* ``regions``: ``gvadetect`` on a white frame (64 regions) then ``gvaclassify`` on every region,
  ``gvametaconvert``, ``gvawatermark``, ``gvametapublish`` (JSON lines to /dev/null): the region
  inference path;
* ``probe``: a PyGObject application's pad probe with ``gstgva`` that writes through
  ``GST_PAD_PROBE_INFO_BUFFER``, reads the pixels with ``frame.data()`` and the regions back.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from pathlib import Path

# As every application that loads OpenVINO after PyGObject must (see README).
ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst

HERE = Path(__file__).resolve().parent
VIDEO = "video/x-raw,format=BGRx,width=256,height=256,framerate=30/1"


def chains(models: Path) -> dict[str, str]:
    ssd = (
        f"model={models / 'detector_ssd.xml'} model-proc={models / 'detector_ssd.json'}"
    )
    classifier = (
        f"model={models / 'classifier.xml'} model-proc={models / 'classifier.json'}"
    )
    module = HERE / "soak_gvapython.py"
    return {
        "gvapython": (
            f"videotestsrc ! {VIDEO} ! gvapython module={module} function=write "
            f"! gvapython module={module} function=read"
        ),
        "gvadetect": f"videotestsrc ! {VIDEO} ! gvadetect {ssd}",
        "regions": (
            f"videotestsrc pattern=white ! {VIDEO} ! gvadetect {ssd} "
            f"! gvaclassify {classifier} ! gvametaconvert ! gvawatermark "
            "! gvametapublish file-format=json-lines file-path=/dev/null"
        ),
        "probe": f"videotestsrc ! {VIDEO} ! identity name=probed",
    }


def memory_kb() -> tuple[int, int]:
    """(RssAnon, VmRSS) of this process, in kB."""
    fields = {}
    with open("/proc/self/status", "rb") as status:
        for line in status:
            key, _, value = line.partition(b":")
            if key in (b"RssAnon", b"VmRSS"):
                fields[key] = int(value.split()[0])
    return fields[b"RssAnon"], fields[b"VmRSS"]


def probe_writes_and_reads(pad, info):
    """The ``probe`` chain's application probe."""
    from gstgva import VideoFrame
    from gstgva.util import GST_PAD_PROBE_INFO_BUFFER

    with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        frame = VideoFrame(buffer, caps=pad.get_current_caps())
        with frame.data() as pixels:
            level = int(pixels[::16, ::16, 0].mean())
        roi = frame.add_region(8, 8, 64, 64, label="probe", confidence=level / 255)
        roi.add_tensor("level")["value"] = level
        found = [
            (r.label(), r.confidence(), len(list(r.tensors()))) for r in frame.regions()
        ]
        assert found == [("probe", level / 255, 2)], found
    return Gst.PadProbeReturn.OK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chain")
    parser.add_argument("--frames", type=int, required=True)
    parser.add_argument("--every", type=int, required=True)
    parser.add_argument("--models", type=Path, required=True)
    args = parser.parse_args()

    Gst.init(None)
    description = chains(args.models)[args.chain]
    pipeline = Gst.parse_launch(
        description.replace(
            "videotestsrc", f"videotestsrc num-buffers={args.frames}", 1
        )
        + " ! fakesink name=sink sync=false"
    )
    if args.chain == "probe":
        pipeline.get_by_name("probed").get_static_pad("src").add_probe(
            Gst.PadProbeType.BUFFER, probe_writes_and_reads
        )
    done = [0]

    def count(_pad, _info):
        done[0] += 1
        if done[0] % args.every == 0:
            anon, rss = memory_kb()
            os.write(1, f"sample {done[0]} {anon} {rss}\n".encode())
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, count
    )
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    pipeline.set_state(Gst.State.NULL)
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        sys.exit(f"{args.chain}: {error.message}\n{debug}")
    print(f"done {done[0]}", flush=True)


if __name__ == "__main__":
    main()
