"""The public ``gstgva`` API (SPEC §3, DLSTREAMER.md §1), method by method, with asserted values.

Covers ``VideoFrame`` (construction, regions, tensors, messages, writability), ``RegionOfInterest``,
``Tensor`` (getters, enums, ``data()``, the mapping protocol, values stored by Python and by
GStreamer's C code), ``Rect`` and ``gstgva.util.GST_PAD_PROBE_INFO_BUFFER``. ``VideoFrame.data()``
is tested elsewhere. Known bugs are ``xfail(strict=True)`` tests with the bug as reason.
"""

import ast
import enum
import gc
import json
import pathlib
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")

import gstgva
import numpy as np
import pytest
from gi.repository import Gst, GstVideo
from gstgva import ExpiredError, Rect, RegionOfInterest, Tensor, VideoFrame
from gstgva.util import GST_PAD_PROBE_INFO_BUFFER

Gst.init(None)

W, H = 64, 48
CAPS_TEXT = f"video/x-raw,format=BGRx,width={W},height={H},framerate=30/1"
NOT_OURS_MESSAGE = "VideoFrame: message doesn't belong to this VideoFrame"
DETECTION_LABEL = "Detection GVA::Tensor can't have label."


def caps():
    return Gst.Caps.from_string(CAPS_TEXT)


def new_buffer(size=W * H * 4):
    return Gst.Buffer.new_allocate(None, size, None)


@pytest.fixture
def buf():
    return new_buffer()


@pytest.fixture
def frame(buf):
    return VideoFrame(buf, caps=caps())


def bare_region(buffer, frame, x=1, y=2, w=3, h=4, roi_type=0):
    """A region attached by GStreamer's C API (PyGObject): no params, ``roi_type`` quark."""
    meta = GstVideo.buffer_add_video_region_of_interest_meta_id(
        buffer, roi_type, x, y, w, h
    )
    (roi,) = [r for r in frame.regions() if r.meta() == hash(meta)]
    return meta, roi


# ---- the package ----


def test_package_exports_dlstreamers_names():
    assert set(gstgva.__all__) == {
        "ExpiredError",
        "Rect",
        "RegionOfInterest",
        "Tensor",
        "VideoFrame",
        "util",
    }
    assert gstgva.VideoFrame is VideoFrame
    assert gstgva.util.GST_PAD_PROBE_INFO_BUFFER is GST_PAD_PROBE_INFO_BUFFER
    assert issubclass(ExpiredError, RuntimeError)
    assert gstgva.util.__all__ == ["GST_PAD_PROBE_INFO_BUFFER"]


def test_type_stubs_are_installed_with_the_package():
    package = pathlib.Path(gstgva.__file__).parent
    for name in (
        "__init__.pyi",
        "_native.pyi",
        "util.pyi",
        "_message.pyi",
        "_data.pyi",
        "py.typed",
    ):
        assert (package / name).is_file(), name


def stub_enum(name):
    """``{member: value}`` of class ``Tensor.<name>`` as written in the installed stub."""
    tree = ast.parse((pathlib.Path(gstgva.__file__).parent / "_native.pyi").read_text())
    (tensor,) = [
        n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor"
    ]
    (cls,) = [n for n in tensor.body if isinstance(n, ast.ClassDef) and n.name == name]
    return {
        a.targets[0].id: ast.literal_eval(a.value)
        for a in cls.body
        if isinstance(a, ast.Assign)
    }


@pytest.mark.parametrize("name", ["PRECISION", "LAYOUT"])
def test_stub_enums_match_the_runtime_enums(name):
    # stubtest does not compare the values of these nested enums, so this test does.
    runtime = {m.name: m.value for m in getattr(Tensor, name)}
    assert stub_enum(name) == runtime


def test_objects_cannot_be_made_without_a_frame():
    with pytest.raises(TypeError):
        RegionOfInterest()
    with pytest.raises(TypeError):
        Tensor()


# ---- VideoFrame construction ----


def test_frame_from_caps_has_their_video_info(buf):
    frame = VideoFrame(buf, caps=caps())
    info = frame.video_info()
    assert isinstance(info, GstVideo.VideoInfo)
    assert (info.width, info.height) == (W, H)
    assert info.finfo.format == GstVideo.VideoFormat.BGRX
    assert frame.video_info() is info  # one wrapper, not a new one per call


def test_frame_from_video_info_returns_that_object(buf):
    info = GstVideo.VideoInfo.new()
    info.set_format(GstVideo.VideoFormat.BGR, 40, 30)
    frame = VideoFrame(buf, info)
    assert frame.video_info() is info
    assert (frame.video_info().width, frame.video_info().height) == (40, 30)
    region = frame.add_region(0, 0, 40, 30)
    assert tuple(region.normalized_rect()) == (0.0, 0.0, 1.0, 1.0)


def test_frame_keyword_arguments(buf):
    info = GstVideo.VideoInfo.new()
    info.set_format(GstVideo.VideoFormat.NV12, 32, 16)
    assert VideoFrame(buffer=buf, caps=caps()).video_info().width == W
    assert VideoFrame(buffer=buf, video_info=info).video_info() is info
    # Both given: video_info wins (DL Streamer's order of preference).
    both = VideoFrame(buf, caps=caps(), video_info=info)
    assert both.video_info() is info
    assert both.video_info().width == 32


def test_frame_without_info_or_video_meta(buf):
    frame = VideoFrame(buf)
    assert frame.video_info() is None
    assert frame.video_meta() is None
    assert list(frame.regions()) == []
    assert list(frame.tensors()) == []
    assert frame.messages() == []
    # Metadata that needs no frame size still works...
    frame.add_message("m")
    assert frame.add_tensor().name() == "meta"
    assert frame.messages() == ["m"]
    # ...regions need the frame size.
    with pytest.raises(RuntimeError, match="no video info"):
        frame.add_region(1, 2, 3, 4)


