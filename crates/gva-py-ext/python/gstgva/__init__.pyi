"""Type stubs of ``gstgva`` (DL Streamer's ``gstgva`` API, implemented by gva-rs)."""

from . import util as util
from ._native import ExpiredError as ExpiredError
from ._native import Rect as Rect
from ._native import RegionOfInterest as RegionOfInterest
from ._native import Tensor as Tensor
from ._native import VideoFrame as VideoFrame

__all__ = ["ExpiredError", "Rect", "RegionOfInterest", "Tensor", "VideoFrame", "util"]
