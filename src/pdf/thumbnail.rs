//! Thumbnails of image evidence for documents: decoded within fixed limits
//! (a hostile or huge picture gets no thumbnail rather than the server's
//! memory), scaled down, re-encoded as JPEG by us, so the typesetter only
//! ever reads small images we made.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageReader, Limits};

/// Longest side of a thumbnail, in pixels (about 300 dpi at 3 cm).
const SIDE: u32 = 360;
/// Largest picture decoded, per side.
const MAX_SIDE: u32 = 16_000;
/// Most memory a decode may take.
const MAX_ALLOC: u64 = 160 * 1024 * 1024;

/// A JPEG thumbnail of an image file (PNG, JPEG, GIF, WebP), or `None` when
/// it cannot be decoded within the limits.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let small = reader.decode().ok()?.thumbnail(SIDE, SIDE).to_rgb8();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn scales_down_keeping_the_ratio() {
        let thumb = thumbnail(&png(1200, 600)).expect("a thumbnail");
        let back = image::load_from_memory(&thumb).unwrap();
        assert_eq!((back.width(), back.height()), (360, 180));
    }

    #[test]
    fn refuses_what_is_not_an_image_or_too_big() {
        assert!(thumbnail(b"not an image").is_none());
        // A PNG header claiming 20,000 × 20,000 pixels: refused before any
        // pixel memory is taken.
        let mut big = png(1, 1);
        big[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        big[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        assert!(thumbnail(&big).is_none());
    }
}