def test_frame_without_info_takes_the_size_from_gstvideometa(buf):
    GstVideo.buffer_add_video_meta(
        buf, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.NV12, 32, 16
    )
    frame = VideoFrame(buf)
    info = frame.video_info()
    assert (info.width, info.height) == (32, 16)
    meta = frame.video_meta()
    assert (meta.width, meta.height) == (32, 16)
    assert meta.format == GstVideo.VideoFormat.NV12
    region = frame.add_region(0, 0, 16, 8)
    assert tuple(region.normalized_rect()) == (0.0, 0.0, 0.5, 0.5)


def test_video_meta_is_none_when_the_buffer_has_none(frame):
    assert frame.video_meta() is None


def test_video_meta_with_caps(buf):
    GstVideo.buffer_add_video_meta(
        buf, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.BGRX, W, H
    )
    meta = VideoFrame(buf, caps=caps()).video_meta()
    assert (meta.format, meta.width, meta.height) == (GstVideo.VideoFormat.BGRX, W, H)
    assert meta.n_planes == 1
    assert meta.stride[0] == W * 4


@pytest.mark.parametrize("bad", ["str", None, 42, b"bytes"])
def test_frame_refuses_what_is_not_a_buffer(bad):
    with pytest.raises(TypeError, match=r"Gst\.Buffer"):
        VideoFrame(bad)


def test_frame_refuses_caps_of_another_type(buf):
    with pytest.raises(TypeError, match=r"Gst\.Caps"):
        VideoFrame(buf, caps="video/x-raw")
    with pytest.raises(TypeError, match=r"GstVideo\.VideoInfo or a Gst\.Caps, got str"):
        VideoFrame(buf, video_info="video/x-raw")


@pytest.mark.parametrize(
    "text",
    [
        "audio/x-raw,format=S16LE,rate=44100,channels=1,layout=interleaved",
        "video/x-raw",  # not fixed
    ],
)
def test_frame_refuses_caps_that_are_not_fixed_raw_video(buf, text):
    with pytest.raises(ValueError, match="caps"):
        VideoFrame(buf, caps=Gst.Caps.from_string(text))


def test_frame_repr(frame):
    frame.add_region(1, 2, 3, 4)
    frame.add_message("m")
    assert repr(frame) == f"VideoFrame({W}x{H} BGRx, 1 regions, 0 tensors, 1 messages)"


# ---- VideoFrame: regions ----


def test_add_region_in_pixels(frame):
    region = frame.add_region(10, 20, 30, 24, label="face", confidence=0.75)
    assert isinstance(region, RegionOfInterest)
    rect = region.rect()
    assert isinstance(rect, Rect)
    assert isinstance(rect, tuple)
    assert rect == (10, 20, 30, 24)
    assert (rect.x, rect.y, rect.w, rect.h) == (10, 20, 30, 24)
    assert all(type(v) is int for v in rect)
    assert region.label() == "face"
    assert region.confidence() == 0.75
    assert region.label_id() is None  # DL Streamer's add_region sets no label_id
    assert region.object_id() is None
    # DL Streamer's formula: (x_min, y_min, x_max - x_min, y_max - y_min).
    assert region.normalized_rect() == (
        10 / W,
        20 / H,
        40 / W - 10 / W,
        44 / H - 20 / H,
    )
    detection = region.detection()
    assert detection.name() == "detection"
    assert dict(detection) == {
        "confidence": 0.75,
        "x_min": 10 / W,
        "x_max": 40 / W,
        "y_min": 20 / H,
        "y_max": 44 / H,
    }
    assert detection.fields() == ["confidence", "x_min", "x_max", "y_min", "y_max"]


def test_add_region_accepts_float_pixels_and_truncates(frame):
    assert frame.add_region(10.9, 20.9, 5.5, 5.5).rect() == (10, 20, 5, 5)


def test_add_region_defaults(frame):
    region = frame.add_region(1, 2, 3, 4)
    assert region.label() == ""
    assert region.confidence() == 0.0


def test_add_region_normalized_truncates_like_int(frame):
    # 0.1*64 = 6.4, 0.2*48 = 9.6, 0.3*64 = 19.2, 0.4*48 = 19.2: int() truncates, never rounds.
    region = frame.add_region(0.1, 0.2, 0.3, 0.4, normalized=True)
    assert region.rect() == (6, 9, 19, 19)
    n = region.normalized_rect()
    assert n == pytest.approx((0.1, 0.2, 0.3, 0.4))
    assert all(type(v) is float for v in n)
    d = region.detection()
    assert (d["x_min"], d["y_min"]) == (0.1, 0.2)
    assert (d["x_max"], d["y_max"]) == pytest.approx((0.4, 0.6))


def test_add_region_clips_with_a_user_warning(frame):
    with pytest.warns(UserWarning, match="clipped") as record:
        region = frame.add_region(-10, 5, 30, 100, label="big")
    assert len(record) == 1
    assert region.rect() == (0, 5, 20, H - 5)
    # The detection box is the clipped one.
    assert region.normalized_rect() == (0.0, 5 / H, 20 / W, (H - 5) / H)


def test_add_region_normalized_clips_with_a_user_warning(frame):
    with pytest.warns(UserWarning, match="clipped"):
        region = frame.add_region(0.5, 0.5, 0.7, 0.1, normalized=True)
    # w clipped to 0.5 → int(0.5*64) = 32; h 0.1 → int(4.8) = 4
    assert region.rect() == (32, 24, 32, 4)
    assert region.normalized_rect().w == 0.5


