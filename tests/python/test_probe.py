"""gstgva in PyGObject pad probes of real pipelines.

Pipeline: ``videotestsrc num-buffers=N ! video/x-raw,format=BGRx,width=320,height=240 !
identity name=a ! identity name=b ! appsink name=sink``. A ``Gst.PadProbeType.BUFFER`` probe on
``a``'s src pad writes metadata through ``gstgva.util.GST_PAD_PROBE_INFO_BUFFER``; a probe on
``b``'s src pad and the appsink read it back. Every frame writes values derived from its frame
number (``buffer.offset``), so a lost, duplicated or mixed-up frame shows.

Probes never assert (an exception in a PyGObject probe drops the buffer); they record what they
saw and the test asserts in the main thread.
"""

import ctypes
import gc
import json
import subprocess
import sys
import textwrap

import gi
import pytest

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
import gstgva
from gi.repository import Gst, GstVideo
from gstgva import ExpiredError, VideoFrame
from gstgva.util import GST_PAD_PROBE_INFO_BUFFER

Gst.init(None)

N = 12
WIDTH, HEIGHT = 320, 240
LAUNCH = (
    "videotestsrc num-buffers={n} ! video/x-raw,format=BGRx,width=320,height=240 ! "
    "identity name=a ! identity name=b ! appsink name=sink emit-signals=false sync=false"
)
# A tee makes the buffer shared between two branches, so the probe has to copy it to write.
LAUNCH_TEE = (
    "videotestsrc num-buffers={n} ! video/x-raw,format=BGRx,width=320,height=240 ! tee name=t "
    "t. ! queue ! identity name=a ! identity name=b ! appsink name=sink emit-signals=false sync=false "
    "t. ! queue ! fakesink sync=false"
)


def refcount(buffer):
    """The GstMiniObject refcount (``buffer.mini_object`` would itself leak a reference)."""
    return ctypes.c_int.from_address(hash(buffer) + 8).value


def make_frame(buffer, caps, how):
    if how == "video_info":
        return VideoFrame(buffer, video_info=GstVideo.VideoInfo.new_from_caps(caps))
    return VideoFrame(buffer, caps=caps)


# ---- what the writer attaches to frame number i, and how a reader sees a frame ----


def write_values(frame, i):
    r1 = frame.add_region(i, 10, 50, 40, label=f"car{i}", confidence=0.5 + i / 1000)
    r1.set_object_id(1000 + i)
    cls = r1.add_tensor("classification")
    cls.set_label(f"red{i}")
    cls["confidence"] = i / 100
    cls["label_id"] = i
    frame.add_region(
        100, 100 + i, 20, 30, label="person", confidence=0.25, extra_params={"i": i}
    )
    frame.add_message(json.dumps({"frame": i}))
    t = frame.add_tensor()
    t.set_name("frame_result")
    t["frame"] = i
    t["score"] = i / 7
    t["text"] = f"t{i}"
    t["flags"] = [1, 2, i]
    t["blob"] = bytes([i % 256, 1, 2])
    t["big"] = 2**40 + i


def expected_values(i):
    return {
        "regions": [
            {
                "rect": (i, 10, 50, 40),
                "label": f"car{i}",
                "confidence": 0.5 + i / 1000,
                "object_id": 1000 + i,
                "tensors": [
                    ("detection", None, 0.5 + i / 1000),
                    ("classification", f"red{i}", i / 100),
                ],
                "extra": None,
            },
            {
                "rect": (100, 100 + i, 20, 30),
                "label": "person",
                "confidence": 0.25,
                "object_id": None,
                "tensors": [("detection", None, 0.25)],
                "extra": json.dumps({"i": i}),
            },
        ],
        "messages": [json.dumps({"frame": i})],
        "tensors": [
            (
                "frame_result",
                {
                    "frame": i,
                    "score": i / 7,
                    "text": f"t{i}",
                    "flags": [1, 2, i],
                    "blob": bytes([i % 256, 1, 2]),
                    "big": 2**40 + i,
                },
            )
        ],
    }


