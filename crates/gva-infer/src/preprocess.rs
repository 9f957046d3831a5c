//! Pre-processing built into the compiled model with OpenVINO's PrePostProcessor (SPEC.md §5,
//! DL Streamer's model-proc `input_preproc`): the compiled model takes the frame's raw u8 layout
//! (packed BGR/BGRx/BGRA/RGB/RGBx/RGBA/GRAY8, or NV12/I420 planes) of the frame's size, and
//! itself converts the colour, resizes (optionally keeping the aspect ratio), applies `range`,
//! `mean` and `std`, and lays the values out as the model's f32 input (NCHW, or NHWC for
//! TFLite-style models). With [`Preprocess::with_planes`] packed frames come as three u8 colour
//! planes instead (split by [`crate::planes`] or written by [`crate::image`]), and an NCHW model
//! has no transpose left to do; GRAY8 frames reach a colour model that way (three equal
//! planes: OpenVINO converts no grey to colour).
//!
//! The `openvino` crate wraps only resize/layout/element type, so this builds the whole
//! pre-processing with the C API of `openvino-sys`: each unsafe block is one C call on live
//! objects, and every C object is owned by a guard that frees it (gva-infer's `ov` module).
//!
//! The steps, in order (DL Streamer's order for `input_preproc`):
//! 1. u8 → f32;
//! 2. colour conversion from the frame format to the model's colour space (BGR, RGB or GRAY);
//! 3. with [`Preprocess::crop`]: a crop of the frame to the model input's aspect ratio; else,
//!    NV12/I420 of an odd width or height, which OpenVINO converts at the next even size
//!    ([`FrameFormat::tensor_size`]: the tensor has that size, the last column and row
//!    repeated), are cropped back to the frame's size, so the model sees the frame exactly;
//! 4. with [`Resize::AspectRatio`] (and no crop): padding of the frame with zeros on its
//!    **right or bottom** edge to the model input's aspect ratio (the picture stays at the
//!    top-left corner; padded height = ceil(width · model_h / model_w) or padded width likewise,
//!    whichever grows);
//! 5. linear resize to the model input's size;
//! 6. `range` [lo, hi]: v · (hi − lo) / 255 + lo (skipped for [0, 255]);
//! 7. `mean` then `std`, per channel of the model's colour space: (v − mean) / std.
//!
//! [`Preprocess::model_region`] gives the part of the frame the model input shows, to map a
//! model's normalized box back to the frame.

use std::ffi::CString;
use std::ptr;

use openvino::InferenceError;
use openvino_sys as sys;

use crate::model::ImageLayout;
use crate::ov::{self, Owned, Side, check, create, model_ptr};

/// The pixel layout of the frames handed to the compiled model (u8 throughout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameFormat {
    /// Packed B, G, R.
    Bgr,
    /// Packed B, G, R, unused.
    Bgrx,
    /// Packed B, G, R, alpha (the alpha is ignored).
    Bgra,
    /// Packed R, G, B.
    Rgb,
    /// Packed R, G, B, unused.
    Rgbx,
    /// Packed R, G, B, alpha (the alpha is ignored).
    Rgba,
    /// The Y plane (height rows) then the interleaved UV plane (height / 2 rows), one buffer
    /// (at the [`FrameFormat::tensor_size`]).
    Nv12,
    /// The Y plane, then the U plane, then the V plane (each height/2 x width/2), one buffer
    /// (at the [`FrameFormat::tensor_size`]).
    I420,
    /// One grey byte per pixel (GRAY8). A colour model takes it as three equal planes
    /// ([`Preprocess::with_planes`]): OpenVINO converts no grey to colour.
    Gray,
}

impl FrameFormat {
    /// Bytes one frame of `width` x `height` takes.
    pub fn frame_bytes(self, width: usize, height: usize) -> usize {
        match self.bytes_per_pixel() {
            Some(bpp) => width * height * bpp,
            None => width * height * 3 / 2,
        }
    }

    /// Bytes per pixel of the packed formats; `None` for the YUV planes.
    pub fn bytes_per_pixel(self) -> Option<usize> {
        match self {
            Self::Bgr | Self::Rgb => Some(3),
            Self::Bgrx | Self::Bgra | Self::Rgbx | Self::Rgba => Some(4),
            Self::Gray => Some(1),
            Self::Nv12 | Self::I420 => None,
        }
    }

    /// Whether the frames are packed pixels (BGR, BGRx, BGRA, RGB, RGBx, RGBA, GRAY8) rather
    /// than YUV planes.
    pub fn is_packed(self) -> bool {
        self.bytes_per_pixel().is_some()
    }

