//! Thumbnails of uploaded images (JPEG, PNG, GIF's first frame, WebP), made with the `image`
//! crate on the blocking thread pool, never on the async runtime.
//!
//! An image is a decompression bomb waiting to happen: a few kilobytes can declare a billion
//! pixels, and a one-pixel PNG can carry a colour profile that inflates to gigabytes. So every
//! decode is bounded before it starts, in three steps:
//!
//! 1. **The header** is read with the decoder's own allocation limit set to
//!    [`METADATA_BYTES`] before the decoder is built, which is what bounds what a PNG inflates
//!    while reading its header (`iCCP`, `zTXt`). An image over [`MAX_SIDE`] or [`MAX_PIXELS`]
//!    is refused.
//! 2. **The cost** of decoding is worked out from the header alone (see [`decoding_cost`]): the
//!    pixels at the decoder's own sample size (a 16-bit RGBA PNG takes 8 bytes a pixel), what
//!    the format's decoder holds besides, and the file itself. An image that would cost more
//!    than [`MEMORY_BUDGET_MIB`] gets no thumbnail and is kept.
//! 3. **The decode** takes that cost from one budget shared by every thumbnail being made (a
//!    semaphore of mebibytes), so all decodes together stay within [`MEMORY_BUDGET_MIB`]:
//!    small images are made side by side, a large one waits for room. Rotation (EXIF
//!    orientation) is applied to the 160-pixel thumbnail, never to the full image.
//!
//! An image that cannot be decoded (truncated, corrupt, over a decoder's limit) simply gets no
//! thumbnail.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

use image::{
    ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::webp::WebPEncoder,
};
use tokio::sync::Semaphore;

/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels accepted (40 megapixels: a large camera's photo).
pub const MAX_PIXELS: u64 = 40_000_000;
/// What all the thumbnails being made at one time may hold in memory together, in MiB. One
/// image costing more gets no thumbnail: a 24-megapixel JPEG fits, a 40-megapixel one does not.
pub const MEMORY_BUDGET_MIB: u32 = 256;
/// What a decoder may allocate while reading the header: colour profiles, EXIF and text
/// chunks. Real profiles are a few kilobytes to a megabyte or two.
const METADATA_BYTES: u64 = 16 * MIB;
const MIB: u64 = 1024 * 1024;
/// The thumbnail's longer side: shown at 80 CSS pixels, sharp on screens of twice the density.
const THUMBNAIL_SIDE: u32 = 160;

/// Thumbnails are WebP (lossless: the `image` crate encodes no lossy WebP), which keeps
/// transparency.
pub const CONTENT_TYPE: &str = "image/webp";

/// The memory budget, one permit per MiB.
static MEMORY: Semaphore = Semaphore::const_new(MEMORY_BUDGET_MIB as usize);

#[derive(Debug, PartialEq, Eq)]
pub enum Thumbnail {
    Made(Vec<u8>),
    /// The image declares more pixels than the app accepts: the upload is refused.
    TooLarge {
        width: u32,
        height: u32,
    },
    /// Decoding it would take more memory than thumbnails may; the image is kept without one.
    OverBudget {
        bytes: u64,
    },
    /// Not a readable image; there is no thumbnail.
    Unreadable,
}

/// What the header says, and what decoding the image would cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measured {
    width: u32,
    height: u32,
    cost: u64,
}

/// The thumbnail of the image at `path`, in `format` (detected from its bytes).
pub async fn make(path: PathBuf, format: ImageFormat) -> Thumbnail {
    let measured = {
        let Some(_room) = reserve(METADATA_BYTES).await else {
            return Thumbnail::Unreadable;
        };
        let path = path.clone();
        match on_blocking_pool(move || measure(&path, format)).await {
            Some(Ok(measured)) => measured,
            Some(Err(error)) => {
                tracing::info!(%error, "no thumbnail: the image's header cannot be read");
                return Thumbnail::Unreadable;
            }
            None => return Thumbnail::Unreadable,
        }
    };
    let Measured {
        width,
        height,
        cost,
    } = measured;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Thumbnail::TooLarge { width, height };
    }
    if cost > u64::from(MEMORY_BUDGET_MIB) * MIB {
        tracing::info!(
            width,
            height,
            cost,
            "no thumbnail: decoding would cost too much memory"
        );
        return Thumbnail::OverBudget { bytes: cost };
    }
    // Holding the header's room while waiting for the decode's could deadlock two uploads
    // against each other; the header is read again instead, which costs little.
    let Some(_room) = reserve(cost).await else {
        return Thumbnail::Unreadable;
    };
    match on_blocking_pool(move || decode_and_shrink(&path, format, measured)).await {
        Some(Ok(webp)) => Thumbnail::Made(webp),
        Some(Err(error)) => {
            tracing::info!(%error, "no thumbnail: the image cannot be decoded");
            Thumbnail::Unreadable
        }
        None => Thumbnail::Unreadable,
    }
}

/// Room for `bytes` in the memory budget, held until the permit is dropped.
async fn reserve(bytes: u64) -> Option<tokio::sync::SemaphorePermit<'static>> {
    let mib = u32::try_from(bytes.div_ceil(MIB)).ok()?;
    // The semaphore is never closed, so acquiring cannot fail.
    MEMORY.acquire_many(mib).await.ok()
}

