//! Label text: the embedded DejaVu Sans font, rasterized with `ab_glyph`, glyphs cached.

use std::collections::HashMap;
use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

use super::canvas::Mask;

/// DejaVu Sans (Bitstream Vera licence, see `assets/`), compiled in so that no system font is
/// needed.
static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Text size in pixels (ab_glyph's scale: ascent to descent). Capitals come out about 20 px
/// high, the size of DL Streamer's OpenCV `FONT_HERSHEY_TRIPLEX` at scale 1.0.
pub const TEXT_PX: f32 = 32.0;

/// The parsed embedded font.
fn font() -> Result<&'static FontRef<'static>, String> {
    static FONT: LazyLock<Result<FontRef<'static>, ab_glyph::InvalidFont>> =
        LazyLock::new(|| FontRef::try_from_slice(FONT_BYTES));
    FONT.as_ref()
        .map_err(|e| format!("the embedded font cannot be read: {e}"))
}

/// A rasterized glyph, placed relative to its origin on the baseline.
struct Glyph {
    id: GlyphId,
    advance: f32,
    left: i64,
    top: i64,
    width: usize,
    height: usize,
    coverage: Vec<u8>,
}

/// Lays out and rasterizes text; each character is rasterized once, then copied from the cache.
pub struct TextRenderer {
    font: &'static FontRef<'static>,
    scale: PxScale,
    glyphs: HashMap<char, Glyph>,
    placed: Vec<(char, i64)>,
}

impl TextRenderer {
    /// A renderer at [`TEXT_PX`].
    pub fn new() -> Result<Self, String> {
        Ok(Self {
            font: font()?,
            scale: PxScale::from(TEXT_PX),
            glyphs: HashMap::new(),
            placed: Vec::new(),
        })
    }

    /// Height of the tallest glyphs above the baseline, in pixels.
    pub fn ascent(&self) -> f32 {
        self.font.as_scaled(self.scale).ascent()
    }

    /// Number of glyphs rasterized so far (for tests of the cache).
    #[cfg(test)]
    pub fn cached_glyphs(&self) -> usize {
        self.glyphs.len()
    }

    fn rasterize(&self, c: char) -> Glyph {
        let scaled = self.font.as_scaled(self.scale);
        let id = scaled.glyph_id(c);
        let advance = scaled.h_advance(id);
        let outlined = self
            .font
            .outline_glyph(id.with_scale_and_position(self.scale, point(0.0, 0.0)));
        let Some(outlined) = outlined else {
            return Glyph {
                id,
                advance,
                left: 0,
                top: 0,
                width: 0,
                height: 0,
                coverage: Vec::new(),
            };
        };
        let bounds = outlined.px_bounds();
        let width = (bounds.max.x - bounds.min.x).max(0.0) as usize;
        let height = (bounds.max.y - bounds.min.y).max(0.0) as usize;
        let mut coverage = vec![0u8; width * height];
        outlined.draw(|x, y, c| {
            let (x, y) = (x as usize, y as usize);
            if x < width && y < height {
                coverage[y * width + x] = (c * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        });
        Glyph {
            id,
            advance,
            left: bounds.min.x as i64,
            top: bounds.min.y as i64,
            width,
            height,
            coverage,
        }
    }

    /// Renders `text` into `mask` with the left end of its baseline at `(x, baseline)`;
    /// characters that start at or beyond `right` (the frame width) are left out. The mask is
    /// sized to the text, rounded out to even coordinates (empty for blank text).
    pub fn render(&mut self, text: &str, x: i64, baseline: i64, right: i64, mask: &mut Mask) {
        let scaled = self.font.as_scaled(self.scale);
        self.placed.clear();
        let mut pen = x as f32;
        let mut previous: Option<GlyphId> = None;
        for c in text.chars() {
            if pen >= right as f32 {
                break;
            }
            if !self.glyphs.contains_key(&c) {
                let glyph = self.rasterize(c);
                self.glyphs.insert(c, glyph);
            }
            let glyph = &self.glyphs[&c];
            if let Some(previous) = previous {
                pen += scaled.kern(previous, glyph.id);
            }
            self.placed.push((c, pen.round() as i64));
            pen += glyph.advance;
            previous = Some(glyph.id);
        }

        let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
        for (c, at) in &self.placed {
            let g = &self.glyphs[c];
            if g.width == 0 || g.height == 0 {
                continue;
            }
            x0 = x0.min(at + g.left);
            y0 = y0.min(baseline + g.top);
            x1 = x1.max(at + g.left + g.width as i64);
            y1 = y1.max(baseline + g.top + g.height as i64);
        }
        mask.alpha.clear();
        if x0 >= x1 || y0 >= y1 {
            mask.width = 0;
            mask.height = 0;
            return;
        }
        // Even bounds: on 4:2:0 frames each chroma sample then takes a whole 2x2 mask block.
        let (x0, y0) = (x0 - x0.rem_euclid(2), y0 - y0.rem_euclid(2));
        let (x1, y1) = (x1 + x1.rem_euclid(2), y1 + y1.rem_euclid(2));
        mask.x = x0;
        mask.y = y0;
        mask.width = (x1 - x0) as usize;
        mask.height = (y1 - y0) as usize;
        mask.alpha.resize(mask.width * mask.height, 0);
        for (c, at) in &self.placed {
            let g = &self.glyphs[c];
            let gx = (at + g.left - x0) as usize;
            let gy = (baseline + g.top - y0) as usize;
            for row in 0..g.height {
                let src = &g.coverage[row * g.width..(row + 1) * g.width];
                let start = (gy + row) * mask.width + gx;
                let dst = &mut mask.alpha[start..start + g.width];
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = (*d).max(s);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_caches_glyphs() {
        let mut text = TextRenderer::new().unwrap();
        let mut mask = Mask::default();
        text.render("person 93%", 10, 40, 1000, &mut mask);
        assert!(mask.width > 100 && mask.height > 15, "{mask:?}");
        assert!(mask.y < 40 && mask.y + mask.height as i64 > 40 - 5);
        assert!(mask.alpha.contains(&255));
        // "person 93%": p e r s o n ' ' 9 3 % — 10 distinct characters.
        assert_eq!(text.cached_glyphs(), 10);
        text.render("person 39%", 10, 40, 1000, &mut mask);
        assert_eq!(text.cached_glyphs(), 10);
    }

    #[test]
    fn blank_text_and_clipped_text() {
        let mut text = TextRenderer::new().unwrap();
        let mut mask = Mask::default();
        text.render("   ", 0, 25, 100, &mut mask);
        assert_eq!((mask.width, mask.height), (0, 0));
        text.render(&"x".repeat(100_000), 0, 25, 100, &mut mask);
        assert!(mask.width < 140, "{}", mask.width);
    }
}
