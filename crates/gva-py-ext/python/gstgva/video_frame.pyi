"""Type stubs of ``gstgva.video_frame`` (DL Streamer's module path of ``VideoFrame``)."""

from ._native import VideoFrame as VideoFrame

__all__ = ["VideoFrame"]
