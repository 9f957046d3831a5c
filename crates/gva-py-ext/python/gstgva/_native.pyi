"""Type stubs of ``gstgva._native``, the compiled part of ``gstgva`` (checked by ``mypy.stubtest``)."""

import contextlib
import enum
from collections.abc import Iterator, Sequence
from typing import Any, Final, Protocol, Self, TypeAlias, TypeVar, final

import numpy
import numpy.typing
from _typeshed import structseq

# PyGObject ships no type information; with pygobject-stubs installed these are precise, without
# them they are Any.
from gi.repository import Gst, GstVideo  # type: ignore[import-untyped, unused-ignore]
from typing_extensions import CapsuleType

__all__ = [
    "_C_API",
    "Blob",
    "ExpiredError",
    "FrameMapping",
    "ProbeInfoBuffer",
    "Rect",
    "RegionOfInterest",
    "Tensor",
    "VideoFrame",
]

# The C API that gvapython uses to hand frames to Python (not for Python code).
_C_API: CapsuleType

_T_co = TypeVar("_T_co", int, float, covariant=True)

# What ``Tensor[key]`` returns: a field as a Python value. Strings that are not valid UTF-8 come
# back as bytes, as do GVariants of bytes (``data_buffer``); arrays and lists are lists; nested
# structures are dicts; other GStreamer types (fractions, …) their serialized text; a missing
# field (or a NULL string) is None.
_FieldValue: TypeAlias = (
    str | int | float | bool | bytes | list[_FieldValue] | dict[str, _FieldValue] | None
)
# What ``Tensor[key] = value`` accepts (bool is an int): str, int, float, bool, bytes, and lists
# or tuples of those.
_SettableValue: TypeAlias = (
    str | int | float | bytes | list[_SettableValue] | tuple[_SettableValue, ...]
)

class _VideoMetaView(Protocol):
    """What ``VideoFrame.video_meta()`` returns: the fields of the buffer's ``GstVideoMeta``."""

    @property
    def format(self) -> GstVideo.VideoFormat: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def n_planes(self) -> int: ...
    @property
    def offset(self) -> Sequence[int]: ...
    @property
    def stride(self) -> Sequence[int]: ...
    @property
    def id(self) -> int: ...

class ExpiredError(RuntimeError):
    """A frame, region, tensor or frame data used after its frame, region or map ended."""

@final
class Rect(structseq[_T_co], tuple[_T_co, _T_co, _T_co, _T_co]):
    """``Rect(x, y, w, h)``: ints in pixels (``rect()``), floats in fractions of the frame
    (``normalized_rect()``)."""

    __match_args__: Final = ("x", "y", "w", "h")

    @property
    def x(self) -> _T_co: ...
    @property
    def y(self) -> _T_co: ...
    @property
    def w(self) -> _T_co: ...
    @property
    def h(self) -> _T_co: ...