def test_add_region_inside_the_frame_does_not_warn(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame.add_region(0, 0, W, H)
        frame.add_region(0.0, 0.0, 1.0, 1.0, normalized=True)


def _add_region_outside(frame):
    frame.add_region(0, 0, W + 1, H)  # the user's line the warning should name


def test_add_region_clipping_warning_names_the_calling_line(frame):
    with pytest.warns(UserWarning) as record:
        _add_region_outside(frame)
    assert record[0].filename == __file__
    assert record[0].lineno == _add_region_outside.__code__.co_firstlineno + 1


def test_add_region_extra_params_are_stored_as_json(frame):
    extra = {"attributes": {"color": "red"}, "scores": [0.5, 1], "n": 3}
    region = frame.add_region(1, 2, 3, 4, extra_params=extra)
    text = region.detection()["extra_params_json"]
    assert text == json.dumps(extra)
    assert json.loads(text) == extra
    assert not frame.add_region(1, 2, 3, 4).detection().has_field("extra_params_json")


def test_add_region_refuses_bad_input(frame):
    with pytest.raises(TypeError):
        frame.add_region(1, 2, 3, 4, extra_params={"x": object()})
    with pytest.raises(ValueError):
        frame.add_region(float("nan"), 2, 3, 4)
    with pytest.raises(ValueError):
        frame.add_region(1, 2, 3, 4, label="a\0b")
    assert list(frame.regions()) == []


def test_regions_in_attachment_order(frame):
    added = [frame.add_region(i, i, 2, 2, label=f"r{i}") for i in range(4)]
    regions = frame.regions()
    assert isinstance(regions, Iterator)
    regions = list(regions)
    assert [r.label() for r in regions] == ["r0", "r1", "r2", "r3"]
    assert regions == added


def test_remove_region(frame):
    a = frame.add_region(1, 2, 3, 4, label="a")
    b = frame.add_region(5, 6, 7, 8, label="b")
    a_tensor = a.add_tensor("cls")
    frame.remove_region(a)
    assert [r.label() for r in frame.regions()] == ["b"]
    assert b.rect() == (5, 6, 7, 8)
    # Handles of the removed region raise instead of reading freed memory.
    with pytest.raises(ExpiredError, match="removed"):
        a.rect()
    with pytest.raises(ExpiredError):
        a_tensor.name()
    with pytest.raises(RuntimeError):
        frame.remove_region(a)


# Run in a child process: today the handle reads freed memory, which must not take pytest down.
REMOVED_BEHIND_OUR_BACK = textwrap.dedent(
    """
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstVideo", "1.0")
    from gi.repository import Gst, GstVideo
    Gst.init(None)
    from gstgva import ExpiredError, VideoFrame

    buf = Gst.Buffer.new_allocate(None, 16, None)
    frame = VideoFrame(buf, caps=Gst.Caps.from_string(
        "video/x-raw,format=BGRx,width=64,height=48"))
    region = frame.add_region(1, 2, 3, 4, label="x")
    meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, region.region_id())
    assert buf.remove_meta(meta.meta)  # GStreamer's own API frees the meta
    assert list(frame.regions()) == []
    for name in ("rect", "label", "region_id", "meta"):
        try:
            value = getattr(region, name)()
        except ExpiredError:
            print(name, "ExpiredError")
        else:
            print(name, "returned", repr(value))
    """
)


def test_region_removed_by_gstreamers_api_raises_expired():
    result = subprocess.run(
        [sys.executable, "-c", REMOVED_BEHIND_OUR_BACK],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == [
        "rect ExpiredError",
        "label ExpiredError",
        "region_id ExpiredError",
        "meta ExpiredError",
    ]


def test_remove_region_of_another_frame_raises(frame):
    other = VideoFrame(new_buffer(), caps=caps())
    theirs = other.add_region(1, 2, 3, 4, label="theirs")
    frame.add_region(1, 2, 3, 4, label="ours")
    with pytest.raises(RuntimeError, match="doesn't belong to this VideoFrame"):
        frame.remove_region(theirs)
    assert [r.label() for r in other.regions()] == ["theirs"]
    assert [r.label() for r in frame.regions()] == ["ours"]


def test_remove_region_through_another_frame_of_the_same_buffer(buf, frame):
    region = frame.add_region(1, 2, 3, 4)
    VideoFrame(buf, caps=caps()).remove_region(region)
    assert list(frame.regions()) == []


def test_remove_region_refuses_what_is_not_a_region(frame):
    with pytest.raises(TypeError, match="RegionOfInterest"):
        frame.remove_region("region")


def test_metadata_is_copied_with_the_buffer(buf, frame):
    region = frame.add_region(1, 2, 3, 4, label="x", confidence=0.5)
    region.set_object_id(5)
    region.add_tensor("cls")["label"] = "cat"
    frame.add_tensor()["k"] = [1, 2]
    frame.add_message("m")
    copy = VideoFrame(buf.copy_deep(), caps=caps())
    (copied,) = copy.regions()
    assert (copied.label(), copied.rect(), copied.object_id()) == ("x", (1, 2, 3, 4), 5)
    assert copied.region_id() == region.region_id()
    assert [dict(t) for t in copied.tensors()] == [dict(t) for t in region.tensors()]
    assert [dict(t) for t in copy.tensors()] == [{"k": [1, 2]}]
    assert copy.messages() == ["m"]
    copy.remove_region(copied)
    copy.remove_message(copy.messages()[0])
    assert region.rect() == (1, 2, 3, 4)  # the original is untouched
    assert frame.messages() == ["m"]


# ---- VideoFrame: tensors ----


def test_frame_add_tensor(frame):
    t = frame.add_tensor()
    assert isinstance(t, Tensor)
    assert t.name() == "meta"
    assert len(t) == 0
    t["layer_name"] = "out"
    u = frame.add_tensor()
    tensors = frame.tensors()
    assert isinstance(tensors, Iterator)
    assert [x.layer_name() for x in tensors] == ["out", None]
    assert u.name() == "meta"


# ---- VideoFrame: messages ----


def test_messages_are_str_subclass_instances_in_order(frame):
    frame.add_message('{"a": 1}')
    frame.add_message("not json")  # not validated, like DL Streamer
    messages = frame.messages()
    assert isinstance(messages, list)
    assert messages == ['{"a": 1}', "not json"]
    for m in messages:
        assert isinstance(m, str)
        assert type(m) is not str
    assert json.loads(messages[0]) == {"a": 1}


def test_remove_message(frame):
    frame.add_message("first")
    frame.add_message("second")
    frame.remove_message(frame.messages()[0])
    assert frame.messages() == ["second"]


def test_remove_message_refuses_a_plain_str(frame):
    frame.add_message("m")
    with pytest.raises(RuntimeError) as e:
        frame.remove_message("m")
    assert str(e.value) == NOT_OURS_MESSAGE
    assert frame.messages() == ["m"]


def test_remove_message_refuses_a_message_of_another_frame(frame):
    other = VideoFrame(new_buffer(), caps=caps())
    other.add_message("m")
    frame.add_message("m")
    with pytest.raises(RuntimeError) as e:
        frame.remove_message(other.messages()[0])
    assert str(e.value) == NOT_OURS_MESSAGE
    assert frame.messages() == ["m"]
    assert other.messages() == ["m"]


def test_remove_message_through_another_frame_of_the_same_buffer(buf, frame):
    frame.add_message("m")
    (m,) = VideoFrame(buf).messages()
    frame.remove_message(m)
    assert frame.messages() == []


def test_remove_message_twice_raises(frame):
    frame.add_message("m")
    (m,) = frame.messages()
    frame.remove_message(m)
    with pytest.raises(RuntimeError) as e:
        frame.remove_message(m)
    assert str(e.value) == NOT_OURS_MESSAGE


def test_add_message_refuses_a_non_str(frame):
    with pytest.raises(TypeError):
        frame.add_message(b"bytes")


# ---- RegionOfInterest ----


def test_region_label_is_none_without_a_type_and_empty_for_an_empty_label(buf, frame):
    assert frame.add_region(1, 2, 3, 4, label="").label() == ""
    _, bare = bare_region(buf, frame)
    assert bare.label() is None


def test_region_without_detection(buf, frame):
    _, bare = bare_region(buf, frame, 5, 6, 7, 8)
    assert bare.rect() == (5, 6, 7, 8)
    assert bare.normalized_rect() is None
    assert bare.confidence() is None
    assert bare.label_id() is None
    assert bare.object_id() is None
    assert list(bare.tensors()) == []


def test_region_detection_is_created_when_missing(buf, frame):
    _, bare = bare_region(buf, frame)
    d = bare.detection()
    assert d.name() == "detection"
    assert d.is_detection()
    assert len(d) == 0
    assert [t.name() for t in bare.tensors()] == ["detection"]
    assert bare.detection().fields() == []  # the same one, not a second


def test_region_label_id_and_confidence_come_from_the_detection(frame):
    region = frame.add_region(1, 2, 3, 4, confidence=0.25)
    region.detection()["label_id"] = 7
    assert region.label_id() == 7
    region.detection()["confidence"] = 0.5
    assert region.confidence() == 0.5


def test_region_ids_are_unique_and_not_zero(frame):
    ids = [frame.add_region(1, 2, 3, 4).region_id() for _ in range(10)]
    assert all(isinstance(i, int) and i != 0 for i in ids)
    assert len(set(ids)) == len(ids)
    assert [r.region_id() for r in frame.regions()] == ids


def test_region_parent_id(buf, frame):
    parent = frame.add_region(1, 2, 30, 30)
    child = frame.add_region(5, 5, 4, 4)
    assert child.parent_id() == 0
    meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, child.region_id())
    meta.parent_id = parent.region_id()
    assert child.parent_id() == parent.region_id()


def test_region_object_id(frame):
    region = frame.add_region(1, 2, 3, 4)
    assert region.object_id() is None
    region.set_object_id(42)
    assert region.object_id() == 42
    region.set_object_id(43)
    assert region.object_id() == 43
    # The "object_id" structure is not one of the region's tensors.
    assert [t.name() for t in region.tensors()] == ["detection"]


def test_region_tensors_include_the_detection(frame):
    region = frame.add_region(1, 2, 3, 4)
    region.set_object_id(1)
    cls = region.add_tensor("classification")
    cls["label"] = "cat"
    tensors = region.tensors()
    assert isinstance(tensors, Iterator)
    tensors = list(tensors)
    assert [t.name() for t in tensors] == ["detection", "classification"]
    assert [t.is_detection() for t in tensors] == [True, False]
    assert tensors[1].label() == "cat"


def test_region_add_tensor_by_name(frame):
    region = frame.add_region(1, 2, 3, 4)
    t = region.add_tensor("age")
    assert t.name() == "age"
    assert len(t) == 0
    assert region.add_tensor(name="gender").name() == "gender"
    with pytest.raises(ValueError):
        region.add_tensor("not a valid name!")
    assert [x.name() for x in region.tensors()] == ["detection", "age", "gender"]


def test_region_add_tensor_copies_and_renames(frame):
    src_region = frame.add_region(1, 2, 3, 4)
    src = src_region.add_tensor("age")
    src["value"] = 31
    src["label"] = "adult"
    other = VideoFrame(new_buffer(), caps=caps())
    dst_region = other.add_region(5, 6, 7, 8)

    copy = dst_region.add_tensor(tensor=src)
    assert copy.name() == "age"
    assert dict(copy) == {"value": 31, "label": "adult"}
    copy["value"] = 32
    assert src["value"] == 31  # a copy, not the same structure

    renamed = dst_region.add_tensor("years", tensor=src)
    assert renamed.name() == "years"
    assert renamed["value"] == 31
    assert src.name() == "age"
    assert [t.name() for t in dst_region.tensors()] == ["detection", "age", "years"]


def test_region_meta_is_the_address_pygobject_hashes(buf, frame):
    region = frame.add_region(1, 2, 3, 4)
    meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, region.region_id())
    assert isinstance(region.meta(), int)
    assert region.meta() == hash(meta)
    assert (meta.x, meta.y, meta.w, meta.h) == (1, 2, 3, 4)