    /// Whether the frames are 4:2:0 YUV planes (NV12, I420).
    pub fn is_yuv(self) -> bool {
        matches!(self, Self::Nv12 | Self::I420)
    }

    /// The size frames of `width` x `height` are handed to a model at: their own, or for
    /// NV12/I420 (which OpenVINO converts at even sizes only) the next even one — the last
    /// column and row repeated (see [`crate::image`]); the chroma planes of an odd frame
    /// (`ceil(w/2)` x `ceil(h/2)`) already have the even size's.
    pub fn tensor_size(self, width: usize, height: usize) -> (usize, usize) {
        if self.is_yuv() {
            (width.next_multiple_of(2), height.next_multiple_of(2))
        } else {
            (width, height)
        }
    }

    /// Whether the first three channels of a pixel are R, G, B (else B, G, R, grey or YUV).
    fn is_rgb(self) -> bool {
        matches!(self, Self::Rgb | Self::Rgbx | Self::Rgba)
    }

    /// The input tensor's shape for `batch` frames of `width` x `height`: NHWC, or with
    /// `planes` NCHW of the three colour planes.
    fn tensor_shape(self, batch: usize, width: usize, height: usize, planes: bool) -> [i64; 4] {
        let (n, w, h) = (batch as i64, width as i64, height as i64);
        if planes {
            return [n, 3, h, w];
        }
        match self {
            Self::Bgr | Self::Rgb => [n, h, w, 3],
            Self::Bgrx | Self::Bgra | Self::Rgbx | Self::Rgba => [n, h, w, 4],
            Self::Gray => [n, h, w, 1],
            Self::Nv12 | Self::I420 => [n, h * 3 / 2, w, 1],
        }
    }

    fn color(self) -> sys::ov_color_format_e {
        use sys::ov_color_format_e as C;
        match self {
            Self::Bgr => C::BGR,
            // OpenVINO has no BGRA/RGBA: the fourth channel is dropped either way.
            Self::Bgrx | Self::Bgra => C::BGRX,
            Self::Rgb => C::RGB,
            Self::Rgbx | Self::Rgba => C::RGBX,
            Self::Nv12 => C::NV12_SINGLE_PLANE,
            Self::I420 => C::I420_SINGLE_PLANE,
            Self::Gray => C::GRAY,
        }
    }
}

/// The colour space the model expects (model-proc `color_space`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorSpace {
    /// Blue, green, red planes (DL Streamer's default).
    #[default]
    Bgr,
    /// Red, green, blue planes.
    Rgb,
    /// One grey plane.
    Grayscale,
}

impl ColorSpace {
    /// From model-proc's `color_space` value (`RGB`, `BGR`, `GRAYSCALE`; case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "BGR" => Some(Self::Bgr),
            "RGB" => Some(Self::Rgb),
            "GRAYSCALE" | "GRAY" => Some(Self::Grayscale),
            _ => None,
        }
    }

    fn color(self) -> sys::ov_color_format_e {
        match self {
            Self::Bgr => sys::ov_color_format_e::BGR,
            Self::Rgb => sys::ov_color_format_e::RGB,
            Self::Grayscale => sys::ov_color_format_e::GRAY,
        }
    }
}

/// How frames are resized to the model input (model-proc `resize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resize {
    /// Stretched to the model input (`no-aspect-ratio`, and what `no` becomes: a model can
    /// only take its own size).
    #[default]
    NoAspectRatio,
    /// Scaled by one factor and padded with zeros right or bottom (`aspect-ratio`).
    AspectRatio,
}

/// Which part of the frame is kept with [`Preprocess::crop`] (model-proc `crop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crop {
    /// The middle (`central`; odd leftovers go right or bottom).
    Central,
    /// `top_left`.
    TopLeft,
    /// `top_right`.
    TopRight,
    /// `bottom_left`.
    BottomLeft,
    /// `bottom_right`.
    BottomRight,
}

