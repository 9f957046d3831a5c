"""A Python application that ends while a pipeline with any of our elements plays exits with its
own status: no abort, no hang, no "Fatal Python error" (issue 14 item 1; SPEC §7.1).

When an application exits, CPython finalizes the interpreter and ends (``pthread_exit``) every
other thread that takes the GIL from then on. The forced unwind that ends it aborts the process
when it meets a Rust frame on the way (an ``extern "C"`` vfunc trampoline, a ``catch_unwind``, a
guard that calls ``PyGILState_Release``): a streaming thread caught in a ``gvapython`` callback,
and any thread on which Python runs while our Rust code is on its stack — a pad probe, an
``appsink`` signal handler or a bus sync handler downstream of an inference element (its request
pool pushes the frames from its own Rust thread), or behind any of our elements forwarding an
event (every vfunc of ours is Rust code, ``sink_event`` included). It shows when libgcc's unwinder is the global one — as in every application that also
loads OpenVINO, which has to preload it (see README) — so every application here preloads it.

Each scenario runs ``RUNS`` times (in parallel processes); each run must end with the exact
status the application asked for, print what it prints, and leave stderr empty (no "Fatal
Python error", no GStreamer warning). The ``gvapython`` scenarios sleep in every frame, so
exits find streaming threads in the interpreter and waiting for it; the callback's class
instance is released at exit with the interpreter still running (its ``__del__`` prints
``released``), also when the pipeline never stopped. The scenarios with Python downstream of
the other elements make sure a callback is in flight when the application exits: the callback
that signals the application to exit goes on working (sleeping 1 ms at a time, each time taking
the GIL again) until the interpreter has begun to end and a little beyond, as a callback doing
real work would — without our exit gate, that is an abort in every run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from faces import ROOT, environment

MODELS = ROOT / "target" / "models"
RUNS = 20
PARALLEL = 4
TIMEOUT = 60
pytestmark = pytest.mark.timeout(240, method="thread")

MODULE = """
import sys
import time


class Sleeper:
    def __init__(self):
        self.frames = 0

    def process_frame(self, frame):
        frame.add_message("seen")
        self.frames += 1
        if self.frames == 3:
            sys.modules["__main__"].streaming.set()
        time.sleep(0.002)
        return True

    def __del__(self):
        print("released", flush=True)
"""

# What every application starts with: libgcc's unwinder first (as an application that loads
# OpenVINO must), Python's own Ctrl-C handler (a test run in the background inherits SIGINT
# ignored), a pipeline whose gvapython sleeps in every frame; for the other elements, small red
# frames into a chain of ours and Python callbacks that do some work per call.
PRELUDE = """
import ctypes
ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
import sys
import threading
import time

import gi
gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst

Gst.init(None)
streaming = threading.Event()


def pipeline(frames=-1):
    return Gst.parse_launch(
        f"videotestsrc num-buffers={frames} ! video/x-raw,format=GRAY8,width=16,height=16 "
        f"! gvapython module={MODULE} class=Sleeper ! fakesink sync=false"
    )


def launch(chain, frames=-1):
    return Gst.parse_launch(
        f"videotestsrc pattern=red num-buffers={frames} "
        f"! video/x-raw,format=BGR,width=64,height=64 ! {chain}"
    )


def linger():
    # Goes on working until the application has begun to exit (threading stops the main
    # thread first thing at finalization), and a little into the exit.
    main = threading.main_thread()
    while main.is_alive():
        time.sleep(0.001)
    for _ in range(20):
        time.sleep(0.001)


calls = 0


def work():
    # A callback's work: 2 ms per call; the third call tells the application to exit.
    global calls
    calls += 1
    time.sleep(0.002)
    if calls == 3:
        streaming.set()
        linger()


def on_buffer(pad, info):
    work()
    return Gst.PadProbeReturn.OK


def detected():
    # gvadetect, then a PyGObject probe on the frames it pushes (from its pool's thread).
    p = launch(
        f"gvadetect model={MODELS}/detector_ssd.xml model-proc={MODELS}/detector_ssd.json "
        "! identity name=tap ! fakesink sync=false"
    )
    p.get_by_name("tap").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_buffer)
    return p


def run_until_ctrl_c():
    # A GLib main loop; Ctrl-C caught as DL Streamer's samples catch it.
    def ready():
        print("playing", flush=True)
        return False

    GLib.idle_add(ready)
    mainloop = GLib.MainLoop()
    try:
        mainloop.run()
    except KeyboardInterrupt:
        pass
    print("Exiting", flush=True)


