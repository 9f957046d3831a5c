"""DL Streamer's module path ``gstgva.video_frame``: ``from gstgva.video_frame import VideoFrame``.

The very class ``gstgva.VideoFrame`` (one definition, in the native module).
"""

from ._native import VideoFrame

__all__ = ["VideoFrame"]