/// The pre-processing of a model's image input (its first input).
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocess {
    /// Layout of the frames given.
    pub format: FrameFormat,
    /// Frame width in pixels.
    pub width: usize,
    /// Frame height in pixels.
    pub height: usize,
    /// The colour space the model wants.
    pub color_space: ColorSpace,
    /// How to resize.
    pub resize: Resize,
    /// Output value range `[lo, hi]` for pixel values 0..255 (`[0, 255]`: unchanged).
    pub range: [f32; 2],
    /// Per-channel (or one for all) value subtracted after `range`; empty: none.
    pub mean: Vec<f32>,
    /// Per-channel (or one for all) divisor applied after `mean`; empty: none.
    pub std: Vec<f32>,
    /// Crop the frame to the model input's aspect ratio before resizing (the largest such
    /// region, placed as said); takes precedence over [`Resize::AspectRatio`], which has nothing
    /// left to pad.
    pub crop: Option<Crop>,
    /// Frames per inference (the model is reshaped to this batch; 1: as it is).
    pub batch: usize,
    /// The frames are handed over as three colour planes (u8 NCHW: the first three channels
    /// of each pixel, in the frame's order, so B, G, R for BGRx), not as packed pixels. For
    /// NCHW models this leaves the compiled model no NHWC → NCHW transpose, which costs it
    /// more than splitting the planes while the frame is copied in (see
    /// [`Preprocess::with_planes`]).
    pub planes: bool,
}

impl Preprocess {
    /// Frames of `format` and size for a BGR model: stretched, values 0..255.
    pub fn new(format: FrameFormat, width: usize, height: usize) -> Self {
        Self {
            format,
            width,
            height,
            color_space: ColorSpace::Bgr,
            resize: Resize::NoAspectRatio,
            range: [0.0, 255.0],
            mean: Vec::new(),
            std: Vec::new(),
            crop: None,
            batch: 1,
            planes: false,
        }
    }

    /// With the frames handed over as three colour planes ([`Preprocess::planes`]): for packed
    /// frames and a colour model (not grayscale) only; [`build`] refuses others.
    pub fn with_planes(mut self) -> Self {
        self.planes = true;
        self
    }

    /// With `batch` frames per inference (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// With a model-proc's `input_preproc` params applied: `resize` (`no` is taken as
    /// `no-aspect-ratio`: the model can only take its own size), `crop`, `color_space`,
    /// `range`, `mean`, `std`. `padding` (and unknown keys) are not applied.
    pub fn with_params(mut self, params: &crate::model_proc::PreprocParams) -> Self {
        use crate::model_proc::{ColorSpace as C, Crop as K, Resize as R};
        if let Some(r) = params.resize {
            self.resize = match r {
                R::No | R::NoAspectRatio => Resize::NoAspectRatio,
                R::AspectRatio => Resize::AspectRatio,
            };
        }
        if let Some(c) = params.crop {
            self.crop = Some(match c {
                K::Central => Crop::Central,
                K::TopLeft => Crop::TopLeft,
                K::TopRight => Crop::TopRight,
                K::BottomLeft => Crop::BottomLeft,
                K::BottomRight => Crop::BottomRight,
            });
        }
        if let Some(c) = params.color_space {
            self.color_space = match c {
                C::Bgr => ColorSpace::Bgr,
                C::Rgb => ColorSpace::Rgb,
                C::Grayscale => ColorSpace::Grayscale,
            };
        }
        if let Some([lo, hi]) = params.range {
            self.range = [lo as f32, hi as f32];
        }
        if let Some(m) = &params.mean {
            self.mean = m.iter().map(|v| *v as f32).collect();
        }
        if let Some(s) = &params.std {
            self.std = s.iter().map(|v| *v as f32).collect();
        }
        self
    }

    /// The region of the frame, in frame pixels `[x, y, width, height]`, that the model input
    /// of `model_w` x `model_h` shows: the whole frame when stretched, a part of it when
    /// cropped, and more than the frame (zeros right or bottom) with aspect-ratio padding. A
    /// model's normalized coordinate (u, v) is frame pixel (x + u * width, y + v * height).
    pub fn model_region(&self, model_w: usize, model_h: usize) -> [usize; 4] {
        self.view((self.width, self.height), (model_w, model_h))
    }

    /// The frame size after aspect-ratio padding for a model input of `model_w` x `model_h`
    /// (the frame's own size with [`Resize::NoAspectRatio`] or a crop).
    pub fn padded_size(&self, model_w: usize, model_h: usize) -> (usize, usize) {
        self.padded((self.width, self.height), (model_w, model_h))
    }

