"""``VideoFrame.data()``: shapes, strides, zero-copy, READ/WRITE, and lifetime (SPEC §3, §7.1, §7.2).

Buffers are filled with a known pattern and expected values are computed from the plane
offsets and strides GStreamer itself reports (``GstVideo.VideoInfo`` or the ``GstVideoMeta`` the
test attaches), never from what ``data()`` says. Zero-copy is checked against the address
``gst_buffer_map`` (called through ctypes) gives, and by writing through the array and reading
the buffer's bytes back with ``extract_dup``. Scenarios that would read freed memory if the
lifetime rules were wrong run in their own interpreter with glibc's ``MALLOC_PERTURB_`` (so a
crash shows as a negative return code and freed bytes are poisoned).
"""

import ctypes
import os
import subprocess
import sys
import textwrap

import gi
import numpy as np
import pytest

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo
from gstgva import ExpiredError, VideoFrame

Gst.init(None)

# ---- helpers ----

_gst = ctypes.CDLL("libgstreamer-1.0.so.0")


class _MapInfo(ctypes.Structure):
    _fields_ = [
        ("memory", ctypes.c_void_p),
        ("flags", ctypes.c_int),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_size_t),
        ("maxsize", ctypes.c_size_t),
        ("user_data", ctypes.c_void_p * 4),
        ("_reserved", ctypes.c_void_p * 4),
    ]


_gst.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo), ctypes.c_int]
_gst.gst_buffer_map.restype = ctypes.c_int
_gst.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo)]


def mapped(buffer):
    """(address, GstMemory*) of the buffer's bytes as ``gst_buffer_map(READ)`` gives them."""
    info = _MapInfo()
    assert _gst.gst_buffer_map(hash(buffer), ctypes.byref(info), int(Gst.MapFlags.READ))
    try:
        return info.data, info.memory
    finally:
        _gst.gst_buffer_unmap(hash(buffer), ctypes.byref(info))


def refcount(buffer):
    """The GstMiniObject refcount (``{GType type; gint refcount; ...}``)."""
    return ctypes.c_int.from_address(hash(buffer) + 8).value


def pattern(size):
    """Bytes that differ from their neighbours and do not repeat with any row length we use."""
    return ((np.arange(size, dtype=np.uint64) * 7 + 3) % 251).astype(np.uint8)


def caps_of(fmt, width, height):
    return Gst.Caps.from_string(f"video/x-raw,format={fmt},width={width},height={height},framerate=30/1")


def new_buffer(size):
    pat = pattern(size)
    return Gst.Buffer.new_wrapped(pat.tobytes()), pat


def buffer_bytes(buffer):
    return np.frombuffer(buffer.extract_dup(0, buffer.get_size()), dtype=np.uint8)


def packed_expected(pat, offset, stride, width, height, n):
    """``[r, c, k] = byte offset + r*stride + c*n + k`` (the GStreamer packed layout)."""
    r = np.arange(height)[:, None, None]
    c = np.arange(width)[None, :, None]
    k = np.arange(n)[None, None, :]
    return pat[offset + r * stride + c * n + k]


def frame_of(fmt, width, height):
    caps = caps_of(fmt, width, height)
    info = GstVideo.VideoInfo.new_from_caps(caps)
    buffer, pat = new_buffer(info.size)
    return VideoFrame(buffer, caps=caps), buffer, pat, info


def assert_zero_copy(arr, buffer, offset=0):
    address, _ = mapped(buffer)
    assert arr.__array_interface__["data"][0] == address + offset
    assert arr.base.address == address
    whole = np.frombuffer(arr.base, dtype=np.uint8)
    assert np.shares_memory(arr, whole)


# ---- shapes and values ----

PACKED = [("BGR", 3), ("RGB", 3), ("GRAY8", 1)] + [
    (f, 4) for f in ("BGRx", "BGRA", "RGBx", "RGBA", "xRGB", "ARGB", "xBGR", "ABGR")
]


