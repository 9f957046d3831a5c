//! Frames and regions written into tensor slots, on plain arrays with padded strides: every
//! format, odd YUV sizes, colour planes, and errors instead of panics.

use gva_infer::image::{Image, ImageError, Plane};
use gva_infer::preprocess::{Crop, FrameFormat, Preprocess, Resize};

/// A plane of `rows` rows of `row` bytes, `stride` apart (the padding is 0xEE), whose byte
/// (r, c) is `value(r, c)`.
fn plane(row: usize, rows: usize, stride: usize, value: impl Fn(usize, usize) -> u8) -> Vec<u8> {
    let mut data = vec![0xEE; stride * rows];
    for r in 0..rows {
        for c in 0..row {
            data[r * stride + c] = value(r, c);
        }
    }
    data
}

fn planes<'a>(data: &'a [Vec<u8>], strides: &[usize]) -> Vec<Plane<'a>> {
    data.iter()
        .zip(strides)
        .map(|(data, &stride)| Plane { data, stride })
        .collect()
}

/// The tensor slot of `pre` written from `image` (whole frame).
fn frame_slot(image: &Image<'_>, pre: &Preprocess) -> Vec<u8> {
    let mut out = vec![0; slot_size(pre)];
    image.write_frame(pre, &mut out).unwrap();
    out
}

fn slot_size(pre: &Preprocess) -> usize {
    if pre.planes {
        3 * pre.width * pre.height
    } else {
        let (w, h) = pre.format.tensor_size(pre.width, pre.height);
        pre.format.frame_bytes(w, h)
    }
}

#[test]
fn odd_nv12_and_i420_frames_go_in_at_the_even_size_with_the_last_column_and_row_repeated() {
    // 5x3: chroma 3x2; Y rows padded to 8 bytes, chroma rows to 8 (NV12) or 4 (I420).
    let luma = plane(5, 3, 8, |r, c| (10 * r + c) as u8);
    let y_want: Vec<u8> = [
        [0, 1, 2, 3, 4, 4],
        [10, 11, 12, 13, 14, 14],
        [20, 21, 22, 23, 24, 24],
        [20, 21, 22, 23, 24, 24],
    ]
    .concat();
    let (tw, th) = FrameFormat::Nv12.tensor_size(5, 3);
    assert_eq!((tw, th), (6, 4));

    let uv = plane(6, 2, 8, |r, c| (100 + 10 * r + c) as u8);
    let data = [luma.clone(), uv];
    let image = Image::new(FrameFormat::Nv12, 5, 3, planes(&data, &[8, 8])).unwrap();
    let out = frame_slot(&image, &Preprocess::new(FrameFormat::Nv12, 5, 3));
    let uv_want: Vec<u8> = [
        [100, 101, 102, 103, 104, 105],
        [110, 111, 112, 113, 114, 115],
    ]
    .concat();
    assert_eq!(out, [y_want.clone(), uv_want].concat());

    let u = plane(3, 2, 4, |r, c| (100 + 10 * r + c) as u8);
    let v = plane(3, 2, 4, |r, c| (200 + 10 * r + c) as u8);
    let data = [luma, u, v];
    let image = Image::new(FrameFormat::I420, 5, 3, planes(&data, &[8, 4, 4])).unwrap();
    let out = frame_slot(&image, &Preprocess::new(FrameFormat::I420, 5, 3));
    let u_want = [100, 101, 102, 110, 111, 112];
    let v_want = [200, 201, 202, 210, 211, 212];
    assert_eq!(out, [y_want, u_want.to_vec(), v_want.to_vec()].concat());
}

#[test]
fn gray_frames_go_to_colour_models_as_three_equal_planes() {
    let gray = plane(3, 2, 4, |r, c| (10 * r + c) as u8);
    let data = [gray];
    let image = Image::new(FrameFormat::Gray, 3, 2, planes(&data, &[4])).unwrap();
    let values = vec![0, 1, 2, 10, 11, 12];
    let out = frame_slot(
        &image,
        &Preprocess::new(FrameFormat::Gray, 3, 2).with_planes(),
    );
    assert_eq!(out, values.repeat(3));
    // A grayscale model takes them as they are.
    let out = frame_slot(&image, &Preprocess::new(FrameFormat::Gray, 3, 2));
    assert_eq!(out, values);
}