    /// What a model input compiled with this pre-processing at the model's size (`width` x
    /// `height`: regions are cropped and resized to it before they go in) shows of `region`
    /// (`[x, y, width, height]`, frame pixels), in frame pixels, as DL Streamer pre-processes
    /// a region: the region when stretched, the part of it that `crop` keeps, or the region
    /// with its aspect-ratio padding right or bottom (which lies beyond the region, and may
    /// lie beyond the frame: the padding is zeros, not the frame's pixels). See
    /// [`crate::image::Image::write_region`].
    pub fn region_view(&self, region: [usize; 4]) -> [usize; 4] {
        let [x, y, w, h] = region;
        let [vx, vy, vw, vh] = self.view((w, h), (self.width, self.height));
        [x + vx, y + vy, vw, vh]
    }

    /// [`Preprocess::model_region`] of a picture of `(w, h)`.
    fn view(&self, (w, h): (usize, usize), (model_w, model_h): (usize, usize)) -> [usize; 4] {
        if model_w == 0 || model_h == 0 {
            return [0, 0, w, h];
        }
        // Compare w/h with model_w/model_h without rounding.
        let wider = w * model_h >= h * model_w;
        if let Some(crop) = self.crop {
            let (cw, ch) = if wider {
                (((h * model_w) as f64 / model_h as f64).round() as usize, h)
            } else {
                (w, ((w * model_h) as f64 / model_w as f64).round() as usize)
            };
            let (cw, ch) = (cw.clamp(1, w.max(1)), ch.clamp(1, h.max(1)));
            let (free_x, free_y) = (w - cw, h - ch);
            let (x, y) = match crop {
                Crop::Central => (free_x / 2, free_y / 2),
                Crop::TopLeft => (0, 0),
                Crop::TopRight => (free_x, 0),
                Crop::BottomLeft => (0, free_y),
                Crop::BottomRight => (free_x, free_y),
            };
            return [x, y, cw, ch];
        }
        let (pw, ph) = self.padded((w, h), (model_w, model_h));
        [0, 0, pw, ph]
    }

    /// [`Preprocess::padded_size`] of a picture of `(w, h)`.
    fn padded(&self, (w, h): (usize, usize), (model_w, model_h): (usize, usize)) -> (usize, usize) {
        if self.resize == Resize::NoAspectRatio
            || self.crop.is_some()
            || model_w == 0
            || model_h == 0
        {
            return (w, h);
        }
        // Compare w/h with model_w/model_h without rounding.
        if w * model_h >= h * model_w {
            (w, (w * model_h).div_ceil(model_w))
        } else {
            ((h * model_w).div_ceil(model_h), h)
        }
    }
}

