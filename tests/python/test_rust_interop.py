"""``gstgva`` and Rust's ``gva-meta`` read each other's metadata in one process.

The ``gva-meta-interop`` cdylib (its own copy of ``gva-meta``; path in ``GVA_INTEROP_LIB``,
default ``target/release/libgva_meta_interop.so``) exports:

- ``gva_interop_attach_sample(GstBuffer*, width, height)``: attaches a region ``"face"`` at
  pixels 10,20,30,40 with confidence 0.5 and ``label_id`` 1, a tensor meta (``layer_name``
  ``"prob"``, precision U8, dims ``[1, 4]``, data bytes 1..4) and the JSON message ``{"k":1}``;
- ``gva_interop_check_sample(GstBuffer*, width, height)``: 0 if the buffer holds exactly that
  sample as Rust reads it, -6 if it holds something else.

(a) Rust writes, ``gstgva`` reads the exact values; (b) ``gstgva`` writes the same sample through
its Python API, Rust's check accepts it.
"""

import ctypes
import gc
import json
import os
import pathlib

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")

import numpy as np
import pytest
from gi.repository import Gst
from gstgva import ExpiredError, Tensor, VideoFrame

Gst.init(None)

# The sample's box fits in the frame, and every x/64 is exact in binary.
WIDTH, HEIGHT = 64, 64
DEFAULT_LIB = (
    pathlib.Path(__file__).resolve().parents[2]
    / "target/release/libgva_meta_interop.so"
)

OK = 0
NOT_WRITABLE = -4
MISMATCH = -6


@pytest.fixture(scope="module")
def interop():
    path = os.environ.get("GVA_INTEROP_LIB") or str(DEFAULT_LIB)
    if not os.path.isfile(path):
        pytest.fail(
            f"{path} does not exist: build it with `cargo build --release -p gva-meta-interop` "
            "(`cargo xtask test` does, and sets GVA_INTEROP_LIB)"
        )
    lib = ctypes.CDLL(path)
    for name in ("gva_interop_attach_sample", "gva_interop_check_sample"):
        fn = getattr(lib, name)
        fn.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32]
        fn.restype = ctypes.c_int32
    return lib


def caps():
    return Gst.Caps.from_string(
        f"video/x-raw,format=BGRx,width={WIDTH},height={HEIGHT},framerate=30/1"
    )


def new_buffer():
    return Gst.Buffer.new_allocate(None, WIDTH * HEIGHT * 4, None)


def attach(interop, buffer):
    # PyGObject's hash() of a Gst.Buffer is its GstBuffer* (what DL Streamer's gstgva passes).
    return interop.gva_interop_attach_sample(hash(buffer), WIDTH, HEIGHT)


def check(interop, buffer):
    return interop.gva_interop_check_sample(hash(buffer), WIDTH, HEIGHT)


@pytest.fixture
def rust_buffer(interop):
    """A buffer whose metadata Rust attached."""
    buffer = new_buffer()
    assert attach(interop, buffer) == OK
    return buffer


@pytest.fixture
def rust_frame(rust_buffer):
    return VideoFrame(rust_buffer, caps=caps())


def write_sample_with_gstgva(frame):
    """The sample, written through DL Streamer's Python API only."""
    region = frame.add_region(10, 20, 30, 40, label="face", confidence=0.5)
    region.detection()["label_id"] = 1
    tensor = frame.add_tensor()
    tensor["layer_name"] = "prob"
    tensor["precision"] = Tensor.PRECISION.U8
    tensor["dims"] = [1, 4]
    tensor["data_buffer"] = bytes([1, 2, 3, 4])
    frame.add_message('{"k":1}')


# ---- (a) Rust writes, gstgva reads ----


def test_gstgva_reads_rusts_region(rust_frame):
    (region,) = rust_frame.regions()
    assert region.label() == "face"
    assert region.rect() == (10, 20, 30, 40)
    assert (region.rect().x, region.rect().y, region.rect().w, region.rect().h) == (
        10,
        20,
        30,
        40,
    )
    assert region.normalized_rect() == (10 / 64, 20 / 64, 30 / 64, 40 / 64)
    assert region.confidence() == 0.5
    assert region.label_id() == 1
    assert type(region.label_id()) is int
    assert region.object_id() is None
    assert region.region_id() != 0
    assert region.parent_id() == 0
    assert [t.name() for t in region.tensors()] == ["detection"]
    detection = region.detection()
    assert detection.is_detection()
    assert dict(detection) == {
        "confidence": 0.5,
        "x_min": 10 / 64,
        "x_max": 40 / 64,
        "y_min": 20 / 64,
        "y_max": 60 / 64,
        "label_id": 1,
    }


