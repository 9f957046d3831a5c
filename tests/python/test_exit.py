"""A Python application that ends while a pipeline with ``gvapython`` streams exits with its own
status: no abort, no hang (issue 14 item 1; SPEC §7.1).

When an application exits, CPython finalizes the interpreter and ends (``pthread_exit``) every
other thread that waits for the GIL; a GStreamer streaming thread caught in a ``gvapython``
callback was unwound through Rust frames, and pyo3's guard aborted the process ("Fatal Python
error: PyGILState_Release: thread state … must be current when releasing", SIGABRT). It shows when
libgcc's unwinder is the global one — as in every application that also loads OpenVINO, which has
to preload it (see README) — so every application here preloads it.

Each scenario runs ``RUNS`` times (in parallel processes) with a callback that sleeps, so that
exits find streaming threads in the interpreter and waiting for it; each run must end with the
exact status the application asked for, print what it prints, and leave stderr empty (no
"Fatal Python error", no GStreamer warning). The
callback's class instance is released at exit with the interpreter still running (its
``__del__`` prints ``released``), also when the pipeline never stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
# ignored), a pipeline whose gvapython sleeps in every frame.
PRELUDE = """
import ctypes
ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
import sys
import threading

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
p = pipeline()
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)
print("leaving", flush=True)
sys.exit(3)
""",
    # Ctrl-C on a GLib main loop, caught as DL Streamer's samples catch it.
    "ctrl_c": """
p = pipeline()
p.set_state(Gst.State.PLAYING)
assert streaming.wait(20)


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
""",
    # The pipeline belongs to another thread (it plays it and watches its bus); the main
    # thread calls sys.exit(4).
    "other_thread": """
def drive():
    p = pipeline()
    p.set_state(Gst.State.PLAYING)
    bus = p.get_bus()
    while True:
        bus.timed_pop_filtered(Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)


threading.Thread(target=drive, daemon=True).start()
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

# (exit status, stdout) each scenario must give.
EXPECTED = {
    "returns": (0, "leaving\nreleased\n"),
    "sys_exit": (3, "leaving\nreleased\n"),
    "ctrl_c": (0, "playing\nExiting\nreleased\n"),
    "other_thread": (4, "leaving\nreleased\n"),
    "bus_callback": (0, "pipeline ended\nreleased\n"),
}


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GST_PLUGIN_PATH", str(ROOT / "target" / "gstplugins"))
    return env


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


@pytest.mark.parametrize("scenario", sorted(APPS))
def test_application_exits_with_its_own_status(tmp_path: Path, scenario: str) -> None:
    module = tmp_path / "sleeper.py"
    module.write_text(textwrap.dedent(MODULE))
    script = tmp_path / f"{scenario}.py"
    script.write_text(f"MODULE = {str(module)!r}\n" + PRELUDE + APPS[scenario])
    with ThreadPoolExecutor(PARALLEL) as pool:
        runs = list(
            pool.map(lambda _: run_app(script, scenario == "ctrl_c"), range(RUNS))
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
