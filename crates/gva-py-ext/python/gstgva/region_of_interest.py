"""DL Streamer's module path ``gstgva.region_of_interest``: ``RegionOfInterest`` and ``Rect``.

The very classes ``gstgva.RegionOfInterest`` and ``gstgva.Rect`` (one definition, in the native
module). DL Streamer's ``Rect`` here is a namedtuple ``Rect(x, y, w, h)``; ours is a tuple with
the same named fields.
"""

from ._native import Rect, RegionOfInterest

__all__ = ["Rect", "RegionOfInterest"]