@pytest.mark.parametrize(("fmt", "n"), PACKED)
def test_packed_formats_shape_values_zero_copy(fmt, n):
    frame, buffer, pat, info = frame_of(fmt, 64, 30)
    with frame.data() as arr:
        assert arr.shape == (30, 64, n) and arr.dtype == np.uint8
        assert arr.strides == (info.stride[0], n, 1)
        np.testing.assert_array_equal(arr, packed_expected(pat, info.offset[0], info.stride[0], 64, 30, n))
        assert_zero_copy(arr, buffer)


def test_bgr_width_426_padded_rows():
    """426*3 = 1278 bytes a row, GStreamer pads rows to 1280: a strided view, no copy."""
    frame, buffer, pat, info = frame_of("BGR", 426, 240)
    stride = info.stride[0]
    assert stride == 1280 > 426 * 3
    with frame.data() as arr:
        assert arr.shape == (240, 426, 3) and arr.strides == (1280, 3, 1)
        assert not arr.flags.c_contiguous
        np.testing.assert_array_equal(arr, packed_expected(pat, 0, 1280, 426, 240, 3))
        assert_zero_copy(arr, buffer)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        assert arr.flags.writeable
        arr[7, 425] = (1, 2, 3)  # the last pixel of row 7, just before the padding
        arr[239, 0, 2] = 4
        assert arr.__array_interface__["data"][0] == arr.base.address
    assert arr.base.address == mapped(buffer)[0]  # (probed after: a WRITE map excludes READ maps)
    after = buffer_bytes(buffer)
    want = pat.copy()
    want[7 * 1280 + 425 * 3 : 7 * 1280 + 426 * 3] = (1, 2, 3)
    want[239 * 1280 + 2] = 4
    np.testing.assert_array_equal(after, want)  # padding bytes and all else untouched


def test_bgr_426_with_video_meta_stride():
    """A GstVideoMeta with a wider stride and an offset wins over the caps' layout."""
    width, height, stride, offset = 426, 50, 1536, 256
    buffer, pat = new_buffer(offset + stride * height)
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.BGR, width, height, 1,
        [offset, 0, 0, 0], [stride, 0, 0, 0],
    )
    frame = VideoFrame(buffer, caps=caps_of("BGR", width, height))
    with frame.data(Gst.MapFlags.READ | Gst.MapFlags.WRITE) as arr:
        assert arr.shape == (height, width, 3) and arr.strides == (stride, 3, 1)
        np.testing.assert_array_equal(arr, packed_expected(pat, offset, stride, width, height, 3))
        assert_zero_copy(arr, buffer, offset)
        arr[1, 2, 0] = 0xEE
    assert buffer.extract_dup(offset + stride + 6, 1) == b"\xee"
    # a frame made from the meta alone (no caps) sees the same
    with VideoFrame(buffer).data() as arr:
        assert arr.shape == (height, width, 3) and arr[1, 2, 0] == 0xEE


def test_video_meta_against_the_caps():
    """The meta must describe the caps' format; caps smaller than the meta (decoder padding
    cropped away) give the caps' size with the meta's stride."""
    buffer, pat = new_buffer(256 * 16)
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.BGRX, 64, 16, 1,
        [0, 0, 0, 0], [256, 0, 0, 0],
    )
    with (
        pytest.raises(RuntimeError, match="does not match"),
        VideoFrame(buffer, caps=caps_of("BGR", 64, 16)).data(),
    ):
        pass
    with VideoFrame(buffer, caps=caps_of("BGRx", 60, 10)).data(flag=Gst.MapFlags.READ) as arr:
        assert arr.shape == (10, 60, 4) and arr.strides == (256, 4, 1)
        np.testing.assert_array_equal(arr, packed_expected(pat, 0, 256, 60, 10, 4))