def test_region_equality_and_hash(frame):
    a = frame.add_region(1, 2, 3, 4)
    b = frame.add_region(1, 2, 3, 4)
    a_again, b_again = frame.regions()
    assert a == a_again and b == b_again
    assert a != b
    assert hash(a) == hash(a_again)
    assert len({a, b, a_again, b_again}) == 2
    assert a != "region"
    assert {a: "x"}[a_again] == "x"


def test_region_repr(frame):
    region = frame.add_region(1, 2, 3, 4, label="face", confidence=0.5)
    assert "face" in repr(region) and "(1, 2, 3, 4)" in repr(region)


def test_region_outlives_its_frame_object(buf):
    region = VideoFrame(buf, caps=caps()).add_region(1, 2, 3, 4, label="kept")
    gc.collect()
    assert region.label() == "kept"
    assert region.rect() == (1, 2, 3, 4)


# ---- Rect ----


def test_rect_is_a_tuple_with_named_fields(frame):
    rect = frame.add_region(1, 2, 3, 4).rect()
    x, y, w, h = rect
    assert (x, y, w, h) == (1, 2, 3, 4)
    assert rect[2] == 3
    assert len(rect) == 4
    assert repr(rect) == "gstgva.Rect(x=1, y=2, w=3, h=4)"
    match rect:
        case Rect(x=1, y=2):
            pass
        case _:
            pytest.fail("Rect does not match by field")


