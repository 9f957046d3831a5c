"""``VideoFrame.data()``: the frame's pixels as a numpy array, zero-copy and stride-aware.

Shapes (DL Streamer's, plus RGB and GRAY8): BGR and RGB ``(H, W, 3)``; BGRx, BGRA, RGBx, RGBA,
xRGB, ARGB, xBGR, ABGR ``(H, W, 4)``; GRAY8 ``(H, W, 1)``; NV12 and I420 ``(H*3//2, W, 1)`` (the
planes stacked, ready for ``cv2.COLOR_YUV2BGR_NV12`` / ``_I420``; layout below). Other formats
raise ``RuntimeError("VideoFrame.data: Unsupported format")``.

Access: with no flag (DL Streamer's ``with frame.data() as mat:`` before drawing on ``mat`` with
OpenCV) the array is writable when the buffer is writable (the map is READ|WRITE) and read-only
when it is not (a READ map; no error). ``Gst.MapFlags.READ`` always gives a read-only array;
``Gst.MapFlags.WRITE`` needs a writable buffer (``RuntimeError`` otherwise). Writes land in the
buffer.

The array is a view of the mapped buffer with its real row stride (from the buffer's
``GstVideoMeta`` if it has one, else from the frame's video info), so padded rows are fine.

NV12 and I420, packed: rows ``0..H`` are the luma rows (``W`` bytes each); then, for NV12, row
``H + r`` is the first ``W`` bytes of the interleaved UV plane's row ``r`` (``r < H//2``); for I420
the ``(H//2) * W`` bytes after the luma rows hold the U plane's first ``H//2`` rows of ``W//2``
bytes back to back, then the V plane's (with an even ``W`` each such array row holds two chroma
rows, as OpenCV reads them). With even ``W`` and ``H`` that is the whole frame. With odd sizes
part of the chroma (``ceil(H/2)`` rows of ``ceil(W/2)`` samples) does not fit and is left out,
neither visible nor changed: an odd ``H`` leaves out the last chroma row; an odd ``W`` leaves out
the V byte of each NV12 chroma row's last sample, or I420's last U and V column, and then the
last ``H//2`` bytes of an I420 array belong to no sample (they read 0, writes to them are
dropped). The array is a view when the buffer's planes already lie that way (NV12: the UV plane
right after the luma rows at the luma stride; I420: a tight frame, even sizes, strides ``W``,
``W/2``, ``W/2``, planes back to back). Otherwise (odd sizes, GStreamer's rounded chroma strides
such as I420 426x240's 428/216, decoder padding between planes) it is a packed copy
(``arr.base.copied`` is True): read-only for a READ map; for a writable map the copy is written
back into the planes when the ``with`` block ends, so writes land there (not before).

Lifetime: the array's base is a native ``FrameMapping`` that owns the map. When the ``with``
block ends, the yielded array is made unusable — read-only, with zero rows (``arr[0, 0]`` raises
``IndexError``, ``arr.sum()`` is 0 and reads nothing) — by rewriting numpy's array struct from
native code (numpy has no Python API for this, and the check that numpy's struct looks as
expected comes first). The GStreamer map ends right away, so the buffer can be mapped again and
flows on unaffected; for system memory a reference on the ``GstMemory`` keeps the bytes alive for
as long as anything made from the array (a slice, a ``memoryview``) may still read them, so
nothing ever reads freed memory. Such views taken inside the block stay usable after it (they
see the memory, not a copy); the yielded array does not. Memory that is not system memory
(dmabuf, VA, ...) keeps its GStreamer map until the last array made from it is gone. For a packed
copy the same holds, with the copy in place of the memory: the yielded array expires, views taken
inside the block keep the copy alive and see it (writes to them after the block no longer reach
the frame).
"""

import contextlib
import warnings

import numpy


@contextlib.contextmanager
def frame_data(frame, flag):
    """The context manager behind ``VideoFrame.data(flag)`` (``flag`` None: READ|WRITE when the
    buffer is writable, else READ)."""
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
