import { open } from 'node:fs/promises';

/**
 * Short container names. TikTok takes mp4, mov and webm; the others are named so that a
 * refusal can say what the file is.
 */
export type Container =
  | 'mp4'
  | 'mov'
  | 'webm'
  | 'matroska'
  | 'm4a'
  | '3gp'
  | 'mj2'
  | 'avi'
  | 'flv'
  | 'mpeg'
  | 'mpegts'
  | 'gif'
  | 'other';

const SIMPLE: Partial<Record<string, Container>> = {
  avi: 'avi',
  flv: 'flv',
  mpeg: 'mpeg',
  mpegts: 'mpegts',
  gif: 'gif',
};

/**
 * Names the container from ffprobe's format. ffprobe names a family rather than a file type
 * ("mov,mp4,m4a,3gp,3g2,mj2" for every ISO media file, "matroska,webm" for both Matroska
 * kinds), so the file's own declaration decides: the ISO major brand, or the EBML DocType.
 */
export function containerOf(
  formatName: string,
  majorBrand: string | undefined,
  ebmlDocType: string | undefined,
): Container {
  const family = formatName.split(',')[0] ?? '';
  if (family === 'mov') return isoContainer(majorBrand);
  if (family === 'matroska') return ebmlDocType === 'webm' ? 'webm' : 'matroska';
  return SIMPLE[family] ?? 'other';
}

function isoContainer(majorBrand: string | undefined): Container {
  // Classic QuickTime files have no ftyp box at all, while MP4 requires one.
  if (majorBrand === undefined) return 'mov';
  const brand = majorBrand.trim();
  if (brand === 'qt') return 'mov';
  if (/^M4[ABP]$/.test(brand)) return 'm4a';
  // 3GP is ISO media too, but TikTok lists only MP4; refusing it beats a failed post later.
  if (/^3g[p2]/.test(brand)) return '3gp';
  if (brand.startsWith('mj2')) return 'mj2';
  // isom, iso2..iso9, mp41, mp42, avc1, M4V, dash, MSNV...: all MP4.
  return 'mp4';
}

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
const DOCTYPE_ID = [0x42, 0x82];

/**
 * Reads the DocType ("webm" or "matroska") from the EBML header at the start of the file.
 * The header is a few dozen bytes and DocType is among its first elements.
 */
export async function readEbmlDocType(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return parseEbmlDocType(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

export function parseEbmlDocType(head: Buffer): string | undefined {
  if (!EBML_MAGIC.every((byte, i) => head[i] === byte)) return undefined;
  for (let i = EBML_MAGIC.length; i + 2 < head.length; i++) {
    if (head[i] !== DOCTYPE_ID[0] || head[i + 1] !== DOCTYPE_ID[1]) continue;
    const size = readVint(head, i + 2);
    if (!size) return undefined;
    const start = i + 2 + size.length;
    if (size.value > 32 || start + size.value > head.length) return undefined;
    return head.toString('latin1', start, start + size.value).replace(/\0+$/, '');
  }
  return undefined;
}

/** An EBML variable-length integer: the leading zero bits of the first byte give its length. */
function readVint(buf: Buffer, offset: number): { value: number; length: number } | undefined {
  const first = buf[offset];
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23; // clz32 counts 24 zero bits above the byte
  if (offset + length > buf.length) return undefined;
  let value = first & (0xff >> length);
  for (let j = 1; j < length; j++) value = value * 256 + (buf[offset + j] ?? 0);
  return { value, length };
}
