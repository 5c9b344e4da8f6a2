import { crc32 } from './crc32';
/**
 * Identifies an image by its bytes, never by a name or a header the client sent, and reads its
 * dimensions and what a decoder would allocate from the container. Only whole, unambiguous,
 * single-format files pass: the container must be complete (no truncation), must end where the
 * file ends (nothing appended), and must name one size (a JPEG with two frame headers does not).
 *
 * The sniffed type alone decides: no scan for markup. A valid image can carry any bytes (a
 * comment segment, a stored deflate block, entropy-coded data), so a blocklist of tags can never
 * be complete; what keeps such bytes inert is how they are served (the sniffed image type,
 * `nosniff`, a sandboxing CSP: see the images route).
 */

export type ImageContentType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/avif';

export interface SniffedImage {
  contentType: ImageContentType;
  width: number;
  height: number;
  /** Bytes a decoder allocates for the pixels: width × height × channels × bytes per sample. */
  decodedBytes: number;
}

export type SniffResult = { ok: true; image: SniffedImage } | { ok: false; reason: string };

const fail = (reason: string): SniffResult => ({ ok: false, reason });
/** `samples`: channels × bytes per sample of the decoded pixels. */
const pass = (contentType: ImageContentType, width: number, height: number, samples: number): SniffResult =>
  width > 0 && height > 0
    ? { ok: true, image: { contentType, width, height, decodedBytes: width * height * samples } }
    : fail('zero dimension');

const u16be = (b: Uint8Array, o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const u32be = (b: Uint8Array, o: number) =>
  ((b[o] ?? 0) * 0x1000000 + (((b[o + 1] ?? 0) << 16) | ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0))) >>> 0;
const u16le = (b: Uint8Array, o: number) => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, o: number) => (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16);
const u32le = (b: Uint8Array, o: number) => (u24le(b, o) + (b[o + 3] ?? 0) * 0x1000000) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function startsWith(b: Uint8Array, bytes: number[], offset = 0): boolean {
  if (b.length < offset + bytes.length) return false;
  return bytes.every((v, i) => b[offset + i] === v);
}

function sniffJpeg(b: Uint8Array): SniffResult {
  let pos = 2;
  let size: { w: number; h: number; samples: number } | null = null;
  while (pos < b.length) {
    if (b[pos] !== 0xff) return fail('jpeg: bad marker');
    while (b[pos] === 0xff) pos++;
    const marker = b[pos];
    pos++;
    if (marker === undefined) return fail('jpeg: truncated');
    if (marker === 0xd9) return fail('jpeg: no image data');
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (pos + 2 > b.length) return fail('jpeg: truncated');
    const length = u16be(b, pos);
    if (length < 2 || pos + length > b.length) return fail('jpeg: truncated segment');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (length < 8) return fail('jpeg: short frame header');
      // Decoders disagree on which frame header counts: the size stored would be a guess.
      if (size) return fail('jpeg: more than one frame header');
      const precision = b[pos + 2] ?? 8;
      const components = b[pos + 7] ?? 0;
      if (components < 1 || components > 4) return fail('jpeg: bad component count');
      size = { h: u16be(b, pos + 3), w: u16be(b, pos + 5), samples: components * (precision > 8 ? 2 : 1) };
    }
    if (marker === 0xda) break;
    pos += length;
  }
  if (!size) return fail('jpeg: no frame header');
  // Entropy-coded data follows SOS; a complete file ends with EOI.
  if (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) return fail('jpeg: truncated (no EOI)');
  return pass('image/jpeg', size.w, size.h, size.samples);
}

function sniffPng(b: Uint8Array): SniffResult {
  if (b.length < 8 + 25 || u32be(b, 8) !== 13 || ascii(b, 12, 4) !== 'IHDR') return fail('png: no IHDR');
  if (crc32(b.subarray(12, 29)) !== u32be(b, 29)) return fail('png: bad IHDR checksum');
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = b[24] ?? 0;
  // Palette images decode to RGBA; the other colour types carry their channels.
  const channels = ({ 0: 1, 2: 3, 3: 4, 4: 2, 6: 4 } as Record<number, number>)[b[25] ?? -1];
  if (!channels || ![1, 2, 4, 8, 16].includes(bitDepth)) return fail('png: bad colour type or bit depth');
  const samples = channels * (bitDepth === 16 ? 2 : 1);
  let pos = 8;
  let sawData = false;
  while (pos + 12 <= b.length) {
    const length = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    const end = pos + 12 + length;
    if (end > b.length) return fail('png: truncated chunk');
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') {
      if (end !== b.length) return fail('png: data after IEND');
      return sawData ? pass('image/png', width, height, samples) : fail('png: no image data');
    }
    pos = end;
  }
  return fail('png: truncated (no IEND)');
}

