"""``gvapython`` inside a PyGObject application (SPEC §4: "works inside a Python application
that already runs an interpreter").

The pipelines run in this pytest process: the element finds Python already initialized and must
use this very interpreter (same ``sys.modules``, same objects), take the GIL from GStreamer's
streaming threads while the main thread waits in ``timed_pop_filtered`` or a GLib main loop,
and never deadlock. Scenarios that end the interpreter run in their own process.

Each test writes its callback script to ``tmp_path``.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import types
import uuid
from pathlib import Path

# Before Gst.init: our plugin folder and a private registry (``cargo xtask test`` sets both).
ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = os.environ.setdefault(
    "GST_PLUGIN_PATH", str(ROOT / "target" / "gstplugins")
)
os.environ.setdefault(
    "GST_REGISTRY_1_0",
    os.path.join(tempfile.gettempdir(), "gvapython-pytest-registry.bin"),
)

import gi
import pytest

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
import gstgva
from gi.repository import GLib, Gst
from gstgva import VideoFrame
from gstgva.util import GST_PAD_PROBE_INFO_BUFFER

Gst.init(None)
if Gst.ElementFactory.find("gvapython") is None:
    # Another test module initialized GStreamer before our GST_PLUGIN_PATH default applied.
    for directory in PLUGIN_DIR.split(os.pathsep):
        Gst.Registry.get().scan_path(directory)

CAPS = "video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1"
TIMEOUT = 60
pytestmark = pytest.mark.timeout(TIMEOUT, method="thread")


def write_script(tmp_path, source, name="callback"):
    path = tmp_path / f"{name}_{uuid.uuid4().hex[:8]}.py"
    path.write_text(textwrap.dedent(source))
    return path


def launch(desc, **props):
    """``Gst.parse_launch(desc)``; ``props`` set on the element named ``py``."""
    pipeline = Gst.parse_launch(desc)
    py = pipeline.get_by_name("py")
    for name, values in props.items():
        for value in values if isinstance(values, list) else [values]:
            py.set_property(name, value)
    return pipeline


def gvapython_pipeline(module, frames, **props):
    return launch(
        f"videotestsrc num-buffers={frames} ! {CAPS} ! gvapython name=py module={module} "
        "! appsink name=sink sync=false emit-signals=false max-buffers=0",
        **props,
    )


class Run:
    def __init__(self):
        self.eos = False
        self.errors = []  # (source name, message, debug)
        self.samples = []


def run(pipeline, collect=True):
    """Plays until EOS or an error (bus polled with timed_pop_filtered), then NULL."""
    result = Run()
    bus = pipeline.get_bus()
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            if collect and sink is not None:
                while (sample := sink.emit("try-pull-sample", 0)) is not None:
                    result.samples.append(sample)
            msg = bus.timed_pop_filtered(
                20 * Gst.MSECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
            )
            if msg is None:
                continue
            if msg.type == Gst.MessageType.ERROR:
                err, debug = msg.parse_error()
                result.errors.append((msg.src.get_name(), err.message, debug))
                break
            result.eos = True
            break
        else:
            raise AssertionError("no EOS or error in time")
        if collect and sink is not None:
            while (sample := sink.emit("try-pull-sample", 0)) is not None:
                result.samples.append(sample)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return result


def frames(result):
    return [VideoFrame(s.get_buffer(), caps=s.get_caps()) for s in result.samples]


def messages(result):
    return [[str(m) for m in f.messages()] for f in frames(result)]


# ---- the app's interpreter is the one the callback runs in ----


def test_callback_runs_in_the_apps_interpreter(tmp_path):
    token = uuid.uuid4().hex
    marker = types.ModuleType("gvapython_app_marker")
    marker.token = token
    marker.calls = []  # the callback appends to this very list
    sys.modules["gvapython_app_marker"] = marker
    try:
        module = write_script(
            tmp_path,
            """
            import sys
            import threading

            import gstgva

            def process_frame(frame):
                marker = sys.modules.get("gvapython_app_marker")
                if marker is None:
                    frame.add_message("no marker: another interpreter")
                    return True
                marker.calls.append((threading.get_ident(), type(frame) is gstgva.VideoFrame))
                frame.add_message(marker.token)
                return True
            """,
        )
        result = run(gvapython_pipeline(module, 5))
        assert result.eos and not result.errors, result.errors
        assert messages(result) == [[token]] * 5
        assert len(marker.calls) == 5
        # The frame is the very class the app imports, and streaming ran off the main thread.
        assert all(is_gstgva for _, is_gstgva in marker.calls)
        assert threading.get_ident() not in {ident for ident, _ in marker.calls}
    finally:
        del sys.modules["gvapython_app_marker"]


def test_callback_on_the_apps_own_thread(tmp_path):
    """Buffers pushed from the main thread run the callback on it, with the GIL handed over."""
    calls = []
    sys.modules["gvapython_thread_marker"] = types.SimpleNamespace(calls=calls)
    try:
        module = write_script(
            tmp_path,
            """
            import sys
            import threading

            def process_frame(frame):
                sys.modules["gvapython_thread_marker"].calls.append(threading.get_ident())
                frame.add_region(1, 2, 3, 4, label="main")
                return True
            """,
        )
        pipeline = launch(
            f"gvapython name=py module={module} ! appsink name=sink sync=false async=false"
        )
        src = Gst.Pad.new("src", Gst.PadDirection.SRC)
        assert (
            src.link(pipeline.get_by_name("py").get_static_pad("sink"))
            == Gst.PadLinkReturn.OK
        )
        pipeline.set_state(Gst.State.PLAYING)
        src.set_active(True)
        src.push_event(Gst.Event.new_stream_start("main-thread"))
        src.push_event(Gst.Event.new_caps(Gst.Caps.from_string(CAPS)))
        segment = Gst.Segment()
        segment.init(Gst.Format.TIME)
        src.push_event(Gst.Event.new_segment(segment))
        for i in range(4):
            buffer = Gst.Buffer.new_wrapped(bytes([i]) * 256)
            buffer.pts = i * Gst.MSECOND
            assert src.push(buffer) == Gst.FlowReturn.OK
        sink = pipeline.get_by_name("sink")
        labels = []
        while (sample := sink.emit("try-pull-sample", 0)) is not None:
            frame = VideoFrame(sample.get_buffer(), caps=sample.get_caps())
            labels.append([r.label() for r in frame.regions()])
        src.set_active(False)
        pipeline.set_state(Gst.State.NULL)
        assert calls == [threading.get_ident()] * 4
        assert labels == [["main"]] * 4
    finally:
        del sys.modules["gvapython_thread_marker"]


# ---- no deadlock ----


def test_no_deadlock_with_glib_main_loop_probes_and_a_busy_main_thread(tmp_path):
    """gvapython and a Python pad probe on different streaming threads (queues), the main thread
    running a GLib main loop and Python code between its iterations."""
    module = write_script(
        tmp_path,
        """
        count = 0

        def process_frame(frame):
            global count
            count += 1
            frame.add_region(0, 0, 8, 8, label="n%d" % count)
            return True
        """,
    )
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers=300 ! {CAPS} ! queue ! gvapython name=py module={module} "
        "! queue name=q ! identity name=probe_here ! fakesink sync=false"
    )
    seen = []

    def probe(pad, info):
        frame = VideoFrame(info.get_buffer(), caps=pad.get_current_caps())
        seen.append([r.label() for r in frame.regions()])
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("probe_here").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER, probe
    )
    loop = GLib.MainLoop()
    outcome = {}
    busy = {"spins": 0}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.EOS:
            outcome["eos"] = True
            loop.quit()
        elif msg.type == Gst.MessageType.ERROR:
            outcome["error"] = msg.parse_error()[0].message
            loop.quit()
        return True

    def spin():
        # Pure-Python work on the main thread, competing for the GIL.
        busy["spins"] += sum(range(2000)) > 0
        return True

    def give_up():
        outcome["timeout"] = True
        loop.quit()
        return False

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.idle_add(spin)
    timer = GLib.timeout_add_seconds(TIMEOUT - 10, give_up)
    pipeline.set_state(Gst.State.PLAYING)
    try:
        loop.run()
    finally:
        GLib.source_remove(timer) if "timeout" not in outcome else None
        pipeline.set_state(Gst.State.NULL)
        bus.remove_signal_watch()
    assert outcome == {"eos": True}
    assert seen == [[f"n{i}"] for i in range(1, 301)]
    assert busy["spins"] > 0


def test_stopping_mid_stream_while_the_callback_runs(tmp_path):
    """set_state(NULL) from the app while the callback runs on the streaming thread: the
    callback signals that it is inside, then stays inside until the app has asked for NULL and
    the sink (PLAYING before) has left PLAYING; then the same pipeline plays again, and every
    frame of the new run passes the callback and reaches the sink."""
    state = types.SimpleNamespace(
        entered=threading.Event(),
        stopping=threading.Event(),
        calls=0,
        block_at=5,
        saw_stop=None,
        sink=None,
    )
    sys.modules["gvapython_stop_marker"] = state
    try:
        module = write_script(
            tmp_path,
            """
            import sys
            import time

            from gi.repository import Gst

            def process_frame(frame):
                state = sys.modules["gvapython_stop_marker"]
                state.calls += 1
                frame.add_message("call %d" % state.calls)
                if state.calls == state.block_at:
                    state.entered.set()
                    deadline = time.monotonic() + 20
                    state.stopping.wait(20)
                    while state.stopping.is_set() and time.monotonic() < deadline:
                        if state.sink.get_state(0)[1] != Gst.State.PLAYING:
                            state.saw_stop = True
                            break
                        time.sleep(0.001)
                    else:
                        state.saw_stop = False
                return True
            """,
        )
        pipeline = Gst.parse_launch(
            f"videotestsrc num-buffers=40 ! {CAPS} ! gvapython name=py module={module} "
            "! appsink name=sink sync=false emit-signals=false max-buffers=0"
        )
        state.sink = pipeline.get_by_name("sink")
        for round in range(3):
            state.calls, state.saw_stop = 0, None
            state.entered.clear()
            state.stopping.clear()
            pipeline.set_state(Gst.State.PLAYING)
            assert state.entered.wait(TIMEOUT / 4), f"round {round}: no call reached"
            # Prerolled on an earlier frame, the pipeline gets to PLAYING with the call running.
            assert pipeline.get_state(10 * Gst.SECOND)[1] == Gst.State.PLAYING
            state.stopping.set()
            assert pipeline.set_state(Gst.State.NULL) == Gst.StateChangeReturn.SUCCESS
            assert state.saw_stop is True, f"round {round}: {state.saw_stop}"
            assert state.calls == state.block_at, f"round {round}: {state.calls} calls"
        # Restarted once more, it runs to the end: all 40 frames through the same callback.
        state.block_at = 0
        state.calls = 0
        result = run(pipeline)
        assert result.eos and not result.errors, result.errors
        assert messages(result) == [[f"call {i}"] for i in range(1, 41)]
        assert state.calls == 40
    finally:
        del sys.modules["gvapython_stop_marker"]


THREADS_APP = """
import json, sys, threading
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
from gstgva import VideoFrame

