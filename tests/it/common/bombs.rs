//! Hostile images, built byte by byte: small files that declare, or inflate to, far more than
//! they hold. Each is what an attacker with an ordinary account could upload.

/// A PNG whose header claims `width` × `height` pixels and holds none.
pub fn declared_png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = super::uploads::png(1, 1);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// A one-pixel PNG whose colour profile (`iCCP`) inflates to `inflated` bytes: about a
/// thousandth of that on disk.
pub fn profile_bomb(inflated: usize) -> Vec<u8> {
    let mut profile = b"icc\0\0".to_vec();
    profile.extend(zlib_of_zeros(inflated));
    png_file(&[
        (b"IHDR", ihdr(1, 1, 8, 2)),
        (b"iCCP", profile),
        (b"IDAT", zlib_of_zeros(4)),
    ])
}

/// A PNG of `width` × `height` black pixels at 16 bits a sample with alpha (eight bytes a
/// pixel once decoded), marked as taken sideways (EXIF orientation 6).
pub fn deep_png(width: u32, height: u32) -> Vec<u8> {
    // Each row is its filter byte and the pixels, all zero.
    let rows = height as usize * (1 + width as usize * 8);
    png_file(&[
        (b"IHDR", ihdr(width, height, 16, 6)),
        (b"eXIf", TURN_RIGHT.to_vec()),
        (b"IDAT", zlib_of_zeros(rows)),
    ])
}

/// A GIF on a `width` × `height` canvas with `frames` frames of one pixel each.
pub fn gif(width: u16, height: u16, frames: usize) -> Vec<u8> {
    let mut bytes = b"GIF89a".to_vec();
    bytes.extend(width.to_le_bytes());
    bytes.extend(height.to_le_bytes());
    // A global colour table of two colours, black and white.
    bytes.extend([0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
    for _ in 0..frames {
        // A one-pixel frame at the origin: its LZW data is clear, colour 0, end.
        bytes.extend([
            0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00,
        ]);
    }
    bytes.push(0x3b);
    bytes
}

/// A JPEG whose frame header claims `width` × `height` pixels over an 8 × 8 image's data.
pub fn declared_jpeg(width: u16, height: u16) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(8, 8, image::Rgb([200, 10, 10]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    // Start of frame: marker, length, precision, then height and width.
    let frame = bytes
        .windows(2)
        .position(|marker| marker == [0xff, 0xc0])
        .unwrap();
    bytes[frame + 5..frame + 7].copy_from_slice(&height.to_be_bytes());
    bytes[frame + 7..frame + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// A lossless WebP whose header claims `width` × `height` pixels over one pixel's data.
pub fn declared_webp(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(1, 1, image::Rgba([1, 2, 3, 255]));
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgba8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::WebP,
        )
        .unwrap();
    // "VP8L", the chunk's size, the signature 0x2f, then 14 bits of width - 1 and 14 of
    // height - 1, least significant first.
    let header = bytes.windows(4).position(|tag| tag == b"VP8L").unwrap() + 9;
    let mut bits = u32::from_le_bytes(bytes[header..header + 4].try_into().unwrap());
    bits &= !0x0fff_ffff;
    bits |= (width - 1) | ((height - 1) << 14);
    bytes[header..header + 4].copy_from_slice(&bits.to_le_bytes());
    bytes
}

/// EXIF's "turn 90° clockwise to show" (orientation 6), as phones write it.
const TURN_RIGHT: &[u8] = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";

fn ihdr(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
    let mut data = Vec::with_capacity(13);
    data.extend(width.to_be_bytes());
    data.extend(height.to_be_bytes());
    data.extend([bit_depth, color_type, 0, 0, 0]);
    data
}

fn png_file(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in chunks.iter().chain([&(b"IEND", Vec::new())]) {
        bytes.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let start = bytes.len();
        bytes.extend(kind.iter());
        bytes.extend(data);
        let crc = crc32(&bytes[start..]);
        bytes.extend(crc.to_be_bytes());
    }
    bytes
}

/// A zlib stream of `len` zero bytes in deflate's fixed Huffman codes: one literal zero, then
/// "the 258 bytes before again" (13 bits each) as often as fits, then literal zeros.
fn zlib_of_zeros(len: usize) -> Vec<u8> {
    let mut out = BitWriter::default();
    // The final block, with fixed codes.
    out.bits(1, 1);
    out.bits(1, 2);
    let literal_zero = |out: &mut BitWriter| out.code(0b0011_0000, 8);
    if len > 0 {
        literal_zero(&mut out);
    }
    let repeats = len.saturating_sub(1) / 258;
    for _ in 0..repeats {
        out.code(0b1100_0101, 8); // length 258 (symbol 285)
        out.code(0, 5); // distance 1
    }
    for _ in 0..len.saturating_sub(1) % 258 {
        literal_zero(&mut out);
    }
    out.code(0, 7); // end of block
    let mut stream = vec![0x78, 0x01];
    stream.extend(out.finish());
    // Adler-32 of zeros: a stays 1, b gains 1 a byte.
    let adler = ((len % 65_521) as u32) << 16 | 1;
    stream.extend(adler.to_be_bytes());
    stream
}

/// Deflate's bit order: values least significant bit first, Huffman codes most significant
/// bit first.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    current: u8,
    used: u8,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u8) {
        for bit in 0..count {
            self.push((value >> bit) & 1 == 1);
        }
    }

    fn code(&mut self, code: u32, count: u8) {
        for bit in (0..count).rev() {
            self.push((code >> bit) & 1 == 1);
        }
    }

    fn push(&mut self, bit: bool) {
        self.current |= u8::from(bit) << self.used;
        self.used += 1;
        if self.used == 8 {
            self.bytes.push(self.current);
            self.current = 0;
            self.used = 0;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.bytes.push(self.current);
        }
        self.bytes
    }
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