# ---- Tensor: getters ----

STRING_GETTERS = ["model_name", "layer_name", "element_id", "format", "type"]


def test_tensor_getters_of_absent_fields(frame):
    t = frame.add_tensor()
    for getter in [
        *STRING_GETTERS,
        "label",
        "confidence",
        "label_id",
        "object_id",
        "dims",
        "data",
    ]:
        assert getattr(t, getter)() is None, getter
    assert t.precision() is Tensor.PRECISION.UNSPECIFIED
    assert t.layout() is Tensor.LAYOUT.ANY
    assert t.precision_as_string() == "UNSPECIFIED"
    assert t.layout_as_string() == "ANY"
    assert t.fields() == []
    assert t["anything"] is None
    assert not t.is_detection()


def test_tensor_getters_of_present_fields(frame):
    t = frame.add_tensor()
    for i, name in enumerate(STRING_GETTERS):
        t[name] = f"value{i}"
    t["label"] = "cat"
    t["confidence"] = 0.875
    t["label_id"] = 3
    t["object_id"] = 9
    t["dims"] = [1, 3, 224, 224]
    for i, name in enumerate(STRING_GETTERS):
        assert getattr(t, name)() == f"value{i}"
    assert t.label() == "cat"
    assert t.confidence() == 0.875
    assert t.label_id() == 3
    assert t.object_id() == 9
    assert t.dims() == [1, 3, 224, 224]
    assert t.fields() == [
        *STRING_GETTERS,
        "label",
        "confidence",
        "label_id",
        "object_id",
        "dims",
    ]


def test_tensor_confidence_of_an_int_field_like_dlstreamer(frame):
    t = frame.add_tensor()
    t["confidence"] = 1
    assert t.confidence() == 1


def test_tensor_set_name_and_set_label(frame):
    t = frame.add_region(1, 2, 3, 4).add_tensor("a")
    t.set_name("classification")
    assert t.name() == "classification"
    t.set_label("dog")
    assert t.label() == "dog"
    assert t["label"] == "dog"
    with pytest.raises(ValueError):
        t.set_name("bad name!")


def test_detection_tensor_has_no_label(frame):
    d = frame.add_region(1, 2, 3, 4, label="face").detection()
    assert d.is_detection()
    for call in (
        d.label,
        lambda: d.set_label("x"),
        lambda: d.__setitem__("label", "x"),
    ):
        with pytest.raises(RuntimeError) as e:
            call()
        assert str(e.value) == DETECTION_LABEL
    assert not d.has_field("label")


def test_renaming_a_tensor_to_detection_makes_it_one(frame):
    t = frame.add_tensor()
    t.set_name("detection")
    assert t.is_detection()
    with pytest.raises(RuntimeError, match="can't have label"):
        t.label()


# ---- Tensor: enums ----

PRECISIONS = {
    "UNSPECIFIED": 255,
    "FP32": 10,
    "FP16": 11,
    "BF16": 12,
    "FP64": 13,
    "Q78": 20,
    "I16": 30,
    "U4": 39,
    "U8": 40,
    "BOOL": 41,
    "I4": 49,
    "I8": 50,
    "U16": 60,
    "I32": 70,
    "BIN": 71,
    "I64": 72,
    "U64": 73,
    "U32": 74,
    "CUSTOM": 80,
}
LAYOUTS = {"ANY": 0, "NCHW": 1, "NHWC": 2, "NC": 193}


def test_enums_have_dlstreamers_values():
    assert issubclass(Tensor.PRECISION, enum.IntEnum)
    assert issubclass(Tensor.LAYOUT, enum.IntEnum)
    assert {m.name: m.value for m in Tensor.PRECISION} == PRECISIONS
    assert {m.name: m.value for m in Tensor.LAYOUT} == LAYOUTS
    assert Tensor.PRECISION.FP32 == 10
    assert Tensor.LAYOUT.NC == 193


@pytest.mark.parametrize("name, value", PRECISIONS.items())
def test_precision_reads_as_an_enum_member(frame, name, value):
    t = frame.add_tensor()
    t["precision"] = value
    assert t.precision() is Tensor.PRECISION[name]
    assert t.precision() == value
    assert t.precision_as_string() == name


@pytest.mark.parametrize("name, value", LAYOUTS.items())
def test_layout_reads_as_an_enum_member(frame, name, value):
    t = frame.add_tensor()
    t["layout"] = value
    assert t.layout() is Tensor.LAYOUT[name]
    assert t.layout_as_string() == name