module, caps = sys.argv[1], sys.argv[2]
results = {}

def worker(tag):
    p = Gst.parse_launch(
        f"videotestsrc num-buffers=500 ! {caps} ! gvapython name=py module={module} "
        "! appsink name=sink sync=false max-buffers=0"
    )
    py = p.get_by_name("py")
    py.set_property("class", "Counter")
    py.set_property("arg", json.dumps(tag))
    p.set_state(Gst.State.PLAYING)
    sink = p.get_by_name("sink")
    seen = []
    # Pull as we go: appsink holds EOS back until its queue is drained.
    while (sample := sink.emit("try-pull-sample", 10 * Gst.SECOND)) is not None:
        frame = VideoFrame(sample.get_buffer(), caps=sample.get_caps())
        seen.append([str(m) for m in frame.messages()])
    msg = p.get_bus().timed_pop_filtered(
        10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    p.set_state(Gst.State.NULL)
    results[tag] = (msg is not None and msg.type == Gst.MessageType.EOS, seen == [[f"{tag} {i}"] for i in range(1, 501)])

threads = [threading.Thread(target=worker, args=(t,)) for t in ("a", "b")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(results, sort_keys=True), flush=True)
"""


def test_two_pipelines_started_from_python_threads(tmp_path):
    """Two pipelines, each started, run and stopped by its own ``threading.Thread``. Runs in its
    own interpreter: the failure mode is an abort of the process.

    Regression: gvapython used to pin the thread state of the Python thread that called
    ``set_state`` (``start()`` takes the GIL there); Python deletes that state when the thread
    ends, and the pinned state's destructor then aborted the process ("Fatal Python error:
    PyGILState_Release: auto-releasing thread-state, but no thread-state for this thread").
    """
    module = write_script(
        tmp_path,
        """
        class Counter:
            def __init__(self, tag):
                self.tag, self.count = tag, 0

            def process_frame(self, frame):
                self.count += 1
                frame.add_message("%s %d" % (self.tag, self.count))
                return True
        """,
    )
    proc = subprocess.run(
        [sys.executable, "-c", THREADS_APP, str(module), CAPS],
        check=False,
        capture_output=True,
        text=True,
        timeout=TIMEOUT - 10,
        env=os.environ,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == {"a": [True, True], "b": [True, True]}


# ---- the element's behaviour, from the app ----


def test_class_with_kwarg(tmp_path):
    module = write_script(
        tmp_path,
        """
        import json

        class Counter:
            def __init__(self, start, step=1, name="?"):
                self.value, self.step, self.name = start, step, name

            def count(self, frame):
                frame.add_message(json.dumps({"name": self.name, "value": self.value}))
                self.value += self.step
                return True
        """,
    )
    pipeline = gvapython_pipeline(
        module,
        4,
        **{
            "class": "Counter",
            "function": "count",
            "kwarg": ['{"start": 5}', '{"step": 10, "name": "cam"}'],
        },
    )
    py = pipeline.get_by_name("py")
    assert json.loads(py.get_property("kwarg")) == {
        "start": 5,
        "step": 10,
        "name": "cam",
    }
    assert py.get_property("arg") == "[]"
    result = run(pipeline)
    assert result.eos and not result.errors, result.errors
    assert [json.loads(m[0]) for m in messages(result)] == [
        {"name": "cam", "value": v} for v in (5, 15, 25, 35)
    ]


def test_falsy_return_drops(tmp_path):
    module = write_script(
        tmp_path,
        """
        frame_number = 0

        def process_frame(frame):
            global frame_number
            n = frame_number
            frame_number += 1
            frame.add_message(str(n))
            if n % 3 == 1:
                return None
            return n % 3 == 0
        """,
    )
    result = run(gvapython_pipeline(module, 12))
    assert result.eos and not result.errors, result.errors
    assert messages(result) == [[str(n)] for n in (0, 3, 6, 9)]


def test_exception_posts_an_error_with_the_traceback(tmp_path):
    module = write_script(
        tmp_path,
        """
        def check(frame):
            raise KeyError("no such camera")

        def process_frame(frame):
            return check(frame)
        """,
        name="failing",
    )
    result = run(gvapython_pipeline(module, 5))
    assert not result.eos
    (source, message, _debug), *_ = result.errors
    assert source == "py"
    assert "Traceback (most recent call last)" in message
    assert module.name in message
    assert "line 6, in process_frame" in message
    assert "line 3, in check" in message
    assert "KeyError: 'no such camera'" in message
    assert result.samples == []


def test_start_failure_is_reported_with_the_traceback(tmp_path):
    module = write_script(tmp_path, "import math\nmath.sqrt(-1)\n", name="bad_import")
    pipeline = gvapython_pipeline(module, 5)
    assert pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE
    msg = pipeline.get_bus().timed_pop_filtered(5 * Gst.SECOND, Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None
    message = msg.parse_error()[0].message
    assert "Traceback" in message
    assert module.name in message
    assert "ValueError: math domain error" in message


def test_python_probe_downstream_reads_the_regions(tmp_path):
    module = write_script(
        tmp_path,
        """
        count = 0

        def process_frame(frame):
            global count
            count += 1
            frame.add_region(2, 3, 6, 5, label="obj%d" % count, confidence=0.5 + count / 100)
            frame.add_region(0.5, 0.5, 0.25, 0.25, label="norm", normalized=True)
            return True
        """,
    )
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers=6 ! {CAPS} ! gvapython name=py module={module} "
        "! identity name=after ! fakesink sync=false"
    )
    seen = []

    def probe(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = gstgva.VideoFrame(buffer, caps=pad.get_current_caps())
            seen.append(
                [
                    (r.label(), tuple(r.rect()), round(r.confidence(), 3))
                    for r in frame.regions()
                ]
            )
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("after").get_static_pad("src").add_probe(
        Gst.PadProbeType.BUFFER, probe
    )
    result = run(pipeline, collect=False)
    assert result.eos and not result.errors, result.errors
    assert seen == [
        [
            (f"obj{i}", (2, 3, 6, 5), round(0.5 + i / 100, 3)),
            ("norm", (8, 8, 4, 4), 0.0),
        ]
        for i in range(1, 7)
    ]


def test_restart_keeps_the_instance(tmp_path):
    module = write_script(
        tmp_path,
        """
        class Counter:
            def __init__(self):
                self.count = 0

            def process_frame(self, frame):
                self.count += 1
                frame.add_message(str(self.count))
                return True
        """,
    )
    pipeline = gvapython_pipeline(module, 3, **{"class": "Counter"})
    first = run(pipeline)
    second = run(pipeline)
    assert messages(first) == [["1"], ["2"], ["3"]]
    assert messages(second) == [["4"], ["5"], ["6"]]


# ---- the interpreter's end ----


def test_app_exits_while_the_pipeline_still_plays(tmp_path):
    """An app that returns without stopping its pipeline ends promptly and cleanly: the
    streaming thread must not hang or crash the process during interpreter finalization."""
    module = write_script(
        tmp_path,
        """
        def process_frame(frame):
            return True
        """,
    )
    app = textwrap.dedent(
        f"""
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        Gst.init(None)
        p = Gst.parse_launch("videotestsrc ! {CAPS} ! gvapython module={module} ! fakesink sync=false")
        p.set_state(Gst.State.PLAYING)
        assert p.get_state(10 * Gst.SECOND)[0] == Gst.StateChangeReturn.SUCCESS
        import time
        time.sleep(0.2)
        print("leaving", flush=True)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", app],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        env=os.environ,
    )
    assert proc.stdout.strip() == "leaving", proc.stderr
    assert proc.returncode == 0, proc.stderr
