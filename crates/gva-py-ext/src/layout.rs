//! Where the array of `VideoFrame.data()` lies in a mapped buffer: a strided view of the mapping,
//! or (NV12/I420 planes that cannot be seen as one array) a packed copy.
//!
//! The packed `(H*3/2, W, 1)` layout of NV12 and I420 is the one DL Streamer scripts and OpenCV's
//! `COLOR_YUV2BGR_NV12` / `_I420` read (rows are `H*3//2`, integer division):
//! * rows `0..H`: the luma rows, `W` bytes each;
//! * NV12, rows `H..H + H//2`: row `H + r` is the first `W` bytes of the interleaved UV plane's
//!   row `r`;
//! * I420, the `(H//2) * W` bytes after the luma rows: the U plane's first `H//2` rows, `W//2`
//!   bytes each, back to back, then the V plane's the same way (for an even `W` each of these
//!   rows of the array holds two chroma rows, as OpenCV reads them).
//!
//! For even `W` and `H` that is every byte of the frame. A chroma plane has `ceil(H/2)` rows of
//! `ceil(W/2)` samples, so with odd sizes some of it does not fit: an odd `H` leaves out the last
//! chroma row (the one under the last luma row); an odd `W` leaves out, in NV12, the V byte of
//! each chroma row's last sample, in I420 the last U and V column, and the last `H//2` bytes of
//! the array (which no chroma sample fills) read 0 and are not written back. Bytes left out are
//! neither visible nor changed.
//!
//! A view is used whenever the buffer already has that layout with a row stride: packed RGB-family
//! and GRAY8 frames always; NV12 when the UV plane follows the luma rows directly at the luma
//! stride; I420 only when the frame is tight (even sizes, strides `W`, `W/2`, `W/2`, planes back to
//! back), because OpenCV expects the two chroma rows inside one array row at `W/2` from each
//! other, which no other stride gives.

use gst_video::VideoFormat;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// How a format becomes an array.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// One plane of `n` bytes per pixel: `(H, W, n)`.
    Packed(usize),
    /// Luma then interleaved chroma: `(H*3/2, W, 1)`.
    Nv12,
    /// Luma then U then V: `(H*3/2, W, 1)`.
    I420,
}

/// The array kind of a video format, None for formats `data()` does not support.
pub(crate) fn kind(format: VideoFormat) -> Option<Kind> {
    use VideoFormat as F;
    Some(match format {
        F::Bgr | F::Rgb => Kind::Packed(3),
        F::Bgrx | F::Bgra | F::Rgbx | F::Rgba | F::Xrgb | F::Argb | F::Xbgr | F::Abgr => {
            Kind::Packed(4)
        }
        F::Gray8 => Kind::Packed(1),
        F::Nv12 => Kind::Nv12,
        F::I420 => Kind::I420,
        _ => return None,
    })
}

/// A run of bytes that a packed copy takes from the mapping (and writes back to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// Where the run starts in the mapping.
    pub(crate) mapped: usize,
    /// Where it starts in the copy.
    pub(crate) packed: usize,
    pub(crate) len: usize,
}

/// Where the array lies.
pub(crate) enum Placement {
    /// A view of the mapping, `offset` bytes in.
    View {
        shape: (usize, usize, usize),
        strides: (isize, isize, isize),
        offset: usize,
        /// How many bytes of the mapping the view reaches.
        end: usize,
    },
    /// A packed copy of `len` bytes (row stride `W`), made of `runs` of the mapping.
    Copy {
        shape: (usize, usize, usize),
        len: usize,
        runs: Vec<Run>,
        /// How many bytes of the mapping the runs reach.
        end: usize,
    },
}

impl Placement {
    /// How many bytes of the mapping the array needs.
    pub(crate) fn end(&self) -> usize {
        match self {
            Self::View { end, .. } | Self::Copy { end, .. } => *end,
        }
    }
}

/// The rows of one plane: `rows` rows of `len` bytes at `offset` + k * `stride`.
struct Plane {
    offset: usize,
    stride: usize,
    rows: usize,
    len: usize,
}