def test_enum_members_can_be_stored(frame):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.FP16
    t["layout"] = Tensor.LAYOUT.NHWC
    assert (t["precision"], t["layout"]) == (11, 2)
    assert type(t["precision"]) is int


def test_layout_of_an_unknown_value_is_any_like_dlstreamer(frame):
    t = frame.add_tensor()
    t["layout"] = 7
    assert t.layout() is Tensor.LAYOUT.ANY


# ---- Tensor: fields ----


def test_has_field_is_true_for_zero_and_empty_values(frame):
    t = frame.add_tensor()
    t["zero"] = 0
    t["zero_float"] = 0.0
    t["empty"] = ""
    t["false"] = False
    t["empty_list"] = []
    for name in ("zero", "zero_float", "empty", "false", "empty_list"):
        assert t.has_field(name), name
        assert name in t
    assert not t.has_field("absent")
    assert "absent" not in t


def test_fields_keep_insertion_order(frame):
    t = frame.add_tensor()
    for name in ("c", "a", "b"):
        t[name] = 1
    t["a"] = 2  # overwriting keeps the position
    assert t.fields() == ["c", "a", "b"]


def test_delitem(frame):
    t = frame.add_tensor()
    t["a"] = 1
    t["b"] = 2
    del t["a"]
    assert t.fields() == ["b"]
    assert not t.has_field("a")
    assert t["a"] is None
    assert len(t) == 1
    with pytest.raises(KeyError):
        del t["a"]


def test_len_iter_and_repr(frame):
    t = frame.add_tensor()
    assert len(t) == 0
    assert list(t) == []
    assert repr(t) == "{}"
    t["s"] = "x"
    t["i"] = 1
    t["f"] = 0.5
    t["l"] = [1, 2]
    assert len(t) == 4
    it = iter(t)
    assert isinstance(it, Iterator)
    assert list(it) == [("s", "x"), ("i", 1), ("f", 0.5), ("l", [1, 2])]
    assert dict(t) == {"s": "x", "i": 1, "f": 0.5, "l": [1, 2]}
    assert repr(t) == repr(dict(t))


# Values set through Python: (value, what t[key] reads back).
PY_VALUES = {
    "str": ("hello", "hello"),
    "unicode": ("→ café", "→ café"),
    "empty_str": ("", ""),
    "int": (-7, -7),
    "int32_max": (2**31 - 1, 2**31 - 1),
    "int64": (-(2**40), -(2**40)),
    "uint64": (2**64 - 1, 2**64 - 1),
    "float": (0.1, 0.1),
    "bool_true": (True, True),
    "bool_false": (False, False),
    "bytes": (b"\x00\x01\xff", b"\x00\x01\xff"),
    "list": ([1, 2, 3], [1, 2, 3]),
    "str_list": (["a", "b"], ["a", "b"]),
    "nested_list": ([[1, 2], [3]], [[1, 2], [3]]),
    "tuple": ((1, 2), [1, 2]),
}


@pytest.mark.parametrize("key", PY_VALUES)
def test_setitem_and_getitem_round_trip(frame, key):
    value, expected = PY_VALUES[key]
    t = frame.add_tensor()
    t[key] = value
    got = t[key]
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, list):
        assert [type(v) for v in got] == [type(v) for v in expected]


def test_setitem_overwrites_with_another_type(frame):
    t = frame.add_tensor()
    t["k"] = 1
    t["k"] = "one"
    assert t["k"] == "one"
    assert len(t) == 1


# A list is stored as one GstValueArray, whose items share one type: ints widen to int64 when
# one needs it, ints and floats together become doubles; any other mix is refused whole.
# id: (value, what t["k"] reads back with the type of each item) or (exception type, message).
MIXED_LISTS = {
    "float-int": ([0.5, 1], ([0.5, 1.0], [float, float])),
    "int-float": ([1, 0.5], ([1.0, 0.5], [float, float])),
    "int32-int64": ([1, 2**40], ([1, 2**40], [int, int])),
    "int64-int32": ([2**40, 1], ([2**40, 1], [int, int])),
    "same-type": ([1, 2], ([1, 2], [int, int])),
    "nested-same": ([[1], [2]], ([[1], [2]], [list, list])),
    "empty": ([], ([], [])),
    "uint64-int32": (
        [2**63, 1],
        (ValueError, "list item 9223372036854775808 does not fit in a signed 64-bit int"),
    ),
    "int-bool": (
        [1, True],
        (TypeError, "list items must share one type (GstValueArray): found gint and gboolean"),
    ),
    "bool-int": (
        [True, 1],
        (TypeError, "list items must share one type (GstValueArray): found gboolean and gint"),
    ),
    "str-int": (
        ["a", 1],
        (TypeError, "list items must share one type (GstValueArray): found gchararray and gint"),
    ),
    "nested": (
        [[1], ["a"]],
        (
            TypeError,
            "list items must share one type (GstValueArray): found array<gint> and array<gchararray>",
        ),
    ),
    "nested-int-float": (
        [[1], [2.5]],
        (
            TypeError,
            "list items must share one type (GstValueArray): found array<gint> and array<gdouble>",
        ),
    ),
}


@pytest.mark.parametrize("case", MIXED_LISTS)
def test_setitem_of_a_mixed_list_stores_it_whole_or_refuses_it(capfd, frame, case):
    """Exactly one outcome per input: the stored list (item types included) or the refusal,
    which stores nothing; never a GStreamer CRITICAL and a truncated list."""
    value, outcome = MIXED_LISTS[case]
    t = frame.add_tensor()
    t["other"] = "kept"
    capfd.readouterr()
    if isinstance(outcome[0], type):
        error, text = outcome
        with pytest.raises(error) as raised:
            t["k"] = value
        assert type(raised.value) is error
        assert str(raised.value) == text
        assert not t.has_field("k")
        assert t.fields() == ["other"]
    else:
        stored, item_types = outcome
        t["k"] = value
        assert t["k"] == stored
        assert [type(v) for v in t["k"]] == item_types
        assert t.fields() == ["other", "k"]
    assert "CRITICAL" not in capfd.readouterr().err