#[test]
fn packed_frames_lose_their_row_padding_or_become_planes() {
    // 2x2 BGR, rows padded to 8 bytes: pixel (r, c) = (b, g, r) = (r*2+c, 10+.., 20+..).
    let bgr = plane(6, 2, 8, |r, c| (10 * (c % 3) + 2 * r + c / 3) as u8);
    let data = [bgr];
    let image = Image::new(FrameFormat::Bgr, 2, 2, planes(&data, &[8])).unwrap();
    let out = frame_slot(&image, &Preprocess::new(FrameFormat::Bgr, 2, 2));
    assert_eq!(out, [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23]);
    let out = frame_slot(
        &image,
        &Preprocess::new(FrameFormat::Bgr, 2, 2).with_planes(),
    );
    assert_eq!(out, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
}

/// A 8x4 frame of `format` whose pixel (r, c) has value 10 r + c in every byte (luma, or each
/// channel), and chroma (r, c) = 100 + 10 r + c (U) and 200 + 10 r + c (V).
fn ramp(format: FrameFormat) -> Vec<Vec<u8>> {
    let luma = |r: usize, c: usize| (10 * r + c) as u8;
    match format {
        FrameFormat::Nv12 => vec![
            plane(8, 4, 8, luma),
            plane(8, 2, 8, |r, c| (100 * (1 + c % 2) + 10 * r + c / 2) as u8),
        ],
        FrameFormat::I420 => vec![
            plane(8, 4, 8, luma),
            plane(4, 2, 4, |r, c| (100 + 10 * r + c) as u8),
            plane(4, 2, 4, |r, c| (200 + 10 * r + c) as u8),
        ],
        packed => {
            let bpp = packed.bytes_per_pixel().unwrap();
            vec![plane(8 * bpp, 4, 8 * bpp + 4, |r, c| luma(r, c / bpp))]
        }
    }
}

fn image<'a>(format: FrameFormat, data: &'a [Vec<u8>]) -> Image<'a> {
    let strides: Vec<usize> = match format {
        FrameFormat::Nv12 => vec![8, 8],
        FrameFormat::I420 => vec![8, 4, 4],
        packed => vec![8 * packed.bytes_per_pixel().unwrap() + 4],
    };
    Image::new(format, 8, 4, planes(data, &strides)).unwrap()
}

#[test]
fn regions_are_cropped_and_resized_by_the_nearest_pixel_centre() {
    // Region x 2..6, y 0..4 (4x4) to 2x2: columns 3 and 5, rows 1 and 3.
    let luma = [13, 15, 33, 35];
    for format in [FrameFormat::Bgr, FrameFormat::Bgrx, FrameFormat::Gray] {
        let data = ramp(format);
        let image = image(format, &data);
        let bpp = format.bytes_per_pixel().unwrap();
        let pre = Preprocess::new(format, 2, 2);
        let mut out = vec![0; slot_size(&pre)];
        image.write_region([2, 0, 4, 4], &pre, &mut out).unwrap();
        let want: Vec<u8> = luma.iter().flat_map(|&v| vec![v; bpp]).collect();
        assert_eq!(out, want, "{format:?}");
        // Straight into colour planes (grey in all three).
        if format == FrameFormat::Gray || bpp >= 3 {
            let pre = pre.clone().with_planes();
            let mut out = vec![0; slot_size(&pre)];
            image.write_region([2, 0, 4, 4], &pre, &mut out).unwrap();
            assert_eq!(out, luma.repeat(3), "{format:?} planes");
        }
    }
}