def read_values(frame):
    regions = []
    for r in frame.regions():
        tensors = []
        for t in r.tensors():
            tensors.append(
                (t.name(), None if t.is_detection() else t.label(), t.confidence())
            )
        regions.append(
            {
                "rect": tuple(r.rect()),
                "label": r.label(),
                "confidence": r.confidence(),
                "object_id": r.object_id(),
                "tensors": tensors,
                "extra": r.detection()["extra_params_json"],
            }
        )
    return {
        "regions": regions,
        "messages": list(frame.messages()),
        "tensors": [(t.name(), dict(t)) for t in frame.tensors()],
    }


def run(launch, probes, n=N, timeout=10):
    """Runs the pipeline with ``probes`` = {(element, pad): callback}; returns the samples."""
    pipeline = Gst.parse_launch(launch.format(n=n))
    for (element, pad), callback in probes.items():
        pipeline.get_by_name(element).get_static_pad(pad).add_probe(
            Gst.PadProbeType.BUFFER, callback
        )
    sink = pipeline.get_by_name("sink")
    assert pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE
    samples = []
    try:
        while True:
            sample = sink.emit("try-pull-sample", timeout * Gst.SECOND)
            if sample is None:
                break
            samples.append(sample)
        assert sink.get_property("eos"), "appsink timed out before EOS"
        error = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        assert error is None, error.parse_error()
    finally:
        pipeline.set_state(Gst.State.NULL)
    return samples


def record_errors(errors, fn):
    """Wraps a probe body so that an exception is recorded instead of dropping the buffer."""

    def probe(pad, info):
        try:
            fn(pad, info)
        except Exception as e:  # noqa: BLE001 - recorded, asserted in the test
            errors.append(repr(e))
        return Gst.PadProbeReturn.OK

    return probe


# ---- 1. writing through GST_PAD_PROBE_INFO_BUFFER reaches every downstream reader ----