/// A `Preprocess` OpenVINO would reject obscurely (or compute nonsense from), as OpenVINO's
/// "parameter mismatch" error with a message saying what is wrong.
fn validate(pre: &Preprocess) -> Result<(), InferenceError> {
    let wrong =
        |why: String| InferenceError::convert(sys::ov_status_e::PARAMETER_MISMATCH, Some(why));
    if pre.width == 0 || pre.height == 0 {
        return wrong(format!("empty frame {}x{}", pre.width, pre.height));
    }
    let [lo, hi] = pre.range;
    if !(lo.is_finite() && hi.is_finite() && lo != hi) {
        return wrong(format!(
            "range [{lo}, {hi}] is not two distinct finite values"
        ));
    }
    let channels = if pre.color_space == ColorSpace::Grayscale {
        1
    } else {
        3
    };
    for (name, values) in [("mean", &pre.mean), ("std", &pre.std)] {
        if !matches!(values.len(), 0 | 1) && values.len() != channels {
            return wrong(format!(
                "{name} has {} values; the model's colour space has {channels} channels",
                values.len()
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return wrong(format!("{name} {values:?} is not finite"));
        }
    }
    if pre.std.contains(&0.0) {
        return wrong(format!("std {:?} divides by zero", pre.std));
    }
    if pre.planes && (!pre.format.is_packed() || pre.color_space == ColorSpace::Grayscale) {
        return wrong(format!(
            "colour planes are for packed frames and colour models, not {:?} frames for a {:?} \
             model",
            pre.format, pre.color_space
        ));
    }
    if pre.format == FrameFormat::Gray && !pre.planes && pre.color_space != ColorSpace::Grayscale {
        return wrong(format!(
            "GRAY8 frames go to a {:?} model as three equal colour planes (with_planes): \
             OpenVINO converts no grey to colour",
            pre.color_space
        ));
    }
    Ok(())
}

fn layout(text: &str) -> Result<Owned<sys::ov_layout_t>, InferenceError> {
    let text = CString::new(text).expect("a layout has no NUL");
    Ok(create!(
        sys::ov_layout_free,
        sys::ov_layout_create,
        text.as_ptr()
    ))
}

/// `model` with `pre` in front of its first input, laid out NCHW or NHWC as the model wants
/// (see [`crate::model::image_shape`]); the new
/// model's input is u8 NHWC (NV12/I420: one plane-stacked channel) of the frame's size.
pub fn build(model: &openvino::Model, pre: &Preprocess) -> Result<openvino::Model, InferenceError> {
    use sys::*;
    validate(pre)?;
    let dims = first_input_shape(model)?;
    let (model_layout, model_w, model_h) =
        crate::model::image_shape(&dims).unwrap_or((ImageLayout::Nchw, pre.width, pre.height));

    let ppp = create!(
        ov_preprocess_prepostprocessor_free,
        ov_preprocess_prepostprocessor_create,
        model_ptr(model)
    );
    let info = create!(
        ov_preprocess_input_info_free,
        ov_preprocess_prepostprocessor_get_input_info_by_index,
        ppp.ptr,
        0
    );
    let tensor_info = create!(
        ov_preprocess_input_tensor_info_free,
        ov_preprocess_input_info_get_tensor_info,
        info.ptr
    );
    // The input tensor: u8 of the frame's shape (NV12/I420: at the next even size, which the
    // first step crops back to the frame's).
    let (tensor_w, tensor_h) = pre.format.tensor_size(pre.width, pre.height);
    if pre.format.is_yuv() {
        // With a single-plane YUV colour format, OpenVINO derives the tensor's shape
        // [1, height * 3 / 2, width, 1] from the picture's size.
        // SAFETY: live object.
        check(unsafe {
            ov_preprocess_input_tensor_info_set_element_type(tensor_info.ptr, ov_element_type_e::U8)
        })?;
        // SAFETY: live object.
        check(unsafe {
            ov_preprocess_input_tensor_info_set_spatial_static_shape(
                tensor_info.ptr,
                tensor_h,
                tensor_w,
            )
        })?;
    } else {
        let shape_dims = pre
            .format
            .tensor_shape(pre.batch, pre.width, pre.height, pre.planes);
        let mut shape = ov_shape_t {
            rank: 0,
            dims: ptr::null_mut(),
        };
        // SAFETY: `shape_dims` holds 4 values; `shape` is freed below.
        check(unsafe { ov_shape_create(4, shape_dims.as_ptr(), &mut shape) })?;
        let mut tensor = ptr::null_mut();
        // SAFETY: `shape` is a live shape; the tensor is freed right after use.
        let made = check(unsafe { ov_tensor_create(ov_element_type_e::U8, shape, &mut tensor) });
        // SAFETY: created above; the tensor has its own copy of the dimensions.
        unsafe { ov_shape_free(&mut shape) };
        made?;
        let tensor = Owned {
            ptr: tensor,
            // SAFETY: a tensor made by `ov_tensor_create`.
            free: |p| unsafe { ov_tensor_free(p) },
        };
        // SAFETY: live objects.
        check(unsafe { ov_preprocess_input_tensor_info_set_from(tensor_info.ptr, tensor.ptr) })?;
    }
    let tensor_layout = layout(if pre.planes { "NCHW" } else { "NHWC" })?;
    // SAFETY: live objects (the layout is copied).
    check(unsafe {
        ov_preprocess_input_tensor_info_set_layout(tensor_info.ptr, tensor_layout.ptr)
    })?;
    // Planes carry the frame's first three channels, in its order.
    let color = match (pre.planes, pre.format.is_rgb()) {
        (false, _) => pre.format.color(),
        (true, false) => ov_color_format_e::BGR,
        (true, true) => ov_color_format_e::RGB,
    };
    // SAFETY: live object.
    check(unsafe { ov_preprocess_input_tensor_info_set_color_format(tensor_info.ptr, color) })?;
    // Crop and pad take their bounds in the tensor's layout (layouts are converted last):
    // `at(n, h, w, c)` orders four values for it.
    let at = |n: i32, h: i32, w: i32, c: i32| {
        if pre.planes {
            [n, c, h, w]
        } else {
            [n, h, w, c]
        }
    };

    let steps = create!(
        ov_preprocess_preprocess_steps_free,
        ov_preprocess_input_info_get_preprocess_steps,
        info.ptr
    );
    // SAFETY (every call below): `steps` is live; arrays outlive the calls that read them.
    check(unsafe {
        ov_preprocess_preprocess_steps_convert_element_type(steps.ptr, ov_element_type_e::F32)
    })?;
    check(unsafe {
        ov_preprocess_preprocess_steps_convert_color(steps.ptr, pre.color_space.color())
    })?;
    // Crops `[x, y, width, height]` of every frame of the batch (in frame pixels).
    let crop = |[x, y, cw, ch]: [usize; 4]| {
        let channels = if pre.color_space == ColorSpace::Grayscale {
            1
        } else {
            3
        };
        // The end is exclusive.
        let mut begin = at(0, y as i32, x as i32, 0);
        let mut end = at(pre.batch as i32, (y + ch) as i32, (x + cw) as i32, channels);
        check(unsafe {
            ov_preprocess_preprocess_steps_crop(
                steps.ptr,
                begin.as_mut_ptr(),
                4,
                end.as_mut_ptr(),
                4,
            )
        })
    };
    // The size entering the resize step: the crop's, the padded frame's, or the frame's.
    let mut resized_from = (pre.width, pre.height);
    if pre.crop.is_some() {
        // Inside the frame: an even YUV tensor's extra column and row go too.
        let region = pre.model_region(model_w, model_h);
        resized_from = (region[2], region[3]);
        crop(region)?;
    } else if (tensor_w, tensor_h) != (pre.width, pre.height) {
        crop([0, 0, pre.width, pre.height])?;
    }
    if pre.crop.is_none() && pre.resize == Resize::AspectRatio {
        let (pw, ph) = pre.padded_size(model_w, model_h);
        resized_from = (pw, ph);
        let (pad_w, pad_h) = (pw - pre.width, ph - pre.height);
        if pad_w > 0 || pad_h > 0 {
            let begin = [0i32; 4];
            let end = at(0, pad_h as i32, pad_w as i32, 0);
            check(unsafe {
                ov_preprocess_preprocess_steps_pad(
                    steps.ptr,
                    begin.as_ptr(),
                    4,
                    end.as_ptr(),
                    4,
                    0.0,
                    ov_padding_mode_e::CONSTANT,
                )
            })?;
        }
    }
    // Frames already of the model's size skip the resize: an identity interpolation still
    // costs (measured: ~40 % of a 256x256 detector's inference on this CPU).
    if resized_from != (model_w, model_h) {
        check(unsafe {
            ov_preprocess_preprocess_steps_resize(
                steps.ptr,
                ov_preprocess_resize_algorithm_e::RESIZE_LINEAR,
            )
        })?;
    }
    let [lo, hi] = pre.range;
    if (lo, hi) != (0.0, 255.0) {
        check(unsafe { ov_preprocess_preprocess_steps_scale(steps.ptr, 255.0 / (hi - lo)) })?;
        if lo != 0.0 {
            check(unsafe { ov_preprocess_preprocess_steps_mean(steps.ptr, -lo) })?;
        }
    }
    match pre.mean.as_slice() {
        [] => {}
        [m] => check(unsafe { ov_preprocess_preprocess_steps_mean(steps.ptr, *m) })?,
        m => check(unsafe {
            ov_preprocess_preprocess_steps_mean_multi_channels(
                steps.ptr,
                m.as_ptr(),
                m.len() as i32,
            )
        })?,
    }
    match pre.std.as_slice() {
        [] => {}
        [s] => check(unsafe { ov_preprocess_preprocess_steps_scale(steps.ptr, *s) })?,
        s => check(unsafe {
            ov_preprocess_preprocess_steps_scale_multi_channels(
                steps.ptr,
                s.as_ptr(),
                s.len() as i32,
            )
        })?,
    }

    let model_info = create!(
        ov_preprocess_input_model_info_free,
        ov_preprocess_input_info_get_model_info,
        info.ptr
    );
    let model_layout = layout(model_layout.name())?;
    // SAFETY: live objects.
    check(unsafe { ov_preprocess_input_model_info_set_layout(model_info.ptr, model_layout.ptr) })?;

    let mut built = ptr::null_mut();
    // SAFETY: `ppp` is live; `built` is a new model on OK, owned by the Model made below.
    check(unsafe { ov_preprocess_prepostprocessor_build(ppp.ptr, &mut built) })?;
    // SAFETY: a new model nothing else owns.
    Ok(unsafe { ov::model_from_ptr(built) })
}

/// The shape of the model's first input.
pub(crate) fn first_input_shape(model: &openvino::Model) -> Result<Vec<i64>, InferenceError> {
    ov::model_ports(model, Side::Inputs)?
        .into_iter()
        .next()
        .map(|port| port.shape)
        .ok_or_else(|| {
            ov::error(
                openvino::InferenceErrorKind::NotFound,
                "the model has no input".to_owned(),
            )
        })
}