#[test]
fn yuv_regions_take_chroma_at_the_centre_of_each_2x2_block() {
    // Region x 2..6, y 0..4 to 4x4: luma columns 2..6 and rows 0..4 as they are; the 2x2
    // chroma block centres fall on luma columns 3, 5 (chroma 1, 2) and rows 1, 3 (0, 1).
    let luma: Vec<u8> = (0..4)
        .flat_map(|r| (2..6).map(move |c| (10 * r + c) as u8))
        .collect();
    let u = [101, 102, 111, 112];
    let v = [201, 202, 211, 212];
    for format in [FrameFormat::Nv12, FrameFormat::I420] {
        let data = ramp(format);
        let image = image(format, &data);
        let pre = Preprocess::new(format, 4, 4);
        let mut out = vec![0; slot_size(&pre)];
        image.write_region([2, 0, 4, 4], &pre, &mut out).unwrap();
        let chroma: Vec<u8> = if format == FrameFormat::Nv12 {
            u.iter().zip(&v).flat_map(|(&u, &v)| [u, v]).collect()
        } else {
            [u, v].concat()
        };
        assert_eq!(out, [luma.clone(), chroma].concat(), "{format:?}");
    }
}

#[test]
fn yuv_regions_of_an_odd_model_size_repeat_the_last_column_and_row() {
    // Region x 2..6, y 0..4 to 3x3 (a 4x4 tensor): luma columns 2, 4, 5 (+5) and rows 0, 2, 3
    // (+3); chroma from luma columns 3 and 5 (chroma 1, 2) and rows 1, 3 (chroma 0, 1).
    let luma: Vec<u8> = [0, 2, 3, 3]
        .iter()
        .flat_map(|r| [2, 4, 5, 5].map(move |c| (10 * r + c) as u8))
        .collect();
    let data = ramp(FrameFormat::I420);
    let image = image(FrameFormat::I420, &data);
    let pre = Preprocess::new(FrameFormat::I420, 3, 3);
    let mut out = vec![0; slot_size(&pre)];
    assert_eq!(out.len(), 24, "a 4x4 I420 tensor");
    image.write_region([2, 0, 4, 4], &pre, &mut out).unwrap();
    assert_eq!(
        out,
        [luma, vec![101, 102, 111, 112, 201, 202, 211, 212]].concat()
    );
}

/// `Preprocess::new(format, w, h)` with the model-proc's `resize` and `crop`.
fn model_proc_input(
    format: FrameFormat,
    (w, h): (usize, usize),
    resize: Resize,
    crop: Option<Crop>,
) -> Preprocess {
    Preprocess {
        resize,
        crop,
        ..Preprocess::new(format, w, h)
    }
}

