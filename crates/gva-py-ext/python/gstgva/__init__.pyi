"""Type stubs of ``gstgva`` (DL Streamer's ``gstgva`` API, implemented by gva-rs)."""

from . import region_of_interest as region_of_interest
from . import tensor as tensor
from . import util as util
from . import video_frame as video_frame
from ._native import ExpiredError as ExpiredError
from .region_of_interest import Rect as Rect
from .region_of_interest import RegionOfInterest as RegionOfInterest
from .tensor import Tensor as Tensor
from .video_frame import VideoFrame as VideoFrame

__all__ = ["ExpiredError", "Rect", "RegionOfInterest", "Tensor", "VideoFrame", "util"]
