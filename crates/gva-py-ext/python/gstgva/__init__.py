"""gstgva: DL Streamer's GVA metadata on GStreamer buffers, for PyGObject apps and gvapython.

API-compatible with DL Streamer's ``gstgva`` (``VideoFrame``, ``RegionOfInterest``, ``Tensor``,
``gstgva.util.GST_PAD_PROBE_INFO_BUFFER``), implemented natively (gva-rs) so that it is fast and
cannot crash the interpreter: objects used after their frame, region or map has ended raise
``ExpiredError`` instead of reading freed memory.
"""

from . import util
from ._native import ExpiredError

# DL Streamer's module paths (``gstgva.video_frame`` ...) hold the same classes; importing them
# here makes ``gstgva.video_frame.VideoFrame`` work after a plain ``import gstgva``, as there.
from .region_of_interest import Rect, RegionOfInterest
from .tensor import Tensor
from .video_frame import VideoFrame

__all__ = ["ExpiredError", "Rect", "RegionOfInterest", "Tensor", "VideoFrame", "util"]