#[test]
fn regions_are_padded_black_or_cropped_as_the_model_proc_says() {
    // What the model sees of a region (frame pixels): the region stretched; with
    // aspect-ratio, the region and its padding right or bottom to the model's shape (here
    // beyond the frame); with a crop, the part of the region of the model's shape.
    let (w, h) = (2, 2);
    let view = |resize, crop, region| {
        model_proc_input(FrameFormat::Bgr, (w, h), resize, crop).region_view(region)
    };
    assert_eq!(
        view(Resize::NoAspectRatio, None, [2, 0, 4, 2]),
        [2, 0, 4, 2]
    );
    assert_eq!(view(Resize::AspectRatio, None, [2, 0, 4, 2]), [2, 0, 4, 4]);
    assert_eq!(view(Resize::AspectRatio, None, [5, 1, 3, 6]), [5, 1, 6, 6]);
    assert_eq!(
        view(Resize::NoAspectRatio, Some(Crop::Central), [0, 0, 8, 4]),
        [2, 0, 4, 4]
    );
    assert_eq!(
        view(Resize::AspectRatio, Some(Crop::TopLeft), [0, 0, 8, 4]),
        [0, 0, 4, 4]
    );
    assert_eq!(
        view(Resize::NoAspectRatio, Some(Crop::BottomRight), [1, 0, 3, 4]),
        [1, 1, 3, 3]
    );

    // Region x 2..6, y 0..2 (4x2) padded to 4x4, to 2x2: columns 3 and 5 of row 1, then a
    // black row (the padding below the region, not the frame's row 3).
    for format in [FrameFormat::Bgr, FrameFormat::Bgrx, FrameFormat::Gray] {
        let data = ramp(format);
        let image = image(format, &data);
        let bpp = format.bytes_per_pixel().unwrap();
        let pre = model_proc_input(format, (w, h), Resize::AspectRatio, None);
        let mut out = vec![0xAA; slot_size(&pre)];
        image.write_region([2, 0, 4, 2], &pre, &mut out).unwrap();
        let want: Vec<u8> = [13, 15, 0, 0].iter().flat_map(|&v| vec![v; bpp]).collect();
        assert_eq!(out, want, "{format:?}");
        if format == FrameFormat::Gray || bpp >= 3 {
            let pre = pre.clone().with_planes();
            let mut out = vec![0xAA; slot_size(&pre)];
            image.write_region([2, 0, 4, 2], &pre, &mut out).unwrap();
            assert_eq!(out, [13, 15, 0, 0].repeat(3), "{format:?} planes");
        }
        // The 8x4 frame cropped to its middle (x 2..6) or its left 4x4, to 2x2.
        for (crop, want) in [
            (Crop::Central, [13, 15, 33, 35]),
            (Crop::TopLeft, [11, 13, 31, 33]),
        ] {
            let pre = model_proc_input(format, (w, h), Resize::AspectRatio, Some(crop));
            let mut out = vec![0xAA; slot_size(&pre)];
            image.write_region([0, 0, 8, 4], &pre, &mut out).unwrap();
            let want: Vec<u8> = want.iter().flat_map(|&v| vec![v; bpp]).collect();
            assert_eq!(out, want, "{format:?} {crop:?}");
        }
    }

    // YUV: region x 2..6, y 0..2 padded to 4x4, to 4x4: luma rows 0 and 1, then two rows of
    // black luma (16); chroma of the first row of blocks from chroma (0, 1) and (0, 2), the
    // second row black (128).
    let luma: Vec<u8> = [2, 3, 4, 5, 12, 13, 14, 15]
        .into_iter()
        .chain([16; 8])
        .collect();
    for format in [FrameFormat::Nv12, FrameFormat::I420] {
        let data = ramp(format);
        let image = image(format, &data);
        let pre = model_proc_input(format, (4, 4), Resize::AspectRatio, None);
        let mut out = vec![0xAA; slot_size(&pre)];
        image.write_region([2, 0, 4, 2], &pre, &mut out).unwrap();
        let chroma: Vec<u8> = if format == FrameFormat::Nv12 {
            vec![101, 201, 102, 202, 128, 128, 128, 128]
        } else {
            vec![101, 102, 128, 128, 201, 202, 128, 128]
        };
        assert_eq!(out, [luma.clone(), chroma].concat(), "{format:?}");
    }
}

#[test]
fn bad_sizes_and_planes_are_errors_not_panics() {
    let data = ramp(FrameFormat::Bgr);
    let image = image(FrameFormat::Bgr, &data);
    let pre = Preprocess::new(FrameFormat::Bgr, 2, 2);
    let mut out = vec![0; 12];
    for region in [[6, 0, 4, 4], [0, 0, 0, 4], [0, 3, 2, 2]] {
        assert!(
            matches!(
                image.write_region(region, &pre, &mut out),
                Err(ImageError::Size(_))
            ),
            "{region:?}"
        );
    }
    let mut short = vec![0; 11];
    assert!(image.write_region([0, 0, 2, 2], &pre, &mut short).is_err());
    // Another format than compiled for, a frame of another size.
    let rgb = Preprocess::new(FrameFormat::Rgb, 2, 2);
    assert!(matches!(
        image.write_region([0, 0, 2, 2], &rgb, &mut out),
        Err(ImageError::Format { .. })
    ));
    assert!(image.write_frame(&pre, &mut out).is_err());
    // Planes that do not hold their rows.
    let few = [vec![0u8; 10]];
    let err = Image::new(FrameFormat::Bgr, 8, 4, planes(&few, &[28])).unwrap_err();
    assert!(matches!(err, ImageError::Plane { plane: 0, .. }), "{err}");
    let missing = Image::new(FrameFormat::I420, 8, 4, planes(&data, &[28])).unwrap_err();
    assert!(
        matches!(missing, ImageError::Plane { plane: 0 | 1, .. }),
        "{missing}"
    );
}
