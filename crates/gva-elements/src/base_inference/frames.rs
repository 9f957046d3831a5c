//! A mapped frame as gva-infer's [`Image`] (its planes with their strides), which writes it
//! or its regions into the model's input tensor; the formats the inference elements take.

use gst_video::prelude::*;
use gva_infer::image::{Image, ImageError, Plane};
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
        V::Gray8 => FrameFormat::Gray,
        _ => return None,
    })
}

/// The mapped frame's planes, each from its own offset with its own stride.
pub(super) fn image<'a>(
    frame: &'a gst_video::VideoFrameRef<&gst::BufferRef>,
) -> Result<Image<'a>, ImageError> {
    let format = frame_format(frame.format()).ok_or(ImageError::Size(format!(
        "unsupported video format {}",
        frame.format().to_str()
    )))?;
    let planes = (0..frame.n_planes())
        .map(|plane| {
            let data = frame.plane_data(plane).unwrap_or_default();
            let stride = frame.plane_stride()[plane as usize];
            Plane {
                data,
                stride: usize::try_from(stride).unwrap_or(0),
            }
        })
        .collect();
    Image::new(
        format,
        frame.width() as usize,
        frame.height() as usize,
        planes,
    )
}

/// `rect` clipped to a frame of `width` x `height`; `None` when nothing of it is left.
pub(super) fn clip(rect: Rect<u32>, width: u32, height: u32) -> Option<Rect<u32>> {
    let w = rect.w.min(width.saturating_sub(rect.x));
    let h = rect.h.min(height.saturating_sub(rect.y));
    (w > 0 && h > 0).then(|| Rect::new(rect.x, rect.y, w, h))
}
