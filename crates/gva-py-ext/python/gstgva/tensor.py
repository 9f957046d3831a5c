"""DL Streamer's module path ``gstgva.tensor``: ``from gstgva.tensor import Tensor``.

The very class ``gstgva.Tensor`` (one definition, in the native module), with its enums
``Tensor.PRECISION`` and ``Tensor.LAYOUT``.
"""

from ._native import Tensor

__all__ = ["Tensor"]