@pytest.mark.parametrize(
    "value", [{"a": 1}, object(), None, {1, 2}, 1j, [1, {"a": 1}]], ids=repr
)
def test_setitem_refuses_unsupported_types(frame, value):
    t = frame.add_tensor()
    with pytest.raises(TypeError):
        t["k"] = value
    assert not t.has_field("k")


def test_setitem_refuses_unrepresentable_values(frame):
    t = frame.add_tensor()
    with pytest.raises(ValueError):
        t["big"] = 2**64
    with pytest.raises(ValueError):
        t["nul"] = "a\0b"
    with pytest.raises(ValueError):
        t["a\0b"] = 1
    assert t.fields() == []


STRUCTURE_TEXT = (
    "classification, "
    "s=(string)hello, i=(int)-3, u=(uint)4000000000, u64=(guint64)18446744073709551615, "
    "i64=(gint64)-5000000000, b=(boolean)true, fl=(float)0.5, d=(double)0.25, "
    "labels=(string)< cat, dog >, dims=(uint)< 1, 3 >, choices=(int){ 1, 2 }, fr=(fraction)1/2, "
    'zero=(uint)0, empty=(string)""'
)
C_VALUES = {
    "s": "hello",
    "i": -3,
    "u": 4000000000,
    "u64": 2**64 - 1,
    "i64": -5000000000,
    "b": True,
    "fl": 0.5,
    "d": 0.25,
    "labels": ["cat", "dog"],
    "dims": [1, 3],
    "choices": [1, 2],
    "fr": "1/2",  # no Python equivalent: GStreamer's serialization
    "zero": 0,
    "empty": "",
}


def test_values_stored_by_gstreamers_c_code(buf, frame):
    """Fields of every GType GStreamer's C parser makes, attached through PyGObject."""
    structure = Gst.Structure.new_from_string(STRUCTURE_TEXT)
    meta, region = bare_region(buf, frame)
    meta.add_param(structure)
    (t,) = region.tensors()
    assert t.name() == "classification"
    assert t.fields() == list(C_VALUES)
    for key, expected in C_VALUES.items():
        got = t[key]
        assert got == expected, key
        assert type(got) is type(expected), key
    assert dict(t) == C_VALUES
    assert t.dims() == [1, 3]
    assert t.has_field("zero") and t.has_field("empty")
    assert repr(t) == repr(C_VALUES)


def test_dims_written_from_python_are_an_array_of_uint_like_dlstreamer(buf, frame):
    region = frame.add_region(1, 2, 3, 4)
    region.add_tensor("cls")["dims"] = [1, 4]
    meta = GstVideo.buffer_get_video_region_of_interest_meta_id(buf, region.region_id())
    assert meta.get_param("cls").to_string() == "cls, dims=(uint)< 1, 4 >;"


# ---- Tensor: data() ----

DATA_CASES = [
    ("FP32", np.float32, [1.5, -2.0, 3.25]),
    ("FP16", np.float16, [0.5, 2.0]),
    ("FP64", np.float64, [1e100, -0.5]),
    ("I8", np.int8, [-128, 127]),
    ("I16", np.int16, [-3, 4]),
    ("I32", np.int32, [-(2**31), 7]),
    ("I64", np.int64, [-(2**40), 1]),
    ("U8", np.uint8, [0, 255]),
    ("U16", np.uint16, [65535]),
    ("U32", np.uint32, [2**32 - 1]),
    ("U64", np.uint64, [2**64 - 1]),
    ("BOOL", np.bool_, [True, False]),
    ("UNSPECIFIED", np.uint8, [9, 8]),
]


@pytest.mark.parametrize(
    "precision, dtype, values", DATA_CASES, ids=[c[0] for c in DATA_CASES]
)
def test_data_has_the_precisions_dtype(frame, precision, dtype, values):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION[precision]
    t["data_buffer"] = np.array(values, dtype=dtype).tobytes()
    data = t.data()
    assert isinstance(data, np.ndarray)
    assert data.dtype == np.dtype(dtype)
    assert data.ndim == 1
    assert data.tolist() == values


def test_data_bf16_widens_to_float32(frame):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.BF16
    t["data_buffer"] = np.array([0x3FC0, 0xC000], dtype=np.uint16).tobytes()
    data = t.data()
    assert data.dtype == np.float32
    assert data.tolist() == [1.5, -2.0]


def test_data_is_read_only_and_zero_copy(frame):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.FP32
    t["data_buffer"] = np.arange(4, dtype=np.float32).tobytes()
    a, b = t.data(), t.data()
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1.0
    assert np.shares_memory(a, b)  # both are views of the tensor's bytes


def test_data_stays_valid_after_the_frame_is_gone():
    buffer = new_buffer()
    frame = VideoFrame(buffer, caps=caps())
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.I32
    t["data_buffer"] = np.array([1, 2, 3], dtype=np.int32).tobytes()
    data = t.data()
    del t, frame, buffer
    gc.collect()
    for _ in range(3):  # churn the allocator
        VideoFrame(new_buffer(), caps=caps()).add_tensor()["data_buffer"] = b"\xff" * 12
    assert data.tolist() == [1, 2, 3]


def test_data_keeps_its_bytes_when_the_field_is_replaced(frame):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.U8
    t["data_buffer"] = b"\x01\x02"
    data = t.data()
    t["data_buffer"] = b"\x09\x09\x09"
    del t["data_buffer"]
    assert data.tolist() == [1, 2]


def test_data_refuses_a_partial_element(frame):
    t = frame.add_tensor()
    t["precision"] = Tensor.PRECISION.FP32
    t["data_buffer"] = b"\x01\x02\x03"
    with pytest.raises(ValueError, match="FP32"):
        t.data()