def test_gstgva_reads_rusts_tensor(rust_frame):
    (tensor,) = rust_frame.tensors()
    assert tensor.name() == "meta"
    assert not tensor.is_detection()
    assert tensor.layer_name() == "prob"
    assert tensor.model_name() is None
    assert tensor.precision() is Tensor.PRECISION.U8
    assert tensor.precision_as_string() == "U8"
    assert tensor.layout() is Tensor.LAYOUT.ANY
    assert tensor.dims() == [1, 4]
    data = tensor.data()
    assert data.dtype == np.uint8
    assert data.tolist() == [1, 2, 3, 4]
    assert not data.flags.writeable
    # The raw fields, as Rust stored them: string, int, array of uint, GVariant of bytes.
    assert tensor["layer_name"] == "prob"
    assert tensor["precision"] == 40
    assert tensor["dims"] == [1, 4]
    assert tensor["data_buffer"] == b"\x01\x02\x03\x04"
    assert set(tensor.fields()) == {"layer_name", "precision", "dims", "data_buffer"}
    for key in tensor.fields():
        assert tensor.has_field(key)
    assert dict(tensor) == {key: tensor[key] for key in tensor.fields()}


def test_gstgva_reads_rusts_message(rust_frame):
    assert rust_frame.messages() == ['{"k":1}']
    assert json.loads(rust_frame.messages()[0]) == {"k": 1}


def test_rusts_tensor_data_outlives_the_frame(interop):
    buffer = new_buffer()
    assert attach(interop, buffer) == OK
    data = next(VideoFrame(buffer, caps=caps()).tensors()).data()
    del buffer
    gc.collect()
    assert data.tolist() == [1, 2, 3, 4]


def test_gstgva_removes_what_rust_attached(interop, rust_buffer, rust_frame):
    (region,) = rust_frame.regions()
    rust_frame.remove_region(region)
    (message,) = rust_frame.messages()
    rust_frame.remove_message(message)
    assert list(rust_frame.regions()) == []
    assert rust_frame.messages() == []
    with pytest.raises(ExpiredError):
        region.rect()
    assert check(interop, rust_buffer) == MISMATCH


# ---- (b) gstgva writes, Rust reads ----


def test_rust_reads_what_gstgva_wrote(interop):
    buffer = new_buffer()
    write_sample_with_gstgva(VideoFrame(buffer, caps=caps()))
    assert check(interop, buffer) == OK


def test_rust_reads_what_gstgva_wrote_from_video_info(interop):
    buffer = new_buffer()
    info = VideoFrame(new_buffer(), caps=caps()).video_info()
    write_sample_with_gstgva(VideoFrame(buffer, video_info=info))
    assert check(interop, buffer) == OK


def test_rust_check_is_not_vacuous(interop):
    assert check(interop, new_buffer()) == MISMATCH

    buffer = new_buffer()
    frame = VideoFrame(buffer, caps=caps())
    write_sample_with_gstgva(frame)
    next(frame.regions()).detection()["label_id"] = 2
    assert check(interop, buffer) == MISMATCH

    buffer = new_buffer()
    frame = VideoFrame(buffer, caps=caps())
    write_sample_with_gstgva(frame)
    frame.add_message("another")
    assert check(interop, buffer) == MISMATCH


def test_rust_check_accepts_its_own_sample(interop):
    buffer = new_buffer()
    assert attach(interop, buffer) == OK
    assert check(interop, buffer) == OK


def test_rust_and_gstgva_share_one_buffer(interop):
    """gstgva adds to what Rust attached, and both see the whole."""
    buffer = new_buffer()
    assert attach(interop, buffer) == OK
    frame = VideoFrame(buffer, caps=caps())
    frame.add_region(1, 1, 2, 2, label="extra")
    assert [r.label() for r in frame.regions()] == ["face", "extra"]
    assert check(interop, buffer) == MISMATCH  # Rust sees the extra region
    frame.remove_region(list(frame.regions())[1])
    assert check(interop, buffer) == OK


def test_rust_refuses_a_shared_buffer_and_gstgva_sees_nothing(capfd, interop):
    buffer = new_buffer()
    sample = Gst.Sample.new(buffer, caps(), None, None)
    capfd.readouterr()
    assert attach(interop, buffer) == NOT_WRITABLE
    assert "CRITICAL" not in capfd.readouterr().err
    frame = VideoFrame(buffer, caps=caps())
    assert list(frame.regions()) == []
    assert list(frame.tensors()) == []
    assert frame.messages() == []
    del sample
