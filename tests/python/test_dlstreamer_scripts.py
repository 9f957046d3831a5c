"""DL Streamer's own script forms, run unchanged against gstgva (issue 13).

Each test runs the call forms DL Streamer's documentation and samples use, in real pipelines:

1. the "Python Bindings" page's pad probe: ``import gstgva``,
   ``gstgva.util.GST_PAD_PROBE_INFO_BUFFER(info)``, ``gstgva.VideoFrame(buffer, caps)`` (the caps
   positionally, in the ``video_info`` slot), ``roi.tensors()`` with ``label()`` /
   ``confidence()``; its printed lines are checked exactly;
2. ``draw_face_attributes.py``'s drawing: ``with frame.data() as mat:`` (no flag) and
   ``cv2.circle`` / ``cv2.putText`` / ``cv2.rectangle`` on ``mat`` inside a probe that uses
   ``util.GST_PAD_PROBE_INFO_BUFFER(info)`` and ``VideoFrame(buffer, caps=caps)``; the frames
   downstream are compared pixel for pixel with the same OpenCV calls applied to a numpy copy of
   the input frame (OpenCV itself is the oracle);
3. NV12/I420 frames whose planes are not one strided block (odd sizes, GStreamer's rounded chroma
   strides), made by ``videotestsrc`` and ``videoconvert``: ``data()`` is the packed
   ``(H*3//2, W, 1)`` array, read and written, checked against the planes read with
   ``Gst.Buffer.extract_dup`` at the offsets and strides of the buffer's ``GstVideoMeta`` or of
   ``GstVideo.VideoInfo`` (the layout written out here from its definition, not taken from gstgva);
5. DL Streamer's module paths (``gstgva.video_frame`` ...), in a fresh interpreter;
6. ``Tensor.precision()`` of a value it does not know.

Probes never assert (an exception in a PyGObject probe drops the buffer): they record what they
saw, or the traceback, and the test asserts in the main thread.
"""

from __future__ import annotations

import json
import sys
import textwrap
import traceback
from pathlib import Path

import cv2
import gi
import numpy
import pytest

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
import gstgva
from faces import run
from gi.repository import Gst, GstVideo
from gstgva import Tensor, VideoFrame, util

Gst.init(None)

pytestmark = pytest.mark.timeout(120, method="thread")


# ---- helpers: pipelines, probes, raw frame bytes ----


def recorded(callback, errors: list[str]):
    """The probe ``callback``, with any exception recorded (and the buffer passed on)."""

    def probe(pad, info):
        try:
            return callback(pad, info)
        except Exception:  # noqa: BLE001 - recorded, asserted in the test
            errors.append(traceback.format_exc())
            return Gst.PadProbeReturn.OK

    return probe


def play(
    description: str, probes=(), properties=None
) -> list[tuple[Gst.Sample, bytes]]:
    """Runs ``description`` (ending in ``appsink name=sink``) to EOS with buffer ``probes``
    ``[(element name, callback)]`` on src pads, after setting ``properties``
    ``{element name: {property: value}}``; returns each sample with its bytes."""
    pipeline = Gst.parse_launch(description)
    for name, values in (properties or {}).items():
        for key, value in values.items():
            pipeline.get_by_name(name).set_property(key, value)
    for name, callback in probes:
        pad = pipeline.get_by_name(name).get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.BUFFER, callback)
    sink = pipeline.get_by_name("sink")
    samples = []
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while (sample := sink.emit("try-pull-sample", 60 * Gst.SECOND)) is not None:
            buffer = sample.get_buffer()
            samples.append((sample, buffer.extract_dup(0, buffer.get_size())))
        message = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        assert message is None, message.parse_error()
        assert sink.props.eos, "no EOS within 60 s"
    finally:
        pipeline.set_state(Gst.State.NULL)
    return samples