def nv12_expected(pat, info, width, height):
    y = packed_expected(pat, info.offset[0], info.stride[0], width, height, 1)
    uv = packed_expected(pat, info.offset[1], info.stride[1], width, height // 2, 1)
    return np.concatenate([y, uv])


def test_nv12_1918x1080_stride_1920():
    frame, buffer, pat, info = frame_of("NV12", 1918, 1080)
    assert info.stride[0] == info.stride[1] == 1920 and info.offset[1] == 1920 * 1080
    with frame.data() as arr:
        assert arr.shape == (1620, 1918, 1) and arr.strides == (1920, 1, 1)
        np.testing.assert_array_equal(arr, nv12_expected(pat, info, 1918, 1080))
        assert_zero_copy(arr, buffer)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[1079, 1917, 0] = 0x11  # last luma byte
        arr[1080, 0, 0] = 0x22  # first U
        arr[1619, 1917, 0] = 0x33  # last V of the last chroma row
        assert arr.__array_interface__["data"][0] == arr.base.address
    assert arr.base.address == mapped(buffer)[0]
    want = pat.copy()
    want[1079 * 1920 + 1917] = 0x11
    want[info.offset[1]] = 0x22
    want[info.offset[1] + 539 * 1920 + 1917] = 0x33
    np.testing.assert_array_equal(buffer_bytes(buffer), want)


def test_i420_planes_stacked():
    frame, buffer, pat, info = frame_of("I420", 640, 480)
    assert (info.stride[0], info.stride[1], info.stride[2]) == (640, 320, 320)
    with frame.data() as arr:
        assert arr.shape == (720, 640, 1) and arr.strides == (640, 1, 1)
        assert_zero_copy(arr, buffer)
        np.testing.assert_array_equal(arr[:480], packed_expected(pat, 0, 640, 640, 480, 1))
        # what cv2.COLOR_YUV2BGR_I420 reads: U then V, each (H/2)x(W/2), packed after Y
        chroma = arr[480:, :, 0].reshape(-1)
        u = packed_expected(pat, info.offset[1], 320, 320, 240, 1).reshape(-1)
        v = packed_expected(pat, info.offset[2], 320, 320, 240, 1).reshape(-1)
        np.testing.assert_array_equal(chroma, np.concatenate([u, v]))


def test_i420_padded_rows_give_the_packed_layout_opencv_reads():
    """I420 426x240 with strides 448/224/224 and planes back to back. OpenCV (and DL Streamer's
    scripts) read U row 2j+1 at W/2 = 213 bytes into stacked row j, the buffer has it at 224: no
    stride makes that a view, so data() is a packed copy (U then V rows of 213 bytes)."""
    width, height, s = 426, 240, 448
    offsets = [0, s * height, s * height + (s // 2) * (height // 2), 0]
    size = offsets[2] + (s // 2) * (height // 2)
    buffer, pat = new_buffer(size)
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.I420, width, height, 3,
        offsets, [s, s // 2, s // 2, 0],
    )
    frame = VideoFrame(buffer, caps=caps_of("I420", width, height))
    u = packed_expected(pat, offsets[1], 224, 213, 120, 1).reshape(-1)
    v = packed_expected(pat, offsets[2], 224, 213, 120, 1).reshape(-1)
    with frame.data(Gst.MapFlags.READ) as arr:
        assert arr.shape == (360, 426, 1) and arr.strides == (426, 1, 1)
        assert arr.base.copied and not arr.flags.writeable
        np.testing.assert_array_equal(arr[:240], packed_expected(pat, 0, 448, 426, 240, 1))
        np.testing.assert_array_equal(arr[240:, :, 0].reshape(-1), np.concatenate([u, v]))
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[240, 213, 0] = 0xAB  # U row 1, column 0
        arr[359, 425, 0] = 0xCD  # V row 119, column 212
        arr[0, 0, 0] = 0xEF
    want = pat.copy()
    want[offsets[1] + 224] = 0xAB
    want[offsets[2] + 119 * 224 + 212] = 0xCD
    want[0] = 0xEF
    np.testing.assert_array_equal(buffer_bytes(buffer), want)  # padding and all else untouched


def test_nv12_planes_with_a_gap_give_a_packed_copy_written_back():
    """Decoder padding between the planes (a GstVideoMeta): a packed copy; READ leaves the buffer
    alone, WRITE writes the copy back into both planes when the block ends."""
    width, height, s = 320, 240, 320
    gap = 4096
    buffer, pat = new_buffer(s * height * 3 // 2 + gap)
    uv = s * height + gap
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.NV12, width, height, 2,
        [0, uv, 0, 0], [s, s, 0, 0],
    )
    frame = VideoFrame(buffer, caps=caps_of("NV12", width, height))
    expected = np.concatenate(
        [packed_expected(pat, 0, s, width, height, 1), packed_expected(pat, uv, s, width, height // 2, 1)]
    )
    with frame.data(Gst.MapFlags.READ) as arr:
        assert arr.base.copied and not arr.flags.writeable
        np.testing.assert_array_equal(arr, expected)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        np.testing.assert_array_equal(arr, expected)
        arr[height, 5, 0] = 0x42  # (the buffer is probed after: a WRITE map excludes READ maps)
    want = pat.copy()
    want[uv + 5] = 0x42
    np.testing.assert_array_equal(buffer_bytes(buffer), want)
    # a chroma stride that differs from the luma stride cannot be stacked either
    buffer, pat = new_buffer(s * height * 2)
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.NV12, width, height, 2,
        [0, s * height, 0, 0], [s, s + 64, 0, 0],
    )
    with VideoFrame(buffer, caps=caps_of("NV12", width, height)).data() as arr:
        assert arr.base.copied
        np.testing.assert_array_equal(arr[height:], packed_expected(pat, s * height, s + 64, width, height // 2, 1))


def test_buffer_smaller_than_the_layout_raises():
    caps = caps_of("BGRx", 64, 64)
    buffer, _ = new_buffer(64 * 64 * 4 - 1)
    with pytest.raises(RuntimeError, match="Corrupted buffer"), VideoFrame(buffer, caps=caps).data():
        pass
    # a meta offset far past the end (no wrap-around in the bounds check)
    buffer, _ = new_buffer(64 * 64 * 4)
    GstVideo.buffer_add_video_meta_full(
        buffer, GstVideo.VideoFrameFlags.NONE, GstVideo.VideoFormat.BGRX, 64, 64, 1,
        [2**64 - 64, 0, 0, 0], [256, 0, 0, 0],
    )
    with pytest.raises(RuntimeError, match="Corrupted buffer"), VideoFrame(buffer, caps=caps).data():
        pass


@pytest.mark.parametrize("fmt", ["YUY2", "RGB16", "GRAY16_LE", "NV21", "v210"])
def test_unsupported_format(fmt):
    caps = caps_of(fmt, 64, 32)
    buffer, _ = new_buffer(GstVideo.VideoInfo.new_from_caps(caps).size)
    with pytest.raises(RuntimeError) as e, VideoFrame(buffer, caps=caps).data():
        pass
    assert str(e.value) == "VideoFrame.data: Unsupported format"


def test_frame_without_video_info():
    buffer, _ = new_buffer(1000)
    frame = VideoFrame(buffer)
    assert frame.video_info() is None
    with pytest.raises(RuntimeError, match="no video info"), frame.data():
        pass


# ---- READ / WRITE ----


@pytest.mark.parametrize("flag", [Gst.MapFlags.READ, 1])
def test_read_map_is_read_only(flag):
    frame, buffer, pat, _ = frame_of("BGRx", 32, 8)
    with frame.data(flag) as arr:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0, 0, 0] = 1
        with pytest.raises(ValueError):
            arr.setflags(write=True)
        with pytest.raises(ValueError):
            np.frombuffer(arr.base, np.uint8)[0] = 1  # the exporter refuses a writable export
    np.testing.assert_array_equal(buffer_bytes(buffer), pat)


@pytest.mark.parametrize(
    "flag", [Gst.MapFlags.WRITE, Gst.MapFlags.READ | Gst.MapFlags.WRITE, 2, 3]
)
def test_write_map_is_writable(flag):
    frame, buffer, _, _ = frame_of("BGRx", 32, 8)
    with frame.data(flag) as arr:
        assert arr.flags.writeable
        arr[:] = 9
    assert buffer_bytes(buffer).tolist() == [9] * (32 * 8 * 4)


@pytest.mark.parametrize(("flag", "exc"), [(0, ValueError), (4, ValueError), (-1, ValueError), ("r", TypeError)])
def test_bad_flags(flag, exc):
    frame, _, _, _ = frame_of("BGRx", 8, 8)
    with pytest.raises(exc, match="flag"), frame.data(flag):
        pass


def test_write_on_a_shared_buffer_raises_without_critical(capfd):
    frame, buffer, pat, _ = frame_of("BGR", 16, 16)
    sample = Gst.Sample.new(buffer, caps_of("BGR", 16, 16), None, None)  # a second reference
    assert refcount(buffer) == 2
    with pytest.raises(RuntimeError, match="writable buffer"), frame.data(Gst.MapFlags.WRITE):
        pass
    with frame.data() as arr:  # READ is fine
        assert arr[0, 0, 0] == pat[0]
    del sample
    assert "CRITICAL" not in capfd.readouterr().err
    assert refcount(buffer) == 1
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[0, 0, 0] = 200
    assert buffer.extract_dup(0, 1) == b"\xc8"


def test_write_to_memory_shared_with_another_buffer_is_not_lost():
    """A shallow copy (``gst_buffer_copy``) shares the memory: GStreamer gives the WRITE map a
    private copy that replaces the buffer's memory (copy-on-write), so writes reach ``buffer``
    and not the other buffer. (PyGObject's ``Gst.Buffer.copy()`` is only a new reference.)"""
    frame, buffer, pat, _ = frame_of("BGRx", 16, 4)
    other = Gst.Buffer.copy_region(buffer, Gst.BufferCopyFlags.MEMORY, 0, buffer.get_size())
    assert refcount(buffer) == refcount(other) == 1
    assert mapped(other)[1] == mapped(buffer)[1]  # same GstMemory
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[0, 0, 0] = 77
    assert arr.base.address == mapped(buffer)[0] != mapped(other)[0]
    assert buffer.extract_dup(0, 1) == bytes([77])
    np.testing.assert_array_equal(buffer_bytes(other), pat)


def test_buffer_stays_writable_and_meta_can_be_added_inside_and_after():
    frame, buffer, _, _ = frame_of("BGR", 64, 48)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        assert refcount(buffer) == 1  # no reference taken: the buffer stays writable
        roi = frame.add_region(1, 2, 3, 4, label="inside")
        arr[0, 0, 0] = 5
    assert refcount(buffer) == 1
    frame.add_region(5, 6, 7, 8, label="after")  # while `arr` (expired) is still bound
    assert [r.label() for r in frame.regions()] == ["inside", "after"] and roi.label() == "inside"


def test_remap_while_the_previous_array_is_still_bound():
    """The GStreamer map ends with the block, so READ then WRITE then READ maps all work."""
    frame, _, _, _ = frame_of("NV12", 64, 32)
    with frame.data(Gst.MapFlags.READ) as img:
        first = img.base
    with frame.data(Gst.MapFlags.WRITE) as img:
        img[3, 4, 0] = 42
    with frame.data(Gst.MapFlags.READ) as img:
        assert img[3, 4, 0] == 42
    assert not first.mapped and first.released


# ---- lifetime ----


def test_array_is_unusable_after_the_block():
    frame, buffer, pat, _ = frame_of("BGR", 426, 20)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        mapping = arr.base
        assert mapping.mapped and not mapping.released
    assert arr.shape == (0, 426, 3) and arr.size == 0
    assert not arr.flags.writeable
    with pytest.raises(IndexError):
        arr[0, 0]
    assert arr.sum() == 0 and arr.tobytes() == b"" and arr.copy().shape == (0, 426, 3)
    with pytest.raises(ValueError):
        arr.setflags(write=True)
    with pytest.raises(ValueError):
        arr[:] = 1  # not writable
    assert arr.__array_interface__["data"][0] != mapped(buffer)[0]  # points away from the frame
    assert mapping.released and not mapping.mapped  # system memory: the map ended
    with pytest.raises(ExpiredError, match="no longer valid"):
        np.frombuffer(mapping, np.uint8)
    with pytest.raises(ExpiredError):
        memoryview(mapping)
    np.testing.assert_array_equal(buffer_bytes(buffer), pat)


def test_array_expires_when_the_block_raises():
    frame, _, _, _ = frame_of("GRAY8", 8, 8)
    with pytest.raises(KeyError), frame.data() as arr:
        raise KeyError("x")
    assert arr.shape == (0, 8, 1)


def test_views_taken_inside_stay_valid_and_keep_the_memory():
    """A slice or memoryview taken inside the block still reads the frame's memory (kept alive
    by a reference on the GstMemory) — not a copy, not freed memory."""
    frame, buffer, pat, info = frame_of("BGR", 426, 20)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        view = arr[5:7]
        mv = memoryview(arr)
    expected = packed_expected(pat, 0, info.stride[0], 426, 20, 3)
    np.testing.assert_array_equal(view, expected[5:7])
    np.testing.assert_array_equal(np.asarray(mv), expected)
    view[0, 0, 0] = 3  # still the buffer's memory
    assert buffer.extract_dup(5 * info.stride[0], 1) == b"\x03"


def _capsule_api():
    import gstgva._native as native

    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    ptr = get(native._C_API, b"gstgva._native._C_API")

    class Api(ctypes.Structure):
        _fields_ = [
            ("version", ctypes.c_uint32),
            ("frame_new", ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)),
            ("frame_invalidate", ctypes.PYFUNCTYPE(None, ctypes.c_void_p)),
        ]

    return Api.from_address(ptr)


def test_expired_frame_raises():
    """A frame lent by gvapython (through gstgva's C API) expires when the call returns."""
    api = _capsule_api()
    _owned, buffer, _, info = frame_of("BGRx", 32, 16)
    ptr = api.frame_new(hash(buffer), hash(info))
    frame = ctypes.cast(ptr, ctypes.py_object).value
    ctypes.pythonapi.Py_DecRef(ctypes.c_void_p(ptr))
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[0, 0, 0] = 1
        view = arr[:2]
    api.frame_invalidate(ptr)
    with pytest.raises(ExpiredError, match="no longer valid"), frame.data():
        pass
    assert view[0, 0, 0] == 1 and buffer.extract_dup(0, 1) == b"\x01"


# ---- no read of freed memory, in a poisoned interpreter ----

PREAMBLE = """
import gc, os
import numpy as np
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
from gi.repository import Gst, GstVideo
Gst.init(None)
from gstgva import ExpiredError, VideoFrame

def pattern(size):
    return ((np.arange(size, dtype=np.uint64) * 7 + 3) % 251).astype(np.uint8)
"""


def check(code):
    env = dict(os.environ, MALLOC_PERTURB_="165", G_SLICE="always-malloc", PYTHONFAULTHANDLER="1")
    out = subprocess.run(
        [sys.executable, "-c", PREAMBLE + textwrap.dedent(code) + "\nprint('SCENARIO-OK')\n"],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert out.returncode == 0, f"returncode {out.returncode} (negative = killed by a signal)\n{out.stderr}"
    assert "SCENARIO-OK" in out.stdout, out.stdout + out.stderr
    assert "CRITICAL" not in out.stderr, out.stderr


def test_escaped_arrays_after_the_buffer_is_freed():
    """NV12 1918x1080 (3 MB: malloc'd with mmap, so freeing it unmaps it): after the block and
    the buffer's release, the yielded array raises/reads nothing, and views taken inside read
    the original bytes, even with new buffers of the same size allocated."""
    check("""
    caps = Gst.Caps.from_string("video/x-raw,format=NV12,width=1918,height=1080")
    size = GstVideo.VideoInfo.new_from_caps(caps).size
    pat = pattern(size)
    buffer = Gst.Buffer.new_wrapped(pat.tobytes())
    frame = VideoFrame(buffer, caps=caps)
    with frame.data(Gst.MapFlags.WRITE) as arr:
        view = arr[1000:1100]
        mv = memoryview(arr)
        expected = np.array(view)
    del frame, buffer
    gc.collect()
    others = [Gst.Buffer.new_wrapped(b"\\xaa" * size) for _ in range(6)]
    assert arr.shape == (0, 1918, 1) and arr.sum() == 0
    try:
        arr[0, 0]
        raise AssertionError("no IndexError")
    except IndexError:
        pass
    for _ in range(3):
        assert (view == expected).all()
        assert (np.asarray(mv)[1000:1100] == expected).all()
        view[:] = 1  # writes go to the kept memory, nowhere else
        expected[:] = 1
        others.append(Gst.Buffer.new_wrapped(b"\\x55" * size))
    assert all(b.extract_dup(0, 16) in (b"\\xaa" * 16, b"\\x55" * 16) for b in others)
    del view, mv, arr
    gc.collect()
    """)


def test_non_system_memory_keeps_its_map_while_views_live():
    """fd memory (a memfd) is really munmap'd on unmap, so an escaped view keeps the GStreamer
    map until it is gone; without one the map ends with the block's array."""
    check("""
    gi.require_version("GstAllocators", "1.0")
    from gi.repository import GstAllocators
    import ctypes
    gst = ctypes.CDLL("libgstreamer-1.0.so.0")
    class MapInfo(ctypes.Structure):
        _fields_ = [("memory", ctypes.c_void_p), ("flags", ctypes.c_int), ("data", ctypes.c_void_p),
                    ("size", ctypes.c_size_t), ("maxsize", ctypes.c_size_t),
                    ("user_data", ctypes.c_void_p * 4), ("_reserved", ctypes.c_void_p * 4)]
    gst.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(MapInfo), ctypes.c_int]
    gst.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(MapInfo)]
    def memory_of(buffer):
        info = MapInfo()
        assert gst.gst_buffer_map(hash(buffer), ctypes.byref(info), 1)
        gst.gst_buffer_unmap(hash(buffer), ctypes.byref(info))
        return info.memory

    W, H = 640, 480
    caps = Gst.Caps.from_string(f"video/x-raw,format=BGRx,width={W},height={H}")
    size = W * H * 4
    def fd_buffer():
        fd = os.memfd_create("frame")
        os.write(fd, pattern(size).tobytes())
        mem = GstAllocators.FdAllocator.alloc(GstAllocators.FdAllocator.new(), fd, size,
                                              GstAllocators.FdMemoryFlags.NONE)
        buffer = Gst.Buffer.new()
        buffer.append_memory(mem)
        return buffer

    buffer = fd_buffer()
    frame = VideoFrame(buffer, caps=caps)
    with frame.data(Gst.MapFlags.READ) as arr:
        view = arr[10:12]
        expected = np.array(view)
        mapping = arr.base
    assert mapping.released and mapping.mapped
    assert arr.shape == (0, W, 4)
    del frame, buffer
    gc.collect()
    assert (view == expected).all()  # still mapped: no SIGSEGV
    del view, arr, mapping
    gc.collect()

    # with the array gone the map is gone: a WRITE map works in place (same GstMemory) ...
    buffer = fd_buffer()
    frame = VideoFrame(buffer, caps=caps)
    memory = memory_of(buffer)
    with frame.data(Gst.MapFlags.READ) as arr:
        pass
    del arr
    with frame.data(Gst.MapFlags.WRITE) as arr:
        arr[0, 0, 0] = 9
    del arr
    assert memory_of(buffer) == memory and buffer.extract_dup(0, 1) == b"\\x09"
    # ... while a READ map still held (its array alive) makes GStreamer copy on write: the
    # writes land in the buffer's new memory, not lost
    with frame.data(Gst.MapFlags.READ) as held:
        pass
    with frame.data(Gst.MapFlags.WRITE) as again:
        again[0, 0, 1] = 8
    del again, held
    gc.collect()
    assert memory_of(buffer) != memory and buffer.extract_dup(0, 2) == b"\\x09\\x08"
    """)
