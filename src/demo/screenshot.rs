//! Made-up screenshots for the demo's evidence: a chat screen drawn with
//! coloured bubbles, no text and no one's picture.

use std::io::Cursor;

use image::{Rgb, RgbImage};

use crate::domain::upload::FileType;
use crate::ops::files::CheckedFile;
use crate::storage::spool::Received;

/// A chat screen of 540 × 960 pixels; `seed` varies the bubbles.
fn chat(seed: u32) -> Vec<u8> {
    let mut img = RgbImage::from_pixel(540, 960, Rgb([236, 229, 221]));
    fill(&mut img, (0, 0, 540, 110), Rgb([7, 94, 84]));
    let mut y = 140;
    for i in 0..12u32 {
        let mine = (i + seed).is_multiple_of(3);
        let width = 160 + (i * 53 + seed * 97) % 200;
        let height = 48 + (i * 31 + seed * 17) % 50;
        let x = if mine { 520 - width } else { 20 };
        let colour = if mine {
            Rgb([220, 248, 198])
        } else {
            Rgb([255, 255, 255])
        };
        fill(&mut img, (x, y, width, height), colour);
        y += height + 14;
        if y > 900 {
            break;
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("a PNG encodes in memory");
    out
}

fn fill(img: &mut RgbImage, (x, y, w, h): (u32, u32, u32, u32), colour: Rgb<u8>) {
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            img.put_pixel(px, py, colour);
        }
    }
}

/// Two screenshots of a class group, as evidence files.
pub fn group_captures() -> Vec<CheckedFile> {
    (1..=2)
        .map(|n| CheckedFile {
            name: format!("capture-groupe-{n}.png"),
            file_type: FileType::Png,
            content: Received::from_bytes(chat(n).into()),
        })
        .collect()
}