function sniffWebp(b: Uint8Array): SniffResult {
  if (u32le(b, 4) + 8 !== b.length) return fail('webp: RIFF size does not match the file');
  let dims: { w: number; h: number; samples: number } | null = null;
  let pos = 12;
  let first = true;
  while (pos + 8 <= b.length) {
    const fourcc = ascii(b, pos, 4);
    const size = u32le(b, pos + 4);
    const data = pos + 8;
    const end = data + size + (size % 2);
    if (data + size > b.length) return fail('webp: truncated chunk');
    if (first) {
      if (fourcc === 'VP8 ') {
        if (size < 10 || !startsWith(b, [0x9d, 0x01, 0x2a], data + 3)) return fail('webp: bad VP8 frame');
        dims = { w: u16le(b, data + 6) & 0x3fff, h: u16le(b, data + 8) & 0x3fff, samples: 3 };
      } else if (fourcc === 'VP8L') {
        if (size < 5 || b[data] !== 0x2f) return fail('webp: bad VP8L header');
        const bits = u32le(b, data + 1);
        dims = { w: (bits & 0x3fff) + 1, h: ((bits >>> 14) & 0x3fff) + 1, samples: 4 };
      } else if (fourcc === 'VP8X') {
        if (size < 10) return fail('webp: bad VP8X header');
        const alpha = ((b[data] ?? 0) & 0x10) !== 0;
        dims = { w: u24le(b, data + 4) + 1, h: u24le(b, data + 7) + 1, samples: alpha ? 4 : 3 };
      } else {
        return fail('webp: unknown first chunk');
      }
      first = false;
    }
    pos = end;
  }
  if (pos !== b.length || !dims) return fail('webp: truncated');
  return pass('image/webp', dims.w, dims.h, dims.samples);
}

interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

/** ISO BMFF boxes between `from` and `to`; null when one does not fit (truncated or corrupt). */
function boxes(b: Uint8Array, from: number, to: number): Box[] | null {
  const out: Box[] = [];
  let pos = from;
  while (pos < to) {
    if (pos + 8 > to) return null;
    let size = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > to) return null;
      size = u32be(b, pos + 8) * 0x100000000 + u32be(b, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header || pos + size > to) return null;
    out.push({ type, start: pos, body: pos + header, end: pos + size });
    pos += size;
  }
  return out;
}

function sniffAvif(b: Uint8Array): SniffResult {
  const top = boxes(b, 0, b.length);
  if (!top) return fail('avif: truncated or corrupt box');
  const ftyp = top[0];
  if (ftyp?.type !== 'ftyp') return fail('avif: no ftyp');
  const brands: string[] = [ascii(b, ftyp.body, 4)];
  for (let o = ftyp.body + 8; o + 4 <= ftyp.end; o += 4) brands.push(ascii(b, o, 4));
  if (!brands.includes('avif') && !brands.includes('avis')) return fail('avif: not an AVIF brand');
  const meta = top.find((box) => box.type === 'meta');
  if (!meta || !top.some((box) => box.type === 'mdat')) return fail('avif: no meta or mdat');
  // meta is a FullBox: 4 bytes of version and flags before its children.
  const iprp = boxes(b, meta.body + 4, meta.end)?.find((box) => box.type === 'iprp');
  const ipco = iprp ? boxes(b, iprp.body, iprp.end)?.find((box) => box.type === 'ipco') : undefined;
  const properties = ipco ? boxes(b, ipco.body, ipco.end) : null;
  if (!properties) return fail('avif: no item properties');
  let best: { w: number; h: number } | null = null;
  // The primary image is the largest spatial extent (thumbnails, alpha planes and grid tiles are not larger).
  for (const box of properties) {
    if (box.type !== 'ispe' || box.end - box.body < 12) continue;
    const w = u32be(b, box.body + 4);
    const h = u32be(b, box.body + 8);
    if (!best || w * h > best.w * best.h) best = { w, h };
  }
  if (!best) return fail('avif: no ispe');
  // Channels and bit depth from pixi when present; otherwise assume RGBA at 16 bits (the most a decoder allocates).
  let samples = 8;
  const pixi = properties.find((box) => box.type === 'pixi' && box.end - box.body >= 6);
  if (pixi) {
    const channels = b[pixi.body + 4] ?? 0;
    if (channels < 1 || channels > 4 || pixi.body + 5 + channels > pixi.end) return fail('avif: bad pixi');
    const deep = [...b.subarray(pixi.body + 5, pixi.body + 5 + channels)].some((bits) => bits > 8);
    samples = channels * (deep ? 2 : 1);
  }
  return pass('image/avif', best.w, best.h, samples);
}

export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length < 16) return fail('too short');
  let result: SniffResult;
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) result = sniffJpeg(bytes);
  else if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) result = sniffPng(bytes);
  else if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') result = sniffWebp(bytes);
  else if (ascii(bytes, 4, 4) === 'ftyp') result = sniffAvif(bytes);
  else return fail('not a JPEG, PNG, WebP or AVIF image');
  return result;
}
