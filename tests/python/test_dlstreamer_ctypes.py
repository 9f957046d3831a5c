"""DL Streamer's ctypes ``gstgva`` reads what gva-meta attached.

gva-meta attaches a sample through ``gva_interop_attach_sample`` of the
``gva-meta-interop`` cdylib (path in ``GVA_INTEROP_LIB``); this file then reads the
buffer exactly the way DL Streamer's pure-ctypes ``gstgva`` package does
(``python/gstgva/util.py``, ``tensor.py``, ``video_frame.py``,
``region_of_interest.py``): the meta API GTypes found by name with
``GObject.GType.from_name``, ``gst_buffer_iterate_meta_filtered`` on ``hash(buffer)``,
each meta cast to a ctypes ``Structure`` of DL Streamer's layout, and the fields of
each ``GstStructure`` read with GStreamer's C getters.
"""

import ctypes
import os

import gi
import pytest
from gi.repository import GObject

# The sample's box (10, 20, 30, 40) fits in the frame, and every x/64 is exact in binary.
WIDTH, HEIGHT = 64, 64

# ---- DL Streamer's plumbing (gstgva/util.py), with correct restypes ----

libgst = ctypes.CDLL("libgstreamer-1.0.so.0")
libgobject = ctypes.CDLL("libgobject-2.0.so.0")
libglib = ctypes.CDLL("libglib-2.0.so.0")
libgstvideo = ctypes.CDLL("libgstvideo-1.0.so.0")


class GList(ctypes.Structure):
    pass


GLIST_POINTER = ctypes.POINTER(GList)
GList._fields_ = [
    ("data", ctypes.c_void_p),
    ("next", GLIST_POINTER),
    ("prev", GLIST_POINTER),
]


class GValueArray(ctypes.Structure):
    _fields_ = [
        ("n_values", ctypes.c_uint32),
        ("values", ctypes.c_void_p),
        ("n_preallocated", ctypes.c_uint32),
    ]


G_VALUE_ARRAY_POINTER = ctypes.POINTER(GValueArray)


class GVATensorMeta(ctypes.Structure):
    _fields_ = [
        ("_meta_flags", ctypes.c_int),
        ("_info", ctypes.c_void_p),
        ("data", ctypes.c_void_p),
    ]


class GVAJSONMeta(ctypes.Structure):
    _fields_ = [
        ("_meta_flags", ctypes.c_int),
        ("_info", ctypes.c_void_p),
        ("_message", ctypes.c_char_p),
    ]


class VideoRegionOfInterestMeta(ctypes.Structure):
    _fields_ = [
        ("_meta_flags", ctypes.c_int),
        ("_info", ctypes.c_void_p),
        ("roi_type", ctypes.c_int),
        ("id", ctypes.c_int),
        ("parent_id", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("w", ctypes.c_int),
        ("h", ctypes.c_int),
        ("_params", GLIST_POINTER),
    ]


class GstMetaInfo(ctypes.Structure):
    """The head of GStreamer's ``GstMetaInfo``: ``GType api; GType type; gsize size``."""

    _fields_ = [
        ("api", ctypes.c_size_t),
        ("type", ctypes.c_size_t),
        ("size", ctypes.c_size_t),
    ]


libgst.gst_buffer_iterate_meta_filtered.argtypes = [
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,
]
libgst.gst_buffer_iterate_meta_filtered.restype = ctypes.c_void_p
libgst.gst_buffer_iterate_meta.argtypes = [
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_void_p),
]
libgst.gst_buffer_iterate_meta.restype = ctypes.c_void_p
libgst.gst_meta_get_info.argtypes = [ctypes.c_char_p]
libgst.gst_meta_get_info.restype = ctypes.POINTER(GstMetaInfo)
libgst.gst_mini_object_ref.argtypes = [ctypes.c_void_p]
libgst.gst_mini_object_ref.restype = ctypes.c_void_p
libgst.gst_mini_object_unref.argtypes = [ctypes.c_void_p]
libgst.gst_mini_object_unref.restype = None
libgst.gst_structure_get_name.argtypes = [ctypes.c_void_p]
libgst.gst_structure_get_name.restype = ctypes.c_char_p
libgst.gst_structure_get_field_type.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
libgst.gst_structure_get_field_type.restype = ctypes.c_size_t
libgst.gst_structure_get_string.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
libgst.gst_structure_get_string.restype = ctypes.c_char_p
libgst.gst_structure_get_int.argtypes = [
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_int),
]
libgst.gst_structure_get_int.restype = ctypes.c_int
libgst.gst_structure_get_double.argtypes = [
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_double),
]
libgst.gst_structure_get_double.restype = ctypes.c_int
libgst.gst_structure_get_value.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
libgst.gst_structure_get_value.restype = ctypes.c_void_p
libgst.gst_structure_get_array.argtypes = [
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.POINTER(G_VALUE_ARRAY_POINTER),
]
libgst.gst_structure_get_array.restype = ctypes.c_int