@final
class Tensor:
    """A structure of inference results (a region's param or a ``GstGVATensorMeta``)."""

    class PRECISION(enum.IntEnum):
        UNSPECIFIED = 255
        FP32 = 10
        FP16 = 11
        BF16 = 12
        FP64 = 13
        Q78 = 20
        I16 = 30
        U4 = 39
        U8 = 40
        BOOL = 41
        I4 = 49
        I8 = 50
        U16 = 60
        I32 = 70
        BIN = 71
        I64 = 72
        U64 = 73
        U32 = 74
        CUSTOM = 80

    class LAYOUT(enum.IntEnum):
        ANY = 0
        NCHW = 1
        NHWC = 2
        NC = 193

    def __new__(cls) -> Self:
        """Always raises TypeError: tensors come from frames and regions."""

    def name(self) -> str: ...
    def set_name(self, name: str) -> None: ...
    def is_detection(self) -> bool: ...
    def label(self) -> str | None:
        """The ``label`` field; RuntimeError on a detection tensor."""

    def set_label(self, label: str) -> None:
        """Sets ``label``; RuntimeError on a detection tensor."""

    def confidence(self) -> float | None: ...
    def label_id(self) -> int | None: ...
    def object_id(self) -> int | None: ...
    def model_name(self) -> str | None: ...
    def layer_name(self) -> str | None: ...
    def element_id(self) -> str | None: ...
    def format(self) -> str | None: ...
    def type(self) -> str | None: ...
    def dims(self) -> list[int] | None: ...
    def precision(self) -> Tensor.PRECISION:
        """``precision`` (``UNSPECIFIED`` when absent or not a value it knows)."""

    def layout(self) -> Tensor.LAYOUT:
        """``layout`` (``ANY`` when absent or not a value it knows)."""

    def precision_as_string(self) -> str: ...
    def layout_as_string(self) -> str: ...
    def fields(self) -> list[str]: ...
    def has_field(self, name: str) -> bool: ...
    def data(self) -> numpy.typing.NDArray[Any] | None:
        """``data_buffer`` as a read-only 1-D array of the precision's dtype; None without."""

    def __getitem__(self, key: str, /) -> _FieldValue: ...
    def __setitem__(self, key: str, value: _SettableValue, /) -> None: ...
    def __delitem__(self, key: str, /) -> None: ...
    def __contains__(self, key: str, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[tuple[str, _FieldValue]]:
        """``(key, value)`` pairs, like DL Streamer."""

@final
class RegionOfInterest:
    """A region of interest (``GstVideoRegionOfInterestMeta``) of a frame."""

    def __new__(cls) -> Self:
        """Always raises TypeError: regions come from frames."""

    def rect(self) -> Rect[int]: ...
    def normalized_rect(self) -> Rect[float] | None: ...
    def label(self) -> str | None: ...
    def label_id(self) -> int | None: ...
    def confidence(self) -> float | None: ...
    def object_id(self) -> int | None: ...
    def set_object_id(self, object_id: int) -> None: ...
    def region_id(self) -> int: ...
    def parent_id(self) -> int: ...
    def tensors(self) -> Iterator[Tensor]: ...
    def detection(self) -> Tensor: ...
    def add_tensor(self, name: str = "", tensor: Tensor | None = None) -> Tensor: ...
    def meta(self) -> int:
        """The address of the ``GstVideoRegionOfInterestMeta`` (as PyGObject's ``hash()``)."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class VideoFrame:
    """A ``Gst.Buffer`` with its video info, seen as regions, tensors and messages."""

    def __new__(
        cls,
        buffer: Gst.Buffer,
        video_info: GstVideo.VideoInfo | Gst.Caps | None = None,
        caps: Gst.Caps | None = None,
    ) -> Self:
        """``VideoFrame(buffer, video_info)``, ``VideoFrame(buffer, caps=caps)``, or DL Streamer's
        documented ``VideoFrame(buffer, caps)``: a ``Gst.Caps`` in the ``video_info`` slot is taken
        as the caps."""
    def video_info(self) -> GstVideo.VideoInfo | None: ...
    def video_meta(self) -> _VideoMetaView | None: ...
    def regions(self) -> Iterator[RegionOfInterest]: ...
    def tensors(self) -> Iterator[Tensor]: ...
    def messages(self) -> list[str]:
        """The JSON messages, as ``str`` subclass instances ``remove_message`` recognises."""

    def add_message(self, message: str) -> None: ...
    def remove_message(self, message: str) -> None: ...
    def add_region(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        label: str = "",
        confidence: float = 0.0,
        normalized: bool = False,
        extra_params: dict[str, Any] | None = None,
    ) -> RegionOfInterest: ...
    def remove_region(self, roi: RegionOfInterest) -> None: ...
    def add_tensor(self) -> Tensor: ...
    def data(
        self, flag: Gst.MapFlags | int | None = None
    ) -> contextlib.AbstractContextManager[numpy.typing.NDArray[numpy.uint8]]:
        """The pixels as a numpy array (see ``gstgva._data``). No flag: writable when the buffer
        is writable, else read-only; ``Gst.MapFlags.READ``: read-only. NV12/I420 are the packed
        ``(H*3//2, W, 1)`` layout: luma rows, then NV12's UV rows cut to ``W`` bytes, or I420's U
        then V rows of ``W//2`` bytes back to back; with odd sizes the last chroma row (odd ``H``)
        and the last chroma column's V (NV12) or U and V (I420, whose last ``H//2`` bytes are then
        unused) are left out. Planes not already in that layout give a packed copy, written back
        into the planes at the end of the ``with`` block for a writable map."""
    def _map(self, flag: Gst.MapFlags | int | None = None) -> FrameMapping: ...

@final
class FrameMapping:
    """The mapped pixels behind ``VideoFrame.data()`` arrays (exported through the buffer
    protocol); made by ``VideoFrame._map``, ended by ``_release`` when the with block ends."""

    @property
    def shape(self) -> tuple[int, int, int]: ...
    @property
    def strides(self) -> tuple[int, int, int]: ...
    @property
    def offset(self) -> int: ...
    @property
    def address(self) -> int: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def writable(self) -> bool: ...
    @property
    def copied(self) -> bool:
        """Whether the arrays are over a packed copy of NV12/I420 planes, not the buffer."""

    @property
    def mapped(self) -> bool: ...
    @property
    def released(self) -> bool: ...
    def _release(self, array: numpy.ndarray[Any, Any] | None = None) -> bool: ...

@final
class ProbeInfoBuffer:
    """What ``gstgva.util.GST_PAD_PROBE_INFO_BUFFER(info)`` returns."""

    def __new__(cls, info: Gst.PadProbeInfo) -> Self: ...
    def __enter__(self) -> Gst.Buffer: ...
    def __exit__(self, *_args: object) -> bool: ...

@final
class Blob:
    """The bytes behind ``Tensor.data()`` arrays (exported through the buffer protocol)."""
