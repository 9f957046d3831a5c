"""Type stubs of ``gstgva.util``."""

from gi.repository import Gst  # type: ignore[import-untyped, unused-ignore]

from ._native import ProbeInfoBuffer

__all__ = ["GST_PAD_PROBE_INFO_BUFFER"]

def GST_PAD_PROBE_INFO_BUFFER(info: Gst.PadProbeInfo) -> ProbeInfoBuffer:
    """``with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:`` gives the probe's buffer, writable."""
