"""Helpers for PyGObject pad probes (DL Streamer's ``gstgva.util``)."""

from ._native import ProbeInfoBuffer


def GST_PAD_PROBE_INFO_BUFFER(info):  # DL Streamer's name
    """Context manager giving the probe's buffer, writable, as a ``Gst.Buffer``.

    Use it as ``with GST_PAD_PROBE_INFO_BUFFER(info) as buffer:`` in a ``Gst.PadProbeType.BUFFER``
    probe. The buffer is made writable the way a C probe does it (``gst_buffer_make_writable`` on
    the probe info's buffer, put back into the info), so metadata added to it reaches the next
    element. After the block the object stays valid but is no longer writable.
    """
    return ProbeInfoBuffer(info)


__all__ = ["GST_PAD_PROBE_INFO_BUFFER"]
