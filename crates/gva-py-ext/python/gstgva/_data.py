"""``VideoFrame.data()``: the frame's pixels as a numpy array, zero-copy and stride-aware.

Shapes (DL Streamer's, plus RGB and GRAY8): BGR and RGB ``(H, W, 3)``; BGRx, BGRA, RGBx, RGBA,
xRGB, ARGB, xBGR, ABGR ``(H, W, 4)``; GRAY8 ``(H, W, 1)``; NV12 and I420 ``(H*3/2, W, 1)`` (the
planes stacked, ready for ``cv2.COLOR_YUV2BGR_NV12`` / ``_I420``). Other formats raise
``RuntimeError("VideoFrame.data: Unsupported format")``.

The array is a view of the mapped buffer with its real row stride (from the buffer's
``GstVideoMeta`` if it has one, else from the frame's video info), so padded rows are fine and
writes (under ``Gst.MapFlags.WRITE``) land in the buffer. NV12/I420 planes that are not one
strided block (e.g. a ``GstVideoMeta`` with a gap between them) raise ``RuntimeError``: a copy
would silently lose writes. A READ map gives a read-only array; a WRITE map needs a writable
buffer (``RuntimeError`` otherwise).

Lifetime: the array's base is a native ``FrameMapping`` that owns the map. When the ``with``
block ends, the yielded array is made unusable — read-only, with zero rows (``arr[0, 0]`` raises
``IndexError``, ``arr.sum()`` is 0 and reads nothing) — by rewriting numpy's array struct from
native code (numpy has no Python API for this, and the check that numpy's struct looks as
expected comes first). The GStreamer map ends right away, so the buffer can be mapped again and
flows on unaffected; for system memory a reference on the ``GstMemory`` keeps the bytes alive for
as long as anything made from the array (a slice, a ``memoryview``) may still read them, so
nothing ever reads freed memory. Such views taken inside the block stay usable after it (they
see the memory, not a copy); the yielded array does not. Memory that is not system memory
(dmabuf, VA, ...) keeps its GStreamer map until the last array made from it is gone.
"""

import contextlib
import warnings

import numpy


@contextlib.contextmanager
def frame_data(frame, flag):
    """The context manager behind ``VideoFrame.data(flag)`` (``flag`` None means READ)."""
    mapping = frame._map(flag)
    array = None
    try:
        array = numpy.ndarray(
            mapping.shape,
            dtype=numpy.uint8,
            buffer=mapping,
            offset=mapping.offset,
            strides=mapping.strides,
        )
        yield array
    finally:
        if not mapping._release(array) and array is not None:
            warnings.warn(
                "gstgva: could not invalidate the VideoFrame.data() array at the end of its "
                "with block; it stays readable (its memory is kept alive)",
                RuntimeWarning,
                stacklevel=3,
            )