# ---- writability ----


@pytest.fixture
def shared(buf, frame):
    """A frame whose buffer another owner (a Gst.Sample) also holds: not writable.

    The sample is in a list so that a test can drop it (pytest keeps the fixture's value).
    """
    region = frame.add_region(1, 2, 3, 4, label="r")
    region_tensor = region.add_tensor("cls")
    region_tensor["k"] = 1
    _, bare = bare_region(buf, frame)
    tensor = frame.add_tensor()
    tensor["k"] = 1
    frame.add_message("m")
    sample = Gst.Sample.new(buf, caps(), None, None)
    return frame, region, bare, region_tensor, tensor, [sample]


WRITES = {
    "add_region": lambda f, r, bare, rt, t: f.add_region(5, 6, 7, 8),
    "add_message": lambda f, r, bare, rt, t: f.add_message("x"),
    "remove_message": lambda f, r, bare, rt, t: f.remove_message(f.messages()[0]),
    "add_tensor": lambda f, r, bare, rt, t: f.add_tensor(),
    "remove_region": lambda f, r, bare, rt, t: f.remove_region(r),
    "region.add_tensor": lambda f, r, bare, rt, t: r.add_tensor("x"),
    "region.add_tensor(tensor=)": lambda f, r, bare, rt, t: r.add_tensor(tensor=rt),
    "region.set_object_id": lambda f, r, bare, rt, t: r.set_object_id(3),
    "region.detection (created)": lambda f, r, bare, rt, t: bare.detection(),
    "tensor[k] = v": lambda f, r, bare, rt, t: t.__setitem__("k", 2),
    "del tensor[k]": lambda f, r, bare, rt, t: t.__delitem__("k"),
    "tensor.set_name": lambda f, r, bare, rt, t: t.set_name("x"),
    "region tensor[k] = v": lambda f, r, bare, rt, t: rt.__setitem__("k", 2),
    "region tensor.set_label": lambda f, r, bare, rt, t: rt.set_label("x"),
    "detection[k] = v": lambda f, r, bare, rt, t: r.detection().__setitem__(
        "confidence", 1.0
    ),
}


def snapshot(frame):
    return (
        [
            (r.label(), tuple(r.rect()), [dict(t) for t in r.tensors()])
            for r in frame.regions()
        ],
        [(t.name(), dict(t)) for t in frame.tensors()],
        frame.messages(),
    )


@pytest.mark.parametrize("write", WRITES)
def test_writes_to_a_shared_buffer_raise_without_criticals(capfd, shared, write):
    frame, region, bare, region_tensor, tensor, _sample = shared
    before = snapshot(frame)
    capfd.readouterr()
    with pytest.raises(RuntimeError, match="not writable"):
        WRITES[write](frame, region, bare, region_tensor, tensor)
    assert snapshot(frame) == before
    err = capfd.readouterr().err
    assert "CRITICAL" not in err
    assert "WARNING" not in err


def test_a_shared_buffer_can_still_be_read(shared):
    frame, region, _bare, region_tensor, tensor, _sample = shared
    assert [r.label() for r in frame.regions()] == ["r", None]
    assert region.detection()["x_min"] == 1 / W
    assert region_tensor["k"] == 1
    assert tensor["k"] == 1
    assert frame.messages() == ["m"]


def test_writes_work_again_once_the_buffer_is_not_shared(shared):
    frame, region, _bare, _region_tensor, tensor, holder = shared
    holder.clear()
    gc.collect()
    frame.add_message("again")
    region.set_object_id(5)
    tensor["k"] = 2
    assert frame.messages() == ["m", "again"]
    assert region.object_id() == 5
    assert tensor["k"] == 2


# ---- gstgva.util.GST_PAD_PROBE_INFO_BUFFER ----


def run_pipeline(probe, handoff, buffers=2):
    pipeline = Gst.parse_launch(
        f"videotestsrc num-buffers={buffers} ! {CAPS_TEXT} ! identity name=id "
        "! fakesink name=sink signal-handoffs=true"
    )
    pad = pipeline.get_by_name("id").get_static_pad("src")
    pad.add_probe(Gst.PadProbeType.BUFFER, probe)
    pipeline.get_by_name("sink").connect("handoff", handoff)
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    pipeline.set_state(Gst.State.NULL)
    assert msg is not None and msg.type == Gst.MessageType.EOS


def test_pad_probe_info_buffer_makes_the_buffer_writable():
    probe_errors, seen = [], []

    def probe(pad, info):
        try:
            # Without the helper the probe's buffer is shared with the probe info.
            with pytest.raises(RuntimeError, match="not writable"):
                VideoFrame(info.get_buffer(), caps=pad.get_current_caps()).add_message(
                    "x"
                )
            with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
                assert isinstance(buffer, Gst.Buffer)
                frame = VideoFrame(buffer, caps=pad.get_current_caps())
                frame.add_region(1, 2, 3, 4, label="probe", confidence=0.5)
                frame.add_message("from the probe")
        except BaseException as e:  # noqa: BLE001 - reported from the main thread
            probe_errors.append(e)
        return Gst.PadProbeReturn.OK

    def handoff(sink, buffer, pad):
        frame = VideoFrame(buffer, caps=pad.get_current_caps())
        seen.append(
            (
                [(r.label(), tuple(r.rect()), r.confidence()) for r in frame.regions()],
                frame.messages(),
            )
        )

    run_pipeline(probe, handoff)
    assert probe_errors == []
    assert seen == [([("probe", (1, 2, 3, 4), 0.5)], ["from the probe"])] * 2


def test_pad_probe_info_buffer_refuses_what_is_not_probe_info(buf):
    with pytest.raises(TypeError, match="PadProbeInfo"):
        GST_PAD_PROBE_INFO_BUFFER(buf)