/// Works out the placement of a `width` x `height` frame of `kind` whose planes lie at `offsets`
/// with `strides` (from the buffer's `GstVideoMeta` or the frame's video info).
pub(crate) fn place(
    kind: Kind,
    format: VideoFormat,
    width: usize,
    height: usize,
    offsets: &[usize],
    strides: &[i32],
) -> PyResult<Placement> {
    let name = format.to_str();
    let stride_of = |plane: usize, bytes: usize| -> PyResult<usize> {
        let stride = strides[plane];
        match usize::try_from(stride) {
            Ok(s) if s >= bytes => Ok(s),
            _ => Err(PyRuntimeError::new_err(format!(
                "VideoFrame.data: {name} row stride {stride} of plane {plane} is smaller than \
                 a row of that plane ({bytes} bytes for {width} pixels)"
            ))),
        }
    };
    // The end of a plane's last row in the mapping; an error on overflow (offsets come from a meta).
    let end_of = |p: &Plane| -> PyResult<usize> {
        if p.rows == 0 {
            return Ok(0);
        }
        (p.rows - 1)
            .checked_mul(p.stride)
            .and_then(|r| r.checked_add(p.len))
            .and_then(|r| r.checked_add(p.offset))
            .ok_or_else(|| {
                PyRuntimeError::new_err(format!(
                    "VideoFrame.data: Corrupted buffer: {name} plane offset {} is out of range",
                    p.offset
                ))
            })
    };
    let (w, h) = (width, height);
    match kind {
        Kind::Packed(n) => {
            let s = stride_of(0, w * n)?;
            let end = end_of(&Plane {
                offset: offsets[0],
                stride: s,
                rows: h,
                len: w * n,
            })?;
            Ok(Placement::View {
                shape: (h, w, n),
                strides: (s as isize, n as isize, 1),
                offset: offsets[0],
                end,
            })
        }
        Kind::Nv12 | Kind::I420 => {
            let rows = h * 3 / 2;
            let luma = Plane {
                offset: offsets[0],
                stride: stride_of(0, w)?,
                rows: h,
                len: w,
            };
            let chroma: Vec<Plane> = match kind {
                Kind::Nv12 => vec![Plane {
                    offset: offsets[1],
                    stride: stride_of(1, w)?,
                    rows: h / 2,
                    len: w,
                }],
                _ => (1..3)
                    .map(|p| {
                        Ok(Plane {
                            offset: offsets[p],
                            stride: stride_of(p, w.div_ceil(2))?,
                            rows: h / 2,
                            len: w / 2,
                        })
                    })
                    .collect::<PyResult<_>>()?,
            };
            // Where the packed layout puts the plane after `p`, if the buffer has it there.
            let after = |p: &Plane| p.rows.checked_mul(p.stride)?.checked_add(p.offset);
            let view = match kind {
                Kind::Nv12 => {
                    after(&luma) == Some(chroma[0].offset) && chroma[0].stride == luma.stride
                }
                _ => {
                    w % 2 == 0
                        && h % 2 == 0
                        && luma.stride == w
                        && after(&luma) == Some(chroma[0].offset)
                        && after(&chroma[0]) == Some(chroma[1].offset)
                        && chroma.iter().all(|c| c.stride == w / 2)
                }
            };
            if view {
                return Ok(Placement::View {
                    shape: (rows, w, 1),
                    strides: (luma.stride as isize, 1, 1),
                    offset: luma.offset,
                    end: end_of(&Plane { rows, ..luma })?,
                });
            }
            let mut end = end_of(&luma)?;
            for c in &chroma {
                end = end.max(end_of(c)?);
            }
            let mut runs = Vec::with_capacity(h + chroma.iter().map(|c| c.rows).sum::<usize>());
            let mut packed = 0;
            for p in std::iter::once(&luma).chain(&chroma) {
                for r in 0..p.rows {
                    if p.len > 0 {
                        runs.push(Run {
                            mapped: p.offset + r * p.stride,
                            packed,
                            len: p.len,
                        });
                    }
                    packed += p.len;
                }
            }
            Ok(Placement::Copy {
                shape: (rows, w, 1),
                len: rows * w,
                runs,
                end,
            })
        }
    }
}