/// Runs `work` on the blocking thread pool; `None` if it panicked (a decoder that panics costs
/// the thumbnail, never the request).
async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => Some(done),
        Err(error) => {
            tracing::error!(%error, "making a thumbnail failed");
            None
        }
    }
}

/// The image's decoder, its header read within [`METADATA_BYTES`].
fn open(path: &Path, format: ImageFormat) -> anyhow::Result<impl ImageDecoder> {
    let mut reader = ImageReader::with_format(BufReader::new(File::open(path)?), format);
    // Set before the decoder is built: the PNG decoder takes its limit when it is made and
    // keeps it for every chunk it inflates, header and pixels alike.
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(METADATA_BYTES);
    reader.limits(limits);
    Ok(reader.into_decoder()?)
}

fn measure(path: &Path, format: ImageFormat) -> anyhow::Result<Measured> {
    let file_size = std::fs::metadata(path)?.len();
    let decoder = open(path, format)?;
    let (width, height) = decoder.dimensions();
    Ok(Measured {
        width,
        height,
        cost: decoding_cost(format, width, height, decoder.color_type(), file_size),
    })
}

/// The most memory decoding an image of this shape can take, in bytes: its pixels at the
/// decoder's sample size, what the format's decoder holds besides them, the header's
/// allowance and the file (the JPEG decoder reads it whole).
fn decoding_cost(
    format: ImageFormat,
    width: u32,
    height: u32,
    color: ColorType,
    file_size: u64,
) -> u64 {
    let pixels = u64::from(width) * u64::from(height) * u64::from(color.bytes_per_pixel());
    let working = match format {
        // A progressive JPEG keeps every coefficient (16 bits a sample) until the last scan.
        ImageFormat::Jpeg => 2 * pixels,
        // An animation's canvas and the frame drawn onto it.
        ImageFormat::Gif | ImageFormat::WebP => pixels,
        // PNG decodes row by row into the image itself.
        _ => 0,
    };
    pixels + working + METADATA_BYTES + file_size
}

fn decode_and_shrink(
    path: &Path,
    format: ImageFormat,
    measured: Measured,
) -> anyhow::Result<Vec<u8>> {
    let mut decoder = open(path, format)?;
    // The spool file is the app's own, but check that it still is the image measured.
    anyhow::ensure!(
        decoder.dimensions() == (measured.width, measured.height),
        "the image changed between measuring and decoding"
    );
    // Decoders that count their buffers (GIF, WebP) count them against the cost reserved.
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(measured.cost);
    decoder.set_limits(limits)?;
    // Phones store photos sideways with an instruction to turn them; follow it, on the
    // thumbnail, where turning costs nothing.
    let orientation = decoder.orientation()?;
    let image = DynamicImage::from_decoder(decoder)?;
    let mut small = image.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE);
    drop(image);
    small.apply_orientation(orientation);

    // The encoder takes 8-bit pixels; a 16-bit PNG is brought down to them.
    let small = if small.color().has_alpha() {
        DynamicImage::ImageRgba8(small.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(small.to_rgb8())
    };
    let mut webp = Vec::new();
    small.write_with_encoder(WebPEncoder::new_lossless(&mut webp))?;
    Ok(webp)
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
            assert_eq!(
                make(path.clone(), ImageFormat::Png).await,
                Thumbnail::Unreadable
            );
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn the_cost_counts_the_decoders_sample_size_and_working_memory() {
        let (width, height) = (6_000, 6_666);
        let header = METADATA_BYTES + 300_000;
        let pixels = 6_000 * 6_666;
        // 16-bit RGBA: eight bytes a pixel, 320 MB, over the budget although under 40 MP.
        let deep = decoding_cost(ImageFormat::Png, width, height, ColorType::Rgba16, 300_000);
        assert_eq!(deep, pixels * 8 + header);
        assert!(deep > u64::from(MEMORY_BUDGET_MIB) * MIB);
        // A progressive JPEG holds its coefficients besides the pixels.
        assert_eq!(
            decoding_cost(ImageFormat::Jpeg, width, height, ColorType::Rgb8, 300_000),
            pixels * 9 + header
        );
        // A phone's 24-megapixel photo fits.
        assert!(
            decoding_cost(ImageFormat::Jpeg, 5_712, 4_284, ColorType::Rgb8, 8 * MIB)
                <= u64::from(MEMORY_BUDGET_MIB) * MIB
        );
    }

    /// EXIF's "turn 90° clockwise to show" (orientation 6), as phones write it.
    const TURN_RIGHT: &[u8] = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";

    #[tokio::test]
    async fn a_sideways_photo_gets_an_upright_thumbnail() {
        let image = DynamicImage::ImageRgb8(ImageBuffer::from_pixel(320, 160, Rgb([1, 2, 3])));
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::png::PngEncoder::new(&mut bytes);
        image::ImageEncoder::set_exif_metadata(&mut encoder, TURN_RIGHT.to_vec()).unwrap();
        image.write_with_encoder(encoder).unwrap();
        let path = write_temp(&bytes);
        let Thumbnail::Made(webp) = make(path.clone(), ImageFormat::Png).await else {
            panic!("no thumbnail");
        };
        let thumbnail = image::load_from_memory(&webp).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (80, 160));
        std::fs::remove_file(path).unwrap();
    }
}