def plane_layout(buffer: Gst.Buffer, caps: Gst.Caps) -> tuple[list[int], list[int]]:
    """Plane offsets and strides: the buffer's ``GstVideoMeta``, else the caps' video info."""
    meta = GstVideo.buffer_get_video_meta(buffer)
    if meta is not None:
        return list(meta.offset), list(meta.stride)
    info = GstVideo.VideoInfo.new_from_caps(caps)
    return list(info.offset), list(info.stride)


def pixel_positions(width, height, channels, offsets, strides) -> numpy.ndarray:
    """Byte position of each ``[y, x, c]`` of a packed RGB-family frame."""
    y = numpy.arange(height)[:, None, None]
    x = numpy.arange(width)[None, :, None]
    c = numpy.arange(channels)[None, None, :]
    return offsets[0] + y * strides[0] + x * channels + c


def packed_yuv_positions(fmt, width, height, offsets, strides) -> numpy.ndarray:
    """Byte position of each element of the packed ``(H*3//2, W)`` NV12/I420 array, -1 where
    the layout has no byte. The definition of gstgva/_data.py, written out on its own: luma rows;
    then NV12 UV rows cut to W bytes, or I420's U then V rows of W//2 bytes back to back."""
    rows = height * 3 // 2
    positions = numpy.full((rows, width), -1, numpy.int64)
    columns = numpy.arange(width)
    for r in range(height):
        positions[r] = offsets[0] + r * strides[0] + columns
    if fmt == "NV12":
        for r in range(height // 2):
            positions[height + r] = offsets[1] + r * strides[1] + columns
    else:
        chroma = positions[height:].reshape(-1)  # a view: filled in place
        half, at = width // 2, 0
        for plane in (1, 2):
            for r in range(height // 2):
                chroma[at : at + half] = (
                    offsets[plane] + r * strides[plane] + numpy.arange(half)
                )
                at += half
    return positions


def as_array(raw: bytes) -> numpy.ndarray:
    return numpy.frombuffer(raw, numpy.uint8)


# ---- 1. the documentation's probe: gstgva.VideoFrame(buffer, caps) ----

# The "Python Bindings" page's probe as a user would paste it into an application. The page's
# first print call has no closing parenthesis (it does not parse as printed); that one line is
# closed here, everything else is the page's.
DOC_PROBE_APP = '''
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo

import gstgva


def pad_probe_callback(pad, info):
    with gstgva.util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        caps = pad.get_current_caps()
        frame = gstgva.VideoFrame(buffer, caps)
        for roi in frame.regions():
            for tensor in roi.tensors():
                print("  Attribute ")
                print("    label=", tensor.label())
                print("    confidence=", tensor.confidence())
    return Gst.PadProbeReturn.OK


def attach_regions(pad, info):
    """Upstream: regions and their attribute structures, attached with GStreamer's own API the
    way a C element does it (no detection tensor, whose label() DL Streamer refuses)."""
    with gstgva.util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        n = buffer.offset
        meta = GstVideo.buffer_add_video_region_of_interest_meta(buffer, "face", 10 + n, 20, 30, 40)
        meta.add_param(Gst.Structure.new_from_string(
            f'age, label=(string)"{30 + n}", confidence=(double)0.{n}5'))
        meta.add_param(Gst.Structure.new_from_string(
            'gender, label=(string)F, confidence=(double)0.875'))
        if n == 1:
            meta = GstVideo.buffer_add_video_region_of_interest_meta(buffer, "car", 1, 2, 3, 4)
            meta.add_param(Gst.Structure.new_from_string(
                'color, label=(string)red, confidence=(double)0.5'))
    return Gst.PadProbeReturn.OK


Gst.init(None)
pipeline = Gst.parse_launch(
    "videotestsrc num-buffers=3 ! video/x-raw,format=BGRx,width=320,height=240 "
    "! identity name=detector ! identity name=app ! fakesink"
)
pipeline.get_by_name("detector").get_static_pad("src").add_probe(
    Gst.PadProbeType.BUFFER, attach_regions)
pipeline.get_by_name("app").get_static_pad("src").add_probe(
    Gst.PadProbeType.BUFFER, pad_probe_callback)
pipeline.set_state(Gst.State.PLAYING)
message = pipeline.get_bus().timed_pop_filtered(
    60 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS)
pipeline.set_state(Gst.State.NULL)
sys.exit(0 if message is not None and message.type == Gst.MessageType.EOS else 1)
'''


def test_documentation_probe_with_caps_in_the_video_info_slot(tmp_path: Path) -> None:
    script = tmp_path / "probe_example.py"
    script.write_text(DOC_PROBE_APP)
    result = run([sys.executable, str(script)], timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    expected = []
    for n in range(3):
        attributes = [(str(30 + n), f"0.{n}5"), ("F", "0.875")]
        if n == 1:
            attributes.append(("red", "0.5"))
        for label, confidence in attributes:
            expected += [
                "  Attribute ",
                f"    label= {label}",
                f"    confidence= {confidence}",
            ]
    assert result.stdout.splitlines() == expected


def test_caps_in_the_video_info_slot_give_video_info_and_data() -> None:
    """``gstgva.VideoFrame(buffer, caps)``: not only the metadata calls (all DL Streamer gets in
    this form) but ``video_info()`` and ``data()`` are right too."""
    seen, errors = [], []

    def probe(pad, info):
        with gstgva.util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            caps = pad.get_current_caps()
            frame = gstgva.VideoFrame(buffer, caps)
            vi = frame.video_info()
            with frame.data() as mat:
                seen.append(
                    (
                        vi.width,
                        vi.height,
                        vi.finfo.format,
                        mat.shape,
                        mat.flags.writeable,
                        mat.copy(),
                    )
                )
        return Gst.PadProbeReturn.OK

    samples = play(
        "videotestsrc num-buffers=2 pattern=ball ! video/x-raw,format=BGR,width=426,height=240 "
        "! identity name=app ! appsink name=sink",
        [("app", recorded(probe, errors))],
    )
    assert errors == []
    assert len(seen) == len(samples) == 2
    for (width, height, fmt, shape, writable, pixels), (sample, raw) in zip(
        seen, samples, strict=True
    ):
        assert (width, height, fmt) == (426, 240, GstVideo.VideoFormat.BGR)
        assert shape == (240, 426, 3) and writable
        offsets, strides = plane_layout(sample.get_buffer(), sample.get_caps())
        assert strides[0] == 1280  # GStreamer pads BGR rows of 1278 bytes
        numpy.testing.assert_array_equal(
            pixels, as_array(raw)[pixel_positions(426, 240, 3, offsets, strides)]
        )


def test_video_info_slot_refuses_what_is_neither_video_info_nor_caps() -> None:
    buffer = Gst.Buffer.new_allocate(None, 64, None)
    caps = Gst.Caps.from_string("video/x-raw,format=GRAY8,width=8,height=8")
    for bad, name in (("video/x-raw", "str"), (42, "int"), (buffer, "Buffer")):
        with pytest.raises(TypeError) as e:
            gstgva.VideoFrame(buffer, bad)
        assert str(e.value) == (
            f"video_info must be a GstVideo.VideoInfo or a Gst.Caps, got {name}"
        )
    with pytest.raises(TypeError, match=r"caps given twice"):
        gstgva.VideoFrame(buffer, caps, caps=caps)
    # the keyword form is the same slot
    assert VideoFrame(buffer, video_info=caps).video_info().width == 8


# ---- 2. draw_face_attributes.py: OpenCV on `with frame.data() as mat:` ----

EMOTIONS = ["neutral", "happy", "sad", "surprise", "anger"]
# Per face: its box on frame 0 (it moves 3 px right per frame) and the attribute tensors (by
# layer name, as DL Streamer's classifiers attach them) that draw_face_attributes.py reads, in
# the order they are attached (pairs: gvapython's kwarg does not keep the order of JSON keys).
FACES = [
    {
        "rect": [40, 30, 80, 90],
        "tensors": [
            ["align_fc3", [0.3, 0.35, 0.7, 0.35, 0.5, 0.55, 0.35, 0.8, 0.65, 0.8]],
            ["prob", [0.2, 0.8]],
            ["age_conv3", [0.347]],
            ["prob_emotion", [0.1, 0.6, 0.1, 0.1, 0.1]],
        ],
    },
    {
        "rect": [200, 100, 60, 70],
        "tensors": [
            ["align_fc3", [0.25, 0.3, 0.75, 0.3, 0.5, 0.5, 0.3, 0.75, 0.7, 0.75]],
            ["prob", [0.9, 0.1]],
            ["age_conv3", [0.52]],
        ],
    },
]
STEP = 3

# gvapython upstream: the regions and tensors, as gvadetect + gvainference would attach them.
FACES_MODULE = """
import numpy as np
from gstgva import Tensor


class Faces:
    def __init__(self, faces, step):
        self.faces, self.step, self.index = faces, step, 0

    def process_frame(self, frame):
        for face in self.faces:
            x, y, w, h = face["rect"]
            roi = frame.add_region(x + self.step * self.index, y, w, h, label="face", confidence=0.9)
            for layer, values in face["tensors"]:
                tensor = roi.add_tensor(layer)
                tensor["layer_name"] = layer
                tensor["precision"] = int(Tensor.PRECISION.FP32)
                tensor["data_buffer"] = np.asarray(values, np.float32).tobytes()
        self.index += 1
        return True
"""


def frame_callback(frame: VideoFrame) -> None:
    """The drawing of DL Streamer's draw_face_attributes.py, in its call forms: landmark dots,
    an "<gender> <age> <emotion>" label under each face, and (what gvawatermark draws there)
    the box."""
    with frame.data() as mat:
        for roi in frame.regions():
            rect = roi.rect()
            cv2.rectangle(
                mat,
                (rect.x, rect.y),
                (rect.x + rect.w, rect.y + rect.h),
                (0, 255, 0),
                2,
            )
            labels = []
            for tensor in roi.tensors():
                layer = tensor.layer_name()
                if layer == "align_fc3":
                    data = tensor.data()
                    for i in range(0, len(data), 2):
                        x = int(rect.x + rect.w * data[i])
                        y = int(rect.y + rect.h * data[i + 1])
                        cv2.circle(mat, (x, y), int(1 + 0.02 * rect.w), (255, 0, 0), -1)
                elif layer == "prob":
                    labels.append("M" if tensor.data()[1] > 0.5 else "F")
                elif layer == "age_conv3":
                    labels.append(str(int(tensor.data()[0] * 100)))
                elif layer == "prob_emotion":
                    labels.append(EMOTIONS[numpy.argmax(tensor.data())])
            if labels:
                label = " ".join(labels)
                cv2.putText(
                    mat,
                    label,
                    (rect.x, rect.y + rect.h + 30),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    1,
                    (0, 0, 255),
                    2,
                )


def pad_probe_callback(pad, info):
    with util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        caps = pad.get_current_caps()
        frame = VideoFrame(buffer, caps=caps)
        frame_callback(frame)
    return Gst.PadProbeReturn.OK


def expected_drawing(image: numpy.ndarray, index: int) -> numpy.ndarray:
    """The oracle: the same OpenCV calls on a copy of frame ``index``, from FACES directly."""
    out = image.copy()
    for face in FACES:
        x, y, w, h = face["rect"]
        x += STEP * index
        t = {k: numpy.asarray(v, numpy.float32) for k, v in face["tensors"]}
        cv2.rectangle(out, (x, y), (x + w, y + h), (0, 255, 0), 2)
        points = t["align_fc3"]
        for i in range(0, len(points), 2):
            centre = (int(x + w * points[i]), int(y + h * points[i + 1]))
            cv2.circle(out, centre, int(1 + 0.02 * w), (255, 0, 0), -1)
        label = ["M" if t["prob"][1] > 0.5 else "F", str(int(t["age_conv3"][0] * 100))]
        if "prob_emotion" in t:
            label.append(EMOTIONS[numpy.argmax(t["prob_emotion"])])
        cv2.putText(
            out,
            " ".join(label),
            (x, y + h + 30),
            cv2.FONT_HERSHEY_SIMPLEX,
            1,
            (0, 0, 255),
            2,
        )
    return out


@pytest.mark.parametrize(
    ("fmt", "width", "channels"),
    [("BGRx", 320, 4), ("BGR", 426, 3)],  # BGR 426: rows of 1278 bytes padded to 1280
)
def test_draw_face_attributes_with_opencv_on_frame_data(
    tmp_path, fmt, width, channels
) -> None:
    module = tmp_path / "faces.py"
    module.write_text(FACES_MODULE)
    inputs, errors = [], []

    def capture(pad, info):
        buffer = info.get_buffer()
        inputs.append(buffer.extract_dup(0, buffer.get_size()))
        return Gst.PadProbeReturn.OK

    samples = play(
        f"videotestsrc num-buffers=4 pattern=smpte ! video/x-raw,format={fmt},width={width},height=240 "
        "! gvapython name=classify ! identity name=gvawatermark ! appsink name=sink",
        # on one pad, in this order: the input captured, then the sample's probe
        [
            ("gvawatermark", capture),
            ("gvawatermark", recorded(pad_probe_callback, errors)),
        ],
        {
            "classify": {
                "module": str(module),
                "class": "Faces",
                "kwarg": json.dumps({"faces": FACES, "step": STEP}),
            }
        },
    )
    assert errors == []
    assert len(samples) == len(inputs) == 4
    for index, ((sample, raw), before) in enumerate(zip(samples, inputs, strict=True)):
        offsets, strides = plane_layout(sample.get_buffer(), sample.get_caps())
        positions = pixel_positions(width, 240, channels, offsets, strides)
        original = as_array(before)[positions]
        expected = expected_drawing(original, index)
        # the drawing is there, and it is exactly OpenCV's
        assert (expected != original).any(axis=2).sum() > 1000
        numpy.testing.assert_array_equal(as_array(raw)[positions], expected)
        rest = numpy.ones(len(raw), bool)
        rest[positions.ravel()] = False  # row padding and anything else: untouched
        numpy.testing.assert_array_equal(as_array(raw)[rest], as_array(before)[rest])


DRAW_MODULE = """
import cv2
from gstgva import VideoFrame


def process_frame(frame: VideoFrame) -> bool:
    with frame.data() as mat:
        cv2.rectangle(mat, (10, 20), (90, 70), (0, 255, 0), 2)
        cv2.putText(mat, "gva", (10, 110), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2)
    return True
"""


def test_gvapython_module_draws_with_opencv_on_frame_data(tmp_path) -> None:
    """The same form in a gvapython module (the frame it gets is writable)."""
    module = tmp_path / "draw.py"
    module.write_text(DRAW_MODULE)
    inputs = []

    def capture(pad, info):
        buffer = info.get_buffer()
        inputs.append(buffer.extract_dup(0, buffer.get_size()))
        return Gst.PadProbeReturn.OK

    samples = play(
        "videotestsrc num-buffers=3 pattern=smpte ! video/x-raw,format=BGR,width=160,height=120 "
        "! identity name=source ! gvapython name=draw ! appsink name=sink",
        [("source", capture)],
        {"draw": {"module": str(module)}},
    )
    assert len(samples) == len(inputs) == 3
    for (sample, raw), before in zip(samples, inputs, strict=True):
        offsets, strides = plane_layout(sample.get_buffer(), sample.get_caps())
        positions = pixel_positions(160, 120, 3, offsets, strides)
        expected = as_array(before)[positions].copy()
        cv2.rectangle(expected, (10, 20), (90, 70), (0, 255, 0), 2)
        cv2.putText(
            expected, "gva", (10, 110), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 255), 2
        )
        assert (expected != as_array(before)[positions]).any()
        numpy.testing.assert_array_equal(as_array(raw)[positions], expected)


def test_default_data_is_writable_only_on_a_writable_buffer() -> None:
    """No flag: writable when the buffer is, read-only (not an error) when it is not; an explicit
    READ stays read-only (SPEC §7.1)."""
    caps = Gst.Caps.from_string("video/x-raw,format=BGRx,width=16,height=8")
    buffer = Gst.Buffer.new_wrapped(bytes(range(256)) * 2)
    frame = VideoFrame(buffer, caps=caps)
    with frame.data() as mat:
        assert mat.flags.writeable
        mat[0, 0] = (1, 2, 3, 4)
    assert buffer.extract_dup(0, 4) == bytes([1, 2, 3, 4])
    with frame.data(Gst.MapFlags.READ) as mat:
        assert not mat.flags.writeable
    # a second reference: the buffer is not writable
    sample = Gst.Sample.new(buffer, caps, None, None)
    with frame.data() as mat:
        assert not mat.flags.writeable and tuple(mat[0, 1]) == (4, 5, 6, 7)
    with (
        pytest.raises(RuntimeError, match="WRITE map needs a writable buffer"),
        frame.data(Gst.MapFlags.WRITE),
    ):
        pass
    del sample


# ---- 3. NV12/I420 whose planes are not one strided block: the packed layout ----

# (format, width, height, how GStreamer makes the frames, whether gstgva must copy)
YUV_CASES = [
    # odd both ways; GStreamer puts the chroma after a padding row
    ("NV12", 1027, 685, "videotestsrc", True),
    ("NV12", 451, 301, "videoconvert", True),
    ("NV12", 450, 300, "videotestsrc", False),  # one strided block: a view, same layout
    ("I420", 426, 240, "videoconvert", True),  # strides 428/216: rounded chroma stride
    ("I420", 451, 301, "videotestsrc", True),  # odd: filler bytes at the end
    ("I420", 320, 242, "videotestsrc", False),  # tight, H % 4 == 2: a view
]


def yuv_source(fmt: str, width: int, height: int, how: str, frames: int) -> str:
    """Frames in GStreamer's own layout for ``fmt`` (planes, strides, padding), made by
    ``videotestsrc`` or by ``videoconvert``; the probe :func:`fill_with_noise` on ``noise`` then
    gives every byte of them, padding included, a value of its own."""
    if how == "videotestsrc":
        source = (
            f"videotestsrc num-buffers={frames} "
            f"! video/x-raw,format={fmt},width={width},height={height}"
        )
    else:
        source = (
            f"videotestsrc num-buffers={frames} "
            f"! video/x-raw,format=BGRx,width={width},height={height} "
            f"! videoconvert ! video/x-raw,format={fmt}"
        )
    return source + " ! identity name=noise"


def fill_with_noise(pad, info):
    """Random bytes over the whole buffer (videotestsrc's patterns have flat chroma planes, in
    which a mixed-up U and V, or chroma rows, would not show)."""
    with util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
        size = buffer.get_size()
        noise = numpy.random.default_rng(buffer.offset).integers(
            0, 256, size, numpy.uint8
        )
        buffer.fill(0, noise.tobytes())
    return Gst.PadProbeReturn.OK


@pytest.mark.parametrize(("fmt", "width", "height", "how", "copied"), YUV_CASES)
def test_yuv_read_is_the_packed_layout(fmt, width, height, how, copied) -> None:
    errors = []
    ((sample, raw),) = play(
        yuv_source(fmt, width, height, how, 1) + " ! appsink name=sink",
        [("noise", recorded(fill_with_noise, errors))],
    )
    assert errors == []
    buffer, caps = sample.get_buffer(), sample.get_caps()
    positions = packed_yuv_positions(fmt, width, height, *plane_layout(buffer, caps))
    expected = numpy.where(
        positions >= 0, as_array(raw)[numpy.maximum(positions, 0)], 0
    )
    frame = VideoFrame(buffer, caps=caps)
    # The sample holds a reference: the buffer is not writable, so no flag means READ too.
    for flag in (None, Gst.MapFlags.READ):
        with frame.data() if flag is None else frame.data(flag) as mat:
            assert mat.shape == (height * 3 // 2, width, 1)
            assert not mat.flags.writeable
            assert mat.base.copied is copied
            numpy.testing.assert_array_equal(mat[:, :, 0], expected)
            view = mat[height - 2 : height + 2]
        # the yielded array expires; a view taken inside keeps what it saw
        assert mat.shape == (0, width, 1) and mat.size == 0
        numpy.testing.assert_array_equal(
            view[:, :, 0], expected[height - 2 : height + 2]
        )


@pytest.mark.parametrize(
    "flag", [None, Gst.MapFlags.WRITE, Gst.MapFlags.READ | Gst.MapFlags.WRITE]
)
@pytest.mark.parametrize(("fmt", "width", "height", "how", "copied"), YUV_CASES)
def test_yuv_writes_land_in_the_planes(fmt, width, height, how, copied, flag) -> None:
    rows = height * 3 // 2
    inputs, errors = [], []

    def pattern(index):
        r = numpy.arange(rows)[:, None]
        c = numpy.arange(width)[None, :]
        return ((r * 7 + c * 3 + index * 11) % 251).astype(numpy.uint8)

    def write(pad, info):
        with util.GST_PAD_PROBE_INFO_BUFFER(info) as buffer:
            inputs.append(buffer.extract_dup(0, buffer.get_size()))
            frame = VideoFrame(buffer, caps=pad.get_current_caps())
            with frame.data() if flag is None else frame.data(flag) as mat:
                mat[:, :, 0] = pattern(len(inputs))
        return Gst.PadProbeReturn.OK

    samples = play(
        yuv_source(fmt, width, height, how, 2)
        + " ! identity name=app ! appsink name=sink",
        [
            ("noise", recorded(fill_with_noise, errors)),
            ("app", recorded(write, errors)),
        ],
    )
    assert errors == []
    assert len(samples) == len(inputs) == 2
    for index, ((sample, raw), before) in enumerate(
        zip(samples, inputs, strict=True), 1
    ):
        positions = packed_yuv_positions(
            fmt, width, height, *plane_layout(sample.get_buffer(), sample.get_caps())
        )
        inside = positions >= 0
        expected = as_array(before).copy()
        expected[positions[inside]] = pattern(index)[inside]
        # every byte the array covers has the written value; the bytes it leaves out (odd sizes,
        # row and plane padding) and its filler bytes (I420, odd width) change nothing
        numpy.testing.assert_array_equal(as_array(raw), expected)


def rss_bytes() -> int:
    """This process's resident set size (``/proc/self/statm``, in pages)."""
    import os

    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_packed_copies_are_freed() -> None:
    """Each packed copy of a 1918x1080 I420 frame is 3 MB; 300 READ and WRITE blocks (about
    900 MB if the copies leaked) leave the resident size where it was, give or take 64 MB."""
    caps = Gst.Caps.from_string("video/x-raw,format=I420,width=1918,height=1080")
    size = GstVideo.VideoInfo.new_from_caps(caps).size
    frame = VideoFrame(Gst.Buffer.new_allocate(None, size, None), caps=caps)
    for flag in (Gst.MapFlags.READ, Gst.MapFlags.WRITE):  # warm up
        with frame.data(flag) as mat:
            assert mat.base.copied and mat.base.nbytes == 1620 * 1918
    before = rss_bytes()
    for i in range(150):
        with frame.data(Gst.MapFlags.READ) as mat:
            assert not mat.flags.writeable
        with frame.data(Gst.MapFlags.WRITE) as mat:
            mat[0, 0, 0] = i
    assert rss_bytes() - before < 64 * 2**20


# ---- 5. DL Streamer's module paths ----


def test_dlstreamer_module_paths_in_a_fresh_interpreter(tmp_path: Path) -> None:
    script = tmp_path / "paths.py"
    script.write_text(
        textwrap.dedent(
            """
            import gstgva.video_frame
            import gstgva.region_of_interest
            import gstgva.tensor
            from gstgva.video_frame import VideoFrame
            from gstgva.region_of_interest import RegionOfInterest, Rect
            from gstgva.tensor import Tensor

            import gi
            gi.require_version("Gst", "1.0")
            from gi.repository import Gst
            import gstgva

            Gst.init(None)
            caps = Gst.Caps.from_string("video/x-raw,format=BGRx,width=32,height=16")
            frame = gstgva.video_frame.VideoFrame(Gst.Buffer.new_allocate(None, 2048, None), caps)
            roi = frame.add_region(1, 2, 3, 4, "face", 0.5)
            print(VideoFrame is gstgva.VideoFrame is gstgva.video_frame.VideoFrame)
            print(RegionOfInterest is gstgva.RegionOfInterest is gstgva.region_of_interest.RegionOfInterest)
            print(Tensor is gstgva.Tensor is gstgva.tensor.Tensor)
            print(Rect is gstgva.Rect, type(roi.rect()) is Rect)
            print(type(roi) is RegionOfInterest, type(roi.detection()) is Tensor)
            print(Tensor.PRECISION.FP32.value, Tensor.LAYOUT.NCHW.value, tuple(roi.rect()))
            print(sorted(gstgva.video_frame.__all__), sorted(gstgva.region_of_interest.__all__),
                  sorted(gstgva.tensor.__all__))
            """
        )
    )
    result = run([sys.executable, str(script)], timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "True",
        "True",
        "True",
        "True True",
        "True True",
        "10 1 (1, 2, 3, 4)",
        "['VideoFrame'] ['Rect', 'RegionOfInterest'] ['Tensor']",
    ]


def test_importing_gstgva_first_leaves_gstreamer_to_the_application(
    tmp_path: Path,
) -> None:
    # DL Streamer's scripts import gstgva at the top and call Gst.init(sys.argv) later, often
    # behind `if not Gst.is_initialized()`. Importing gstgva must not initialize GStreamer behind
    # PyGObject's back: PyGObject would then refuse every call (NotInitialized) and the command
    # line's --gst-* options would never be read.
    script = tmp_path / "init_order.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from gstgva import VideoFrame, util

            import gi
            gi.require_version("Gst", "1.0")
            from gi.repository import Gst

            print(Gst.is_initialized())
            if not Gst.is_initialized():
                sys.argv = Gst.init(sys.argv)
            print(sys.argv[1:])
            pipeline = Gst.parse_launch("videotestsrc num-buffers=1 ! fakesink")
            print(type(pipeline).__name__)
            caps = Gst.Caps.from_string("video/x-raw,format=BGRx,width=32,height=16")
            frame = VideoFrame(Gst.Buffer.new_allocate(None, 2048, None), caps)
            print(frame.add_region(1, 2, 3, 4, "face", 0.5).label())
            """
        )
    )
    result = run(
        [sys.executable, str(script), "--gst-debug-no-color", "input.mp4"], timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["False", "['input.mp4']", "Pipeline", "face"]


# ---- 6. Tensor.precision() of a value it does not know ----


def test_precision_of_an_unknown_value_is_unspecified_like_dlstreamer() -> None:
    caps = Gst.Caps.from_string("video/x-raw,format=BGRx,width=8,height=8")
    frame = VideoFrame(Gst.Buffer.new_allocate(None, 256, None), caps=caps)
    tensor = frame.add_tensor()
    tensor["data_buffer"] = bytes([1, 2, 3])
    for value in (7, 999, -1, "FP32"):
        tensor["precision"] = value
        assert tensor.precision() is Tensor.PRECISION.UNSPECIFIED, value
        assert tensor.precision_as_string() == "UNSPECIFIED", value
        # data() reads the blob the way it reads an UNSPECIFIED one: raw bytes
        data = tensor.data()
        assert data.dtype == numpy.uint8 and data.tolist() == [1, 2, 3]
    # known values still read as themselves
    tensor["precision"] = int(Tensor.PRECISION.FP16)
    assert tensor.precision() is Tensor.PRECISION.FP16
    assert tensor.precision_as_string() == "FP16"
