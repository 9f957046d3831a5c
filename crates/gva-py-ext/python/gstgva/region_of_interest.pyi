"""Type stubs of ``gstgva.region_of_interest`` (DL Streamer's module path of
``RegionOfInterest`` and ``Rect``)."""

from ._native import Rect as Rect
from ._native import RegionOfInterest as RegionOfInterest

__all__ = ["Rect", "RegionOfInterest"]
