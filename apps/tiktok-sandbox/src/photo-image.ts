/** What the sandbox reads from a pulled photo: its format and size in pixels. */
export interface PhotoImage {
  format: 'jpeg' | 'webp' | 'other';
  width: number | null;
  height: number | null;
}

/**
 * Reads the format and the dimensions from the bytes themselves (JPEG's SOF marker, WebP's
 * VP8/VP8L/VP8X header), as TikTok must: the sandbox trusts no Content-Type or file name.
 */
export function readPhotoImage(bytes: Buffer): PhotoImage {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: 'jpeg', ...jpegSize(bytes) };
  }
  if (
    bytes.length > 30 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return { format: 'webp', ...webpSize(bytes) };
  }
  return { format: 'other', width: null, height: null };
}

type Size = { width: number | null; height: number | null };
const unknownSize: Size = { width: null, height: null };

function jpegSize(bytes: Buffer): Size {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return unknownSize;
    const marker = bytes[at + 1] as number;
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return unknownSize;
}

function webpSize(bytes: Buffer): Size {
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk === 'VP8X') {
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (chunk === 'VP8 ') {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  return unknownSize;
}
