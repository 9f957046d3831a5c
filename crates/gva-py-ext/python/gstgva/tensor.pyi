"""Type stubs of ``gstgva.tensor`` (DL Streamer's module path of ``Tensor``)."""

from ._native import Tensor as Tensor

__all__ = ["Tensor"]