@pytest.mark.parametrize("how", ["caps", "video_info"])
@pytest.mark.parametrize("launch", [LAUNCH, LAUNCH_TEE], ids=["linear", "tee"])
def test_values_written_in_a_probe_reach_every_frame_downstream(how, launch, capfd):
    errors, written, at_b = [], [], []

    def writer(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = make_frame(buffer, pad.get_current_caps(), how)
            assert refcount(buffer) == 1
            write_values(frame, buffer.offset)
            written.append(buffer.offset)

    def reader(pad, info):
        buffer = info.get_buffer()
        frame = make_frame(buffer, pad.get_current_caps(), how)
        at_b.append((buffer.offset, read_values(frame)))

    samples = run(
        launch,
        {
            ("a", "src"): record_errors(errors, writer),
            ("b", "src"): record_errors(errors, reader),
        },
    )
    assert errors == []
    assert sorted(written) == list(range(N))
    assert sorted(i for i, _ in at_b) == list(range(N))
    for i, values in at_b:
        assert values == expected_values(i), i

    assert len(samples) == N
    offsets = []
    for sample in samples:
        buffer, caps = sample.get_buffer(), sample.get_caps()
        frame = make_frame(buffer, caps, how)
        assert frame.video_info().width == WIDTH and frame.video_info().height == HEIGHT
        offsets.append(buffer.offset)
        assert read_values(frame) == expected_values(buffer.offset), buffer.offset
        # Appsink buffers are shared with the sample: reading is fine, writing is refused.
        with pytest.raises(RuntimeError, match="not writable"):
            frame.add_message("late")
    assert sorted(offsets) == list(range(N))  # none lost, none duplicated
    assert "CRITICAL" not in capfd.readouterr().err


def test_two_probes_writing_on_the_same_pad_both_reach_downstream(capfd):
    errors = []

    def first(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            VideoFrame(buffer, caps=pad.get_current_caps()).add_message("first")

    def second(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = VideoFrame(buffer, caps=pad.get_current_caps())
            assert frame.messages() == ["first"]
            frame.add_message("second")

    pipeline_probes = {
        ("a", "src"): record_errors(errors, first),
        ("b", "sink"): record_errors(errors, second),
    }
    samples = run(LAUNCH, pipeline_probes)
    assert errors == []
    assert [
        VideoFrame(s.get_buffer(), caps=s.get_caps()).messages() for s in samples
    ] == [["first", "second"]] * N
    assert "CRITICAL" not in capfd.readouterr().err


# ---- 2. without GST_PAD_PROBE_INFO_BUFFER the probe's buffer is read-only ----


def test_probe_buffer_without_the_helper_reads_but_refuses_writes(capfd):
    errors, reads, refusals = [], [], []

    def upstream(pad, info):  # a's sink pad: attaches what the next probe reads
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = VideoFrame(buffer, caps=pad.get_current_caps())
            roi = frame.add_region(1, 2, 3, 4, label="up", confidence=0.75)
            roi.add_tensor("attr")["value"] = buffer.offset
            frame.add_message("up")
            frame.add_tensor()["k"] = 1

    def plain(pad, info):  # a's src pad: info.get_buffer(), no helper
        buffer = info.get_buffer()
        frame = VideoFrame(buffer, caps=pad.get_current_caps())
        (roi,) = frame.regions()
        (attr,) = [t for t in roi.tensors() if t.name() == "attr"]
        (tensor,) = frame.tensors()
        (message,) = frame.messages()
        reads.append(
            (
                tuple(roi.rect()),
                roi.label(),
                roi.confidence(),
                attr["value"],
                message,
                dict(tensor),
                buffer.offset,
            )
        )
        writes = {
            "add_region": lambda: frame.add_region(5, 5, 5, 5, label="lost"),
            "add_message": lambda: frame.add_message("lost"),
            "add_tensor": frame.add_tensor,
            "remove_region": lambda: frame.remove_region(roi),
            "remove_message": lambda: frame.remove_message(message),
            "set_object_id": lambda: roi.set_object_id(7),
            "roi.add_tensor": lambda: roi.add_tensor("lost"),
            "tensor[]=": lambda: tensor.__setitem__("lost", 1),
            "del tensor[]": lambda: tensor.__delitem__("k"),
            "set_name": lambda: attr.set_name("lost"),
            "set_label": lambda: attr.set_label("lost"),
            "detection[]=": lambda: roi.detection().__setitem__("confidence", 0.0),
        }
        for name, write in writes.items():
            try:
                write()
            except RuntimeError as e:
                if "not writable" in str(e) and not isinstance(e, ExpiredError):
                    refusals.append(name)
                else:
                    errors.append(f"{name}: {e!r}")
            else:
                errors.append(f"{name}: no error")

    samples = run(
        LAUNCH,
        {
            ("a", "sink"): record_errors(errors, upstream),
            ("a", "src"): record_errors(errors, plain),
        },
    )
    assert errors == []
    assert sorted(r[-1] for r in reads) == list(range(N))
    for rect, label, confidence, value, message, tensor, offset in reads:
        assert (rect, label, confidence, value, message, tensor) == (
            (1, 2, 3, 4),
            "up",
            0.75,
            offset,
            "up",
            {"k": 1},
        )
    assert len(refusals) == 12 * N
    # Nothing of the refused writes reached downstream.
    assert len(samples) == N
    for sample in samples:
        frame = VideoFrame(sample.get_buffer(), caps=sample.get_caps())
        assert [
            (tuple(r.rect()), r.label(), r.object_id()) for r in frame.regions()
        ] == [((1, 2, 3, 4), "up", None)]
        (roi,) = frame.regions()
        assert [t.name() for t in roi.tensors()] == ["detection", "attr"]
        assert dict(roi.detection())["confidence"] == 0.75
        assert frame.messages() == ["up"]
        assert [dict(t) for t in frame.tensors()] == [{"k": 1}]
    assert "CRITICAL" not in capfd.readouterr().err


def test_second_with_block_in_one_probe_writes_to_a_copy_that_reaches_downstream(capfd):
    """After the first block the buffer is shared (info + kept wrapper): the second block copies it."""
    errors, kept = [], []

    def writer(pad, info):
        caps = pad.get_current_caps()
        with GST_PAD_PROBE_INFO_BUFFER(info) as first:
            VideoFrame(first, caps=caps).add_message("first")
        with GST_PAD_PROBE_INFO_BUFFER(info) as second:
            frame = VideoFrame(second, caps=caps)
            assert frame.messages() == ["first"]  # the copy carries the metas
            frame.add_message("second")
        assert hash(second) != hash(first)
        assert VideoFrame(first, caps=caps).messages() == ["first"]
        kept.append(first)

    samples = run(LAUNCH, {("a", "src"): record_errors(errors, writer)})
    assert errors == []
    assert [
        VideoFrame(s.get_buffer(), caps=s.get_caps()).messages() for s in samples
    ] == [["first", "second"]] * N
    assert all(refcount(b) == 1 for b in kept)
    assert "CRITICAL" not in capfd.readouterr().err


def test_helper_refuses_a_probe_info_without_a_buffer():
    seen = []

    def on_event(pad, info):
        try:
            with GST_PAD_PROBE_INFO_BUFFER(info):
                seen.append("entered")
        except RuntimeError as e:
            seen.append(str(e))
        return Gst.PadProbeReturn.OK

    pipeline = Gst.parse_launch(LAUNCH.format(n=2))
    pipeline.get_by_name("a").get_static_pad("src").add_probe(
        Gst.PadProbeType.EVENT_DOWNSTREAM, on_event
    )
    pipeline.set_state(Gst.State.PLAYING)
    sink = pipeline.get_by_name("sink")
    while sink.emit("try-pull-sample", 5 * Gst.SECOND) is not None:
        pass
    pipeline.set_state(Gst.State.NULL)
    assert seen and all("holds no buffer" in s for s in seen), seen
    with pytest.raises(TypeError):
        GST_PAD_PROBE_INFO_BUFFER(Gst.Buffer())


# ---- 3. the yielded buffer outlives the with block ----


def test_yielded_buffer_stays_valid_after_the_with_block_and_after_the_pipeline(capfd):
    errors, kept, after_block = [], [], []

    def writer(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = VideoFrame(buffer, caps=pad.get_current_caps())
            roi = frame.add_region(buffer.offset, 1, 2, 3, label="kept")
            roi.add_tensor("attr")["n"] = buffer.offset
            tensor = frame.add_tensor()
            tensor["n"] = buffer.offset
        # After the block the info has its reference back: readable, no longer writable.
        after_block.append(
            (refcount(buffer), [tuple(r.rect()) for r in frame.regions()], tensor["n"])
        )
        for write in (
            lambda: frame.add_message("x"),
            lambda: roi.set_object_id(1),
            lambda: tensor.__setitem__("n", 0),
        ):
            try:
                write()
                errors.append("write after the block succeeded")
            except RuntimeError as e:
                if "not writable" not in str(e):
                    errors.append(repr(e))
        kept.append((buffer, frame, roi, tensor, buffer.offset))

    samples = run(LAUNCH, {("a", "src"): record_errors(errors, writer)})
    assert errors == []
    assert len(samples) == N
    assert [(rc, rects, n) for rc, rects, n in after_block] == [
        (2, [(i, 1, 2, 3)], i) for i in range(N)
    ]
    del samples
    gc.collect()

    # The pipeline is gone: each kept buffer is ours alone, and everything still reads.
    for buffer, frame, roi, tensor, offset in kept:
        assert refcount(buffer) == 1
        assert tuple(roi.rect()) == (offset, 1, 2, 3)
        assert roi.label() == "kept"
        assert [t["n"] for t in roi.tensors() if t.name() == "attr"] == [offset]
        assert tensor["n"] == offset
        assert [
            tuple(r.rect())
            for r in VideoFrame(buffer, caps=frame.video_info().to_caps()).regions()
        ] == [(offset, 1, 2, 3)]
        # Nobody else holds it now, so it is writable again.
        frame.add_message("after")
        assert frame.messages() == ["after"]

    # Handles alone keep their buffer alive.
    handles = [(roi, tensor, offset) for _, _, roi, tensor, offset in kept]
    kept.clear()
    del buffer, frame, roi, tensor
    gc.collect()
    for roi, tensor, offset in handles:
        assert tuple(roi.rect()) == (offset, 1, 2, 3)
        assert tensor["n"] == offset
    del handles
    gc.collect()
    assert "CRITICAL" not in capfd.readouterr().err


def _run_python(code, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


PREAMBLE = """
    import gc, sys
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    from gstgva import VideoFrame
    from gstgva.util import GST_PAD_PROBE_INFO_BUFFER
"""


def test_pipeline_teardown_with_live_handles_does_not_crash():
    """Handles from probes outlive pipeline, pads and buffers; exit after gc is clean."""
    code = (
        PREAMBLE
        + """
    kept = []
    def writer(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            frame = VideoFrame(buffer, caps=pad.get_current_caps())
            roi = frame.add_region(1, 2, 3, 4, label="x")
            kept.append((roi, roi.detection(), frame.add_tensor(), frame))
        return Gst.PadProbeReturn.OK
    for _ in range(3):
        p = Gst.parse_launch("videotestsrc num-buffers=20 ! video/x-raw,format=BGRx,width=320,height=240 ! "
                             "identity name=a ! fakesink sync=false")
        p.get_by_name("a").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, writer)
        p.set_state(Gst.State.PLAYING)
        msg = p.get_bus().timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        assert msg is not None and msg.type == Gst.MessageType.EOS, msg
        p.set_state(Gst.State.NULL)
        del p, msg
        gc.collect()
    assert len(kept) == 60
    # The detection tensor holds the box normalized by the frame size (320x240).
    box = (1 / 320, 2 / 240, 4 / 320, 6 / 240)
    for r, d, _, _ in kept:
        assert tuple(r.rect()) == (1, 2, 3, 4), tuple(r.rect())
        assert (d["x_min"], d["y_min"], d["x_max"], d["y_max"]) == box, dict(d)
        # DL Streamer's normalized_rect(): x_min, y_min, x_max - x_min, y_max - y_min.
        normalized = (box[0], box[1], box[2] - box[0], box[3] - box[1])
        assert tuple(r.normalized_rect()) == normalized, tuple(r.normalized_rect())
    del kept[::2]
    gc.collect()
    kept[0][2]["late"] = 1  # the pipeline is gone: the buffer is ours alone
    print("OK", len(kept))
    """
    )
    out = _run_python(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["OK", "30"]
    assert "CRITICAL" not in out.stderr


def test_helper_without_as_target_keeps_the_buffer_flowing():
    code = (
        PREAMBLE
        + """
    written = []
    def probe(pad, info):
        with GST_PAD_PROBE_INFO_BUFFER(info):  # the yielded buffer is not kept
            written.append(1)
        return Gst.PadProbeReturn.OK
    p = Gst.parse_launch("videotestsrc num-buffers=20 ! video/x-raw,format=BGRx,width=320,height=240 ! "
                         "identity name=a ! appsink name=sink sync=false")
    p.get_by_name("a").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, probe)
    sink = p.get_by_name("sink")
    p.set_state(Gst.State.PLAYING)
    n = 0
    while sink.emit("try-pull-sample", 5 * Gst.SECOND) is not None:
        n += 1
    error = p.get_bus().pop_filtered(Gst.MessageType.ERROR)
    p.set_state(Gst.State.NULL)
    print("FRAMES", n, len(written), error is None)
    """
    )
    out = _run_python(code)
    assert out.returncode == 0, out.stderr
    assert "CRITICAL" not in out.stderr, out.stderr
    assert out.stdout.split() == ["FRAMES", "20", "20", "True"], out.stdout


def test_gstgva_exports_what_probes_use():
    assert issubclass(gstgva.ExpiredError, RuntimeError)
    assert gstgva.util.GST_PAD_PROBE_INFO_BUFFER is GST_PAD_PROBE_INFO_BUFFER