libgobject.g_value_get_variant.argtypes = [ctypes.c_void_p]
libgobject.g_value_get_variant.restype = ctypes.c_void_p
libgobject.g_value_array_get_nth.argtypes = [G_VALUE_ARRAY_POINTER, ctypes.c_uint]
libgobject.g_value_array_get_nth.restype = ctypes.c_void_p
libgobject.g_value_array_free.argtypes = [G_VALUE_ARRAY_POINTER]
libgobject.g_value_array_free.restype = None
libgobject.g_value_get_uint.argtypes = [ctypes.c_void_p]
libgobject.g_value_get_uint.restype = ctypes.c_uint

libglib.g_quark_to_string.argtypes = [ctypes.c_uint32]
libglib.g_quark_to_string.restype = ctypes.c_char_p
libglib.g_variant_get_fixed_array.argtypes = [
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_size_t),
    ctypes.c_size_t,
]
libglib.g_variant_get_fixed_array.restype = ctypes.c_void_p

libgstvideo.gst_video_region_of_interest_meta_get_param.argtypes = [
    ctypes.POINTER(VideoRegionOfInterestMeta),
    ctypes.c_char_p,
]
libgstvideo.gst_video_region_of_interest_meta_get_param.restype = ctypes.c_void_p


def iterate(buffer, api_name, struct):
    """DL Streamer's ``_iterate``: every meta of the API called ``api_name``."""
    meta_api = hash(GObject.GType.from_name(api_name))
    state = ctypes.c_void_p()
    while True:
        value = libgst.gst_buffer_iterate_meta_filtered(
            hash(buffer), ctypes.byref(state), meta_api
        )
        if not value:
            return
        yield ctypes.cast(value, ctypes.POINTER(struct)).contents


def field_type(structure, key):
    return libgst.gst_structure_get_field_type(structure, key.encode())


def get_string(structure, key):
    assert field_type(structure, key) == hash(GObject.TYPE_STRING), key
    return libgst.gst_structure_get_string(structure, key.encode()).decode()


def get_int(structure, key):
    assert field_type(structure, key) == hash(GObject.TYPE_INT), key
    value = ctypes.c_int()
    assert libgst.gst_structure_get_int(structure, key.encode(), ctypes.byref(value))
    return value.value


def get_double(structure, key):
    assert field_type(structure, key) == hash(GObject.TYPE_DOUBLE), key
    value = ctypes.c_double()
    assert libgst.gst_structure_get_double(structure, key.encode(), ctypes.byref(value))
    return value.value


def get_uint_array(structure, key):
    """DL Streamer's ``Tensor.__getitem__`` fallback for ``dims``: a GValueArray of uint."""
    array = G_VALUE_ARRAY_POINTER()
    assert libgst.gst_structure_get_array(structure, key.encode(), ctypes.byref(array))
    try:
        return [
            libgobject.g_value_get_uint(libgobject.g_value_array_get_nth(array, i))
            for i in range(array.contents.n_values)
        ]
    finally:
        libgobject.g_value_array_free(array)


def get_data(structure):
    """DL Streamer's ``Tensor.data()``: the bytes of the ``data_buffer`` GVariant."""
    assert field_type(structure, "data_buffer") == hash(GObject.TYPE_VARIANT)
    gvalue = libgst.gst_structure_get_value(structure, b"data_buffer")
    gvariant = libgobject.g_value_get_variant(gvalue)
    nbytes = ctypes.c_size_t()
    ptr = libglib.g_variant_get_fixed_array(gvariant, ctypes.byref(nbytes), 1)
    return bytes((ctypes.c_ubyte * nbytes.value).from_address(ptr))


def param_names(roi):
    names = []
    node = roi._params
    while node:
        names.append(libgst.gst_structure_get_name(node.contents.data).decode())
        node = node.contents.next
    return names


# ---- fixtures ----