def drive(make):
    # Plays the pipeline `make()` builds and watches its bus, on the calling thread.
    p = make()
    p.set_state(Gst.State.PLAYING)
    bus = p.get_bus()
    while True:
        bus.timed_pop_filtered(Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
"""

APPS = {
    # Returns from the script while the pipeline plays.
    "returns": """
p = pipeline()
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
""",
    # sys.exit(3) while the pipeline plays.
    "sys_exit": """
p = make()
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
sys.exit(3)
""",
    # Ctrl-C on a GLib main loop, caught as DL Streamer's samples catch it.
    "ctrl_c": """
p = make()
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
run_until_ctrl_c()
""",
    # The pipeline belongs to another thread (it plays it and watches its bus); the main
    # thread calls sys.exit(4).
    "other_thread": """
threading.Thread(target=drive, args=(make,), daemon=True).start()
assert streaming.wait(20)
print("leaving", flush=True)
sys.exit(4)
""",
    # DL Streamer's draw_face_attributes.py: the bus callback stops the pipeline and calls
    # sys.exit() inside the GLib main loop.
    "bus_callback": """
def bus_call(bus, message, pipeline):
    t = message.type
    if t == Gst.MessageType.EOS:
        print("pipeline ended", flush=True)
        pipeline.set_state(Gst.State.NULL)
        sys.exit()
    elif t == Gst.MessageType.ERROR:
        err, debug = message.parse_error()
        print("Error:\\n{}\\nAdditional debug info:\\n{}\\n".format(err, debug))
        pipeline.set_state(Gst.State.NULL)
        sys.exit()
    return True


p = pipeline(40)
bus = p.get_bus()
bus.add_signal_watch()
bus.connect("message", bus_call, p)
p.set_state(Gst.State.PLAYING)
mainloop = GLib.MainLoop()
try:
    mainloop.run()
except KeyboardInterrupt:
    pass
print("Exiting", flush=True)
""",
}

APPS |= {
    # An appsink new-sample handler after gvaclassify on regions; returns from the script.
    "classify_appsink": """
from gstgva import VideoFrame


def on_sample(sink):
    sample = sink.emit("pull-sample")
    if calls == 0:
        frame = VideoFrame(sample.get_buffer(), caps=sample.get_caps())
        for region in frame.regions():
            labels = [t.label() for t in region.tensors() if not t.is_detection()]
            print("region", *region.rect(), *labels, flush=True)
    work()
    return Gst.FlowReturn.OK


p = launch(
    "gvaattachroi roi=8,8,40,40 "
    f"! gvaclassify model={MODELS}/classifier.xml model-proc={MODELS}/classifier.json "
    "! appsink name=sink emit-signals=true sync=false"
)
p.get_by_name("sink").connect("new-sample", on_sample)
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
""",
    # A bus sync handler called with the EOS that gvatrack's sink_event forwards (the sink
    # posts it on that thread; a live source, so that the pipeline is PLAYING by then and the
    # pipeline's EOS is posted on that thread too, not at the state change); sys.exit(5).
    "track_sync_handler": """
def on_message(bus, message):
    if message.type == Gst.MessageType.EOS:
        streaming.set()
        linger()
    return Gst.BusSyncReply.PASS


p = Gst.parse_launch(
    "videotestsrc is-live=true num-buffers=5 "
    "! video/x-raw,format=BGR,width=64,height=64,framerate=100/1 ! gvatrack ! fakesink sync=false"
)
p.get_bus().set_sync_handler(on_message)
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
sys.exit(5)
""",
    # An event probe after gvafpscounter, called with the segment its sink_event forwards;
    # sys.exit(6).
    "fpscounter_event_probe": """
def on_event(pad, info):
    if info.get_event().type == Gst.EventType.SEGMENT:
        streaming.set()
        linger()
    return Gst.PadProbeReturn.OK


p = launch("gvafpscounter ! identity name=tap ! fakesink sync=false")
p.get_by_name("tap").get_static_pad("src").add_probe(
    Gst.PadProbeType.EVENT_DOWNSTREAM, on_event
)
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
sys.exit(6)
""",
}

# The pipeline the scenarios above that call make() build: gvapython's (`pipeline`), or, for
# the same exits with gvadetect and a PyGObject probe after it (`detected`; the probe runs on
# gvadetect's own Rust thread), "detect_<scenario>".
MAKERS = {name: "pipeline" for name in APPS} | {
    f"detect_{name}": "detected" for name in ("sys_exit", "ctrl_c", "other_thread")
}

# (exit status, stdout) each scenario must give.
EXPECTED = {
    "returns": (0, "leaving\nreleased\n"),
    "sys_exit": (3, "leaving\nreleased\n"),
    "ctrl_c": (0, "playing\nExiting\nreleased\n"),
    "other_thread": (4, "leaving\nreleased\n"),
    "bus_callback": (0, "pipeline ended\nreleased\n"),
    "detect_sys_exit": (3, "leaving\n"),
    "classify_appsink": (0, "region 8 8 32 32 red\nleaving\n"),
    "track_sync_handler": (5, "leaving\n"),
    "fpscounter_event_probe": (6, "leaving\n"),
    "detect_ctrl_c": (0, "playing\nExiting\n"),
    "detect_other_thread": (4, "leaving\n"),
}
INTERRUPTED = {"ctrl_c", "detect_ctrl_c"}


def run_app(script: Path, interrupt: bool) -> tuple[int | str, str, str]:
    """(exit status or "hang", stdout, stderr) of one run; with ``interrupt``, SIGINT once the
    application says it is playing."""
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    first = ""
    if interrupt:
        first = proc.stdout.readline()
        if first == "playing\n":
            proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return "hang", first + out, err
    return proc.returncode, first + out, err


@pytest.mark.parametrize("scenario", sorted(MAKERS))
def test_application_exits_with_its_own_status(tmp_path: Path, scenario: str) -> None:
    module = tmp_path / "sleeper.py"
    module.write_text(textwrap.dedent(MODULE))
    script = tmp_path / f"{scenario}.py"
    header = f"MODULE = {str(module)!r}\nMODELS = {str(MODELS)!r}\n"
    app = APPS[scenario.removeprefix("detect_")]
    script.write_text(header + PRELUDE + f"make = {MAKERS[scenario]}\n" + app)
    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(
            pool.map(lambda _: run_app(script, scenario in INTERRUPTED), range(RUNS))
        )
    expected = EXPECTED[scenario]
    failed = [
        (status, out, err[-2000:])
        for status, out, err in runs
        if (status, out, err) != (*expected, "")
    ]
    assert not failed, (
        f"{len(failed)} of {RUNS} runs did not exit as {expected}; first: {failed[0]}"
    )
