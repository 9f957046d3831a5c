"""gstgva: DL Streamer's GVA metadata on GStreamer buffers, for PyGObject apps and gvapython.

API-compatible with DL Streamer's ``gstgva`` (``VideoFrame``, ``RegionOfInterest``, ``Tensor``,
``gstgva.util.GST_PAD_PROBE_INFO_BUFFER``), implemented natively (gva-rs) so that it is fast and
cannot crash the interpreter: objects used after their frame, region or map has ended raise
``ExpiredError`` instead of reading freed memory.
"""

from . import util
from ._native import ExpiredError, Rect, RegionOfInterest, Tensor, VideoFrame

__all__ = ["ExpiredError", "Rect", "RegionOfInterest", "Tensor", "VideoFrame", "util"]
