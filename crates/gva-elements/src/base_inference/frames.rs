//! Frame pixels for the compiled model: formats, packing without row padding, region crops.

use gst_video::prelude::*;
use gva_infer::preprocess::FrameFormat;
use gva_meta::Rect;

/// The compiled-model frame format of a negotiated video format.
pub(super) fn frame_format(format: gst_video::VideoFormat) -> Option<FrameFormat> {
    use gst_video::VideoFormat as V;
    Some(match format {
        V::Bgr => FrameFormat::Bgr,
        V::Bgrx => FrameFormat::Bgrx,
        V::Bgra => FrameFormat::Bgra,
        V::Rgb => FrameFormat::Rgb,
        V::Rgbx => FrameFormat::Rgbx,
        V::Rgba => FrameFormat::Rgba,
        V::Nv12 => FrameFormat::Nv12,
        V::I420 => FrameFormat::I420,
        _ => return None,
    })
}

/// Bytes per row and rows of each plane of `frame` without padding.
fn plane_rows(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
) -> Result<Vec<(usize, usize)>, String> {
    let finfo = frame.format_info();
    (0..frame.n_planes())
        .map(|plane| {
            let component = plane_component(&finfo, plane);
            let width = frame.comp_width(component) as usize;
            let height = frame.comp_height(component) as usize;
            // Bytes per row: pixels x the pixel stride of the plane's first component.
            let pixel = usize::try_from(finfo.pixel_stride()[component as usize])
                .map_err(|_| "bad pixel stride".to_owned())?;
            Ok((width * pixel, height))
        })
        .collect()
}

/// Writes the frame's pixels without row padding, plane after plane (what the compiled model
/// takes) into `out`, which must have exactly their size: packed formats one plane, NV12 the Y
/// then the UV rows, I420 the Y, U then V rows; each plane is read from its own stride and
/// offset.
pub(super) fn pack_into(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
    out: &mut [u8],
) -> Result<(), String> {
    let rows = plane_rows(frame)?;
    let size: usize = rows.iter().map(|(row, rows)| row * rows).sum();
    if size != out.len() {
        return Err(format!(
            "the frame has {size} bytes of pixels, the compiled model takes {}",
            out.len()
        ));
    }
    let mut at = 0;
    for (plane, (row_bytes, height)) in rows.into_iter().enumerate() {
        let stride = usize::try_from(frame.plane_stride()[plane]).map_err(|_| "negative stride")?;
        let data = frame
            .plane_data(plane as u32)
            .map_err(|_| "cannot read the frame's pixels".to_owned())?;
        for row in 0..height {
            let start = row * stride;
            let line = data
                .get(start..start + row_bytes)
                .ok_or("the frame is smaller than its caps say")?;
            out[at..at + row_bytes].copy_from_slice(line);
            at += row_bytes;
        }
    }
    Ok(())
}

/// Writes the first three channels of `frame`'s packed pixels (BGR, BGRx…) into `out` as three
/// planes, for a model compiled with colour planes ([`gva_infer::planes`]).
pub(super) fn split_planes_into(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
    out: &mut [u8],
) -> Result<(), String> {
    let bpp = usize::try_from(frame.format_info().pixel_stride()[0])
        .map_err(|_| "bad pixel stride".to_owned())?;
    let stride = usize::try_from(frame.plane_stride()[0]).map_err(|_| "negative stride")?;
    let data = frame
        .plane_data(0)
        .map_err(|_| "cannot read the frame's pixels".to_owned())?;
    gva_infer::planes::split(
        data,
        stride,
        bpp,
        frame.width() as usize,
        frame.height() as usize,
        out,
    )
    .map_err(|e| e.to_string())
}

/// The first component stored in `plane`.
fn plane_component(finfo: &gst_video::VideoFormatInfo, plane: u32) -> u32 {
    (0..finfo.n_components())
        .find(|&c| finfo.plane()[c as usize] == plane)
        .unwrap_or(0)
}

/// `rect` clipped to a frame of `width` x `height`; `None` when nothing of it is left.
pub(super) fn clip(rect: Rect<u32>, width: u32, height: u32) -> Option<Rect<u32>> {
    let w = rect.w.min(width.saturating_sub(rect.x));
    let h = rect.h.min(height.saturating_sub(rect.y));
    (w > 0 && h > 0).then(|| Rect::new(rect.x, rect.y, w, h))
}

/// Writes the pixels of `rect` (inside the packed frame) into `out`, resized (nearest pixel
/// centre) to `to`, packed without padding in the frame's own pixel layout.
pub(super) fn crop_resize_into(
    frame: &gst_video::VideoFrameRef<&gst::BufferRef>,
    rect: Rect<u32>,
    to: (usize, usize),
    out: &mut [u8],
) -> Result<(), String> {
    let bpp = usize::try_from(frame.format_info().pixel_stride()[0])
        .map_err(|_| "bad pixel stride".to_owned())?;
    let stride = usize::try_from(frame.plane_stride()[0]).map_err(|_| "negative stride")?;
    let data = frame
        .plane_data(0)
        .map_err(|_| "cannot read the frame's pixels".to_owned())?;
    if out.len() != to.0 * to.1 * bpp {
        return Err(format!(
            "a {}x{} crop of {bpp}-byte pixels does not fill the model's {} bytes",
            to.0,
            to.1,
            out.len()
        ));
    }
    let (x, y, w, h) = (
        rect.x as usize,
        rect.y as usize,
        rect.w as usize,
        rect.h as usize,
    );
    for (row, line) in out.chunks_exact_mut(to.0 * bpp).enumerate() {
        let sy = y + (2 * row + 1) * h / (2 * to.1);
        for (col, pixel) in line.chunks_exact_mut(bpp).enumerate() {
            let sx = x + (2 * col + 1) * w / (2 * to.0);
            let at = sy * stride + sx * bpp;
            let source = data
                .get(at..at + bpp)
                .ok_or("the region is outside the frame's pixels")?;
            pixel.copy_from_slice(source);
        }
    }
    Ok(())
}
