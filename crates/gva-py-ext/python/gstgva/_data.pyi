"""Type stubs of ``gstgva._data`` (``VideoFrame.data()``)."""

import contextlib

import numpy
from gi.repository import Gst  # type: ignore[import-untyped, unused-ignore]

from ._native import VideoFrame

def frame_data(
    frame: VideoFrame, flag: Gst.MapFlags | int | None
) -> contextlib.AbstractContextManager[numpy.ndarray]: ...