@pytest.fixture(scope="module")
def gst():
    """``Gst`` 1.0, initialized (imported here: ``gi.require_version`` must come first)."""
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst

    Gst.init(None)
    return Gst


@pytest.fixture(scope="module")
def interop(gst):
    path = os.environ.get("GVA_INTEROP_LIB")
    if not path:
        pytest.fail(
            "GVA_INTEROP_LIB is not set: it must name the gva-meta-interop cdylib, "
            "e.g. target/release/libgva_meta_interop.so (`cargo xtask test` sets it)"
        )
    if not os.path.isfile(path):
        pytest.fail(
            f"GVA_INTEROP_LIB={path} does not exist: build gva-meta-interop first"
        )
    lib = ctypes.CDLL(path)
    lib.gva_interop_attach_sample.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_uint32,
    ]
    lib.gva_interop_attach_sample.restype = ctypes.c_int32
    return lib


@pytest.fixture
def buffer(gst, interop):
    buf = gst.Buffer.new_allocate(None, WIDTH * HEIGHT * 4, None)
    assert interop.gva_interop_attach_sample(hash(buf), WIDTH, HEIGHT) == 0
    return buf


# ---- what DL Streamer's gstgva sees ----


def assert_sample(buf):
    tensors = list(iterate(buf, "GstGVATensorMetaAPI", GVATensorMeta))
    assert len(tensors) == 1
    s = tensors[0].data
    assert s
    assert libgst.gst_structure_get_name(s) == b"meta"
    assert get_string(s, "layer_name") == "prob"
    assert get_int(s, "precision") == 40  # U8
    assert get_uint_array(s, "dims") == [1, 4]
    assert get_data(s) == bytes([1, 2, 3, 4])

    messages = [
        m._message.decode("utf-8")
        for m in iterate(buf, "GstGVAJSONMetaAPI", GVAJSONMeta)
    ]
    assert messages == ['{"k":1}']

    regions = list(
        iterate(buf, "GstVideoRegionOfInterestMetaAPI", VideoRegionOfInterestMeta)
    )
    assert len(regions) == 1
    roi = regions[0]
    assert libglib.g_quark_to_string(roi.roi_type) == b"face"
    assert (roi.x, roi.y, roi.w, roi.h) == (10, 20, 30, 40)
    assert roi.id != 0
    assert param_names(roi) == ["detection"]
    detection = libgstvideo.gst_video_region_of_interest_meta_get_param(
        ctypes.byref(roi), b"detection"
    )
    assert detection
    assert get_double(detection, "x_min") == 10 / WIDTH
    assert get_double(detection, "y_min") == 20 / HEIGHT
    assert get_double(detection, "x_max") == (10 + 30) / WIDTH
    assert get_double(detection, "y_max") == (20 + 40) / HEIGHT
    assert get_double(detection, "confidence") == 0.5
    assert get_int(detection, "label_id") == 1


def test_metas_are_registered_under_dlstreamers_names(buffer):
    for api_name, impl_name, struct in [
        ("GstGVATensorMetaAPI", b"GstGVATensorMeta", GVATensorMeta),
        ("GstGVAJSONMetaAPI", b"GstGVAJSONMeta", GVAJSONMeta),
    ]:
        api = hash(GObject.GType.from_name(api_name))
        assert api
        info = libgst.gst_meta_get_info(impl_name)
        assert info
        assert info.contents.api == api
        assert info.contents.size == ctypes.sizeof(struct)
        # Each meta on the buffer points at that one registration.
        metas = list(iterate(buffer, api_name, struct))
        assert [m._info for m in metas] == [ctypes.addressof(info.contents)]


def test_dlstreamer_ctypes_reads_the_sample(buffer):
    assert_sample(buffer)


def test_dlstreamer_ctypes_reads_a_copy(buffer):
    assert_sample(buffer.copy())


def test_a_shared_buffer_is_refused_without_a_crash(gst, interop):
    buf = gst.Buffer.new_allocate(None, WIDTH * HEIGHT * 4, None)
    libgst.gst_mini_object_ref(hash(buf))  # a second owner: not writable any more
    try:
        assert interop.gva_interop_attach_sample(hash(buf), WIDTH, HEIGHT) == -4
    finally:
        libgst.gst_mini_object_unref(hash(buf))
    state = ctypes.c_void_p()
    assert not libgst.gst_buffer_iterate_meta(hash(buf), ctypes.byref(state)), (
        "a meta was added"
    )
    assert interop.gva_interop_attach_sample(None, WIDTH, HEIGHT) == -1
