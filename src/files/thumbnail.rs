//! Thumbnails of uploaded images (JPEG, PNG, GIF's first frame, WebP), made with the `image`
//! crate on the blocking thread pool, never on the async runtime.
//!
//! An image is a decompression bomb waiting to happen: a few kilobytes can declare a billion
//! pixels. So the header is read first and an image over [`MAX_SIDE`] or [`MAX_PIXELS`] is
//! refused before anything is decoded; decoding itself runs under the crate's allocation
//! limit, and at most [`DECODING_AT_ONCE`] images are decoded at a time, which bounds the
//! memory thumbnails can take. An image that cannot be decoded (truncated, corrupt) simply
//! gets no thumbnail.

use std::{fs::File, io::BufReader, path::PathBuf};

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, codecs::webp::WebPEncoder,
};
use tokio::sync::Semaphore;

/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels accepted (40 megapixels: a large camera's photo).
pub const MAX_PIXELS: u64 = 40_000_000;
/// What decoding may allocate: [`MAX_PIXELS`] at four bytes each, and room to spare.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// The thumbnail's longer side: shown at 80 CSS pixels, sharp on screens of twice the density.
const THUMBNAIL_SIDE: u32 = 160;
const DECODING_AT_ONCE: usize = 2;

/// Thumbnails are WebP (lossless: the `image` crate encodes no lossy WebP), which keeps
/// transparency.
pub const CONTENT_TYPE: &str = "image/webp";

static DECODING: Semaphore = Semaphore::const_new(DECODING_AT_ONCE);

#[derive(Debug)]
pub enum Thumbnail {
    Made(Vec<u8>),
    /// The image declares more pixels than the app decodes.
    TooLarge {
        width: u32,
        height: u32,
    },
    /// Not a readable image; there is no thumbnail.
    Unreadable,
}

/// The thumbnail of the image at `path`, in `format` (detected from its bytes).
pub async fn make(path: PathBuf, format: ImageFormat) -> Thumbnail {
    // The semaphore is never closed, so acquiring it cannot fail.
    let Ok(_permit) = DECODING.acquire().await else {
        return Thumbnail::Unreadable;
    };
    let made = tokio::task::spawn_blocking(move || make_blocking(&path, format)).await;
    made.unwrap_or_else(|error| {
        // A decoder that panics costs the thumbnail, never the request.
        tracing::error!(%error, "making a thumbnail failed");
        Thumbnail::Unreadable
    })
}

fn make_blocking(path: &std::path::Path, format: ImageFormat) -> Thumbnail {
    match decode_and_shrink(path, format) {
        Ok(thumbnail) => thumbnail,
        Err(error) => {
            tracing::info!(%error, path = %path.display(), "no thumbnail: the image cannot be decoded");
            Thumbnail::Unreadable
        }
    }
}

fn decode_and_shrink(path: &std::path::Path, format: ImageFormat) -> anyhow::Result<Thumbnail> {
    let mut reader = ImageReader::with_format(BufReader::new(File::open(path)?), format);
    // Reading the header allocates nothing in proportion to the image; the limits that matter
    // are set once its size is known to be acceptable.
    reader.no_limits();
    let mut decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Ok(Thumbnail::TooLarge { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    decoder.set_limits(limits)?;
    // Phones store photos sideways with an instruction to turn them; follow it.
    let orientation = decoder.orientation()?;
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);

    let small = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    // The encoder takes 8-bit pixels; a 16-bit PNG is brought down to them.
    let small = if small.color().has_alpha() {
        DynamicImage::ImageRgba8(small.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(small.to_rgb8())
    };
    let mut webp = Vec::new();
    small.write_with_encoder(WebPEncoder::new_lossless(&mut webp))?;
    Ok(Thumbnail::Made(webp))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{ImageBuffer, Rgb, Rgba};

    use super::*;

    fn write_temp(bytes: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!("thumbnail-test-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = ImageBuffer::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 90, 200]));
        let mut bytes = Vec::new();
        DynamicImage::ImageRgba8(image)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[tokio::test]
    async fn an_image_gets_a_small_webp_thumbnail_that_keeps_its_shape() {
        let path = write_temp(&png(640, 320));
        let Thumbnail::Made(webp) = make(path.clone(), ImageFormat::Png).await else {
            panic!("no thumbnail");
        };
        let thumbnail = image::load_from_memory_with_format(&webp, ImageFormat::WebP).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (160, 80));
        assert!(thumbnail.color().has_alpha());
        std::fs::remove_file(path).unwrap();

        let mut jpeg = Vec::new();
        DynamicImage::ImageRgb8(ImageBuffer::from_pixel(90, 300, Rgb([10, 20, 30])))
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let path = write_temp(&jpeg);
        let Thumbnail::Made(webp) = make(path.clone(), ImageFormat::Jpeg).await else {
            panic!("no thumbnail");
        };
        let thumbnail = image::load_from_memory(&webp).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (48, 160));
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test]
    async fn a_broken_image_gets_none() {
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        for bytes in [
            truncated,
            b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            Vec::new(),
        ] {
            let path = write_temp(&bytes);
            assert!(matches!(
                make(path.clone(), ImageFormat::Png).await,
                Thumbnail::Unreadable
            ));
            std::fs::remove_file(path).unwrap();
        }
    }

    /// A PNG whose header declares `width` × `height` pixels, with no pixel data at all:
    /// the shape of a decompression bomb.
    fn declared_png(width: u32, height: u32) -> Vec<u8> {
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&width.to_be_bytes());
        header[20..24].copy_from_slice(&height.to_be_bytes());
        // Fix the IHDR chunk's CRC, so that the decoder reads the declared size.
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        header
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[tokio::test]
    async fn huge_declared_dimensions_are_refused_before_decoding() {
        for (width, height) in [(100_000, 100_000), (MAX_SIDE + 1, 10), (8_000, 8_000)] {
            let path = write_temp(&declared_png(width, height));
            match make(path.clone(), ImageFormat::Png).await {
                Thumbnail::TooLarge {
                    width: w,
                    height: h,
                } => assert_eq!((w, h), (width, height)),
                other => panic!("{width}×{height}: {other:?}"),
            }
            std::fs::remove_file(path).unwrap();
        }
    }
}
