//! Thumbnails of uploaded images (JPEG, PNG, GIF's first frame, WebP), made with the `image`
//! crate on the blocking thread pool, never on the async runtime. Over 400 lines on purpose:
//! the memory bound below is one argument, from header to encoded thumbnail, and its tests.
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
//!
//! **The encoding.** An opaque image (a photo, nearly always) gets a JPEG at quality
//! [`JPEG_QUALITY`]: a sixth of the bytes of the lossless WebP it used to be or less (a
//! 160 × 120 preview of a photo: about 6 KB rather than 49 KB), with no difference visible at
//! 80 CSS pixels. An image with transparent pixels (a logo, an icon, a
//! GIF with a transparent background) keeps them in a lossless WebP, which suits such
//! graphics; the `image` crate encodes no lossy WebP. The key a thumbnail is stored under
//! says which it is ([`Encoding::of_key`]), so that it is served with its type.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

use image::{
    ColorType, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::{jpeg::JpegEncoder, webp::WebPEncoder},
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

/// The JPEG quality of an opaque image's thumbnail: the usual choice for photos on the web.
const JPEG_QUALITY: u8 = 80;

/// How a thumbnail is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Lossy, for opaque images.
    Jpeg,
    /// Lossless, for images with transparent pixels.
    WebP,
}

impl Encoding {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::WebP => "image/webp",
        }
    }

    /// The variant of the file's key the thumbnail is stored under (`files/{uuid}.{variant}`).
    pub fn key_variant(self) -> &'static str {
        match self {
            Self::Jpeg => "thumbnail.jpg",
            Self::WebP => "thumbnail.webp",
        }
    }

    /// The encoding of the thumbnail stored under `key`. Thumbnails made before JPEG ones
    /// were all lossless WebP, under `….thumbnail`.
    pub fn of_key(key: &str) -> Self {
        if key.ends_with(".jpg") {
            Self::Jpeg
        } else {
            Self::WebP
        }
    }
}

/// A thumbnail made: its bytes and how they are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub encoding: Encoding,
}

/// The memory budget, one permit per MiB.
static MEMORY: Semaphore = Semaphore::const_new(MEMORY_BUDGET_MIB as usize);

#[derive(Debug, PartialEq, Eq)]
pub enum Thumbnail {
    Made(Encoded),
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
        Some(Ok(encoded)) => Thumbnail::Made(encoded),
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
) -> anyhow::Result<Encoded> {
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

    encode(&small)
}

/// `small` as a JPEG, or as a lossless WebP when it has transparent pixels. Both encoders
/// take 8-bit pixels: a 16-bit PNG is brought down to them.
fn encode(small: &DynamicImage) -> anyhow::Result<Encoded> {
    let mut bytes = Vec::new();
    if small.color().has_alpha() {
        let rgba = small.to_rgba8();
        if rgba.pixels().any(|pixel| pixel.0[3] < u8::MAX) {
            DynamicImage::ImageRgba8(rgba)
                .write_with_encoder(WebPEncoder::new_lossless(&mut bytes))?;
            return Ok(Encoded {
                bytes,
                encoding: Encoding::WebP,
            });
        }
    }
    DynamicImage::ImageRgb8(small.to_rgb8())
        .write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY))?;
    Ok(Encoded {
        bytes,
        encoding: Encoding::Jpeg,
    })
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

    /// Something like a photo: smooth light and shade with fine grain, deterministic.
    fn photo(width: u32, height: u32) -> DynamicImage {
        let mut seed = 0x2545_f491_u32;
        DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let grain = (seed % 24) as u8;
            let shade = |value: u32, scale: u32| (value * 200 / scale) as u8;
            Rgb([
                shade(x, width).saturating_add(grain),
                shade(y, height).saturating_add(grain),
                (shade(x + y, width + height) / 2).saturating_add(grain),
            ])
        }))
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    async fn thumbnail_of(bytes: &[u8], format: ImageFormat) -> Encoded {
        let path = write_temp(bytes);
        let Thumbnail::Made(made) = make(path.clone(), format).await else {
            panic!("no thumbnail");
        };
        std::fs::remove_file(path).unwrap();
        made
    }

    #[tokio::test]
    async fn a_photo_gets_a_small_jpeg_thumbnail_that_keeps_its_shape() {
        let photo = photo(640, 480);
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let made = thumbnail_of(&encoded(&photo, format), format).await;
            assert_eq!(made.encoding, Encoding::Jpeg, "{format:?}");
            let thumbnail =
                image::load_from_memory_with_format(&made.bytes, ImageFormat::Jpeg).unwrap();
            assert_eq!((thumbnail.width(), thumbnail.height()), (160, 120));
            // Lossless, the same preview took about 49 KB.
            assert!(made.bytes.len() < 12_000, "{} bytes", made.bytes.len());
        }

        // An alpha channel that is opaque everywhere is a photo still.
        let opaque = DynamicImage::ImageRgba8(photo.to_rgba8());
        let made = thumbnail_of(&encoded(&opaque, ImageFormat::Png), ImageFormat::Png).await;
        assert_eq!(made.encoding, Encoding::Jpeg);

        let tall = DynamicImage::ImageRgb8(ImageBuffer::from_pixel(90, 300, Rgb([10, 20, 30])));
        let made = thumbnail_of(&encoded(&tall, ImageFormat::Jpeg), ImageFormat::Jpeg).await;
        let thumbnail = image::load_from_memory(&made.bytes).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (48, 160));
    }

    #[tokio::test]
    async fn an_image_with_transparency_keeps_it_in_a_lossless_webp() {
        let made = thumbnail_of(&png(640, 320), ImageFormat::Png).await;
        assert_eq!(made.encoding, Encoding::WebP);
        let thumbnail =
            image::load_from_memory_with_format(&made.bytes, ImageFormat::WebP).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (160, 80));
        assert!(thumbnail.color().has_alpha());
        assert_eq!(thumbnail.to_rgba8().get_pixel(0, 0).0[3], 200);
    }

    #[test]
    fn a_thumbnails_key_says_how_it_is_encoded() {
        for encoding in [Encoding::Jpeg, Encoding::WebP] {
            let key = format!("files/x.{}", encoding.key_variant());
            assert_eq!(Encoding::of_key(&key), encoding);
            assert!(crate::backends::storage::ObjectKey::parse(&key).is_some());
        }
        // Made before JPEG thumbnails: lossless WebP.
        assert_eq!(Encoding::of_key("files/x.thumbnail"), Encoding::WebP);
        assert_eq!(Encoding::Jpeg.content_type(), "image/jpeg");
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
        let Thumbnail::Made(made) = make(path.clone(), ImageFormat::Png).await else {
            panic!("no thumbnail");
        };
        let thumbnail = image::load_from_memory(&made.bytes).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (80, 160));
        std::fs::remove_file(path).unwrap();
    }
}
