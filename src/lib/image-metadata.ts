/**
 * What an image file carries besides its picture (EXIF with GPS, XMP, IPTC, comments, text
 * chunks), removed losslessly by rewriting the container. Only the parts a decoder needs to
 * draw the picture in its colours are kept: an allow-list per format, so an unknown segment
 * is dropped rather than trusted. Runs on bytes that `sniffImage` accepted.
 */
import type { ImageContentType } from './image-sniff';

export interface Stripped {
  bytes: Uint8Array;
  /** What was removed (or, for AVIF, found and not removable here), e.g. `APP1 Exif`, `tEXt`. */
  removed: string[];
  /** For AVIF: metadata items that only a re-encode can drop. */
  needsReencode: boolean;
}

const u16be = (b: Uint8Array, o: number) => ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
const u32be = (b: Uint8Array, o: number) => ((u16be(b, o) << 16) >>> 0) + u16be(b, o + 2);
const u32le = (b: Uint8Array, o: number) =>
  ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16)) + (b[o + 3] ?? 0) * 0x1000000;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------- JPEG

/** APPn segments a decoder needs: JFIF without a thumbnail, the ICC profile, Adobe's colour transform. */
function keepJpegApp(marker: number, body: Uint8Array): boolean {
  if (marker === 0xe0) return ascii(body, 0, 5) === 'JFIF\0' && body[12] === 0 && body[13] === 0;
  if (marker === 0xe2) return ascii(body, 0, 12) === 'ICC_PROFILE\0';
  if (marker === 0xee) return ascii(body, 0, 5) === 'Adobe';
  return false;
}

function jpegSegmentName(marker: number, body: Uint8Array): string {
  if (marker === 0xfe) return 'COM';
  const id =
    ascii(body, 0, Math.min(body.length, 12))
      .split('\0')[0]
      ?.replace(/[^\x20-\x7e]/g, '') ?? '';
  return `APP${marker - 0xe0}${id ? ` ${id}` : ''}`;
}

/** Walks the segments, copies entropy-coded data as is, and ends the file at its first EOI. */
function stripJpeg(b: Uint8Array): Stripped {
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  const removed: string[] = [];
  let pos = 2;
  while (pos + 1 < b.length) {
    if (b[pos] !== 0xff) throw new Error('jpeg: bad marker');
    const marker = b[pos + 1] ?? 0;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) {
      parts.push(b.subarray(pos, pos + 2));
      if (pos + 2 < b.length) removed.push('data after EOI');
      return { bytes: concat(parts), removed, needsReencode: false };
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      parts.push(b.subarray(pos, pos + 2));
      pos += 2;
      continue;
    }
    const length = u16be(b, pos + 2);
    const end = pos + 2 + length;
    if (length < 2 || end > b.length) throw new Error('jpeg: truncated segment');
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if ((isApp || marker === 0xfe) && !(isApp && keepJpegApp(marker, b.subarray(pos + 4, end)))) {
      removed.push(jpegSegmentName(marker, b.subarray(pos + 4, end)));
    } else {
      parts.push(b.subarray(pos, end));
    }
    pos = end;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0x00 or a restart.
      let scan = pos;
      while (scan + 1 < b.length) {
        if (b[scan] === 0xff) {
          const next = b[scan + 1] ?? 0;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
          scan += next === 0xff ? 1 : 2;
        } else {
          scan++;
        }
      }
      parts.push(b.subarray(pos, scan));
      pos = scan;
    }
  }
  throw new Error('jpeg: no EOI');
}

// ----------------------------------------------------------------------------------------- PNG

/**
 * Chunks that draw the picture (APNG's included), define its colours or its pixel aspect and
 * background (pHYs, bKGD: a few bytes, nothing about the photographer); everything else goes.
 */
const PNG_KEEP = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'cHRM',
  'gAMA',
  'iCCP',
  'sBIT',
  'sRGB',
  'cICP',
  'mDCV',
  'cLLI',
  'pHYs',
  'bKGD',
  'acTL',
  'fcTL',
  'fdAT',
]);

function stripPng(b: Uint8Array): Stripped {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  const removed: string[] = [];
  let pos = 8;
  while (pos + 12 <= b.length) {
    const type = ascii(b, pos + 4, 4);
    const end = pos + 12 + u32be(b, pos);
    if (end > b.length) throw new Error('png: truncated chunk');
    if (PNG_KEEP.has(type)) parts.push(b.subarray(pos, end));
    else removed.push(type);
    pos = end;
    if (type === 'IEND') break;
  }
  return { bytes: concat(parts), removed, needsReencode: false };
}

// ---------------------------------------------------------------------------------------- WebP

const WEBP_KEEP = new Set(['VP8X', 'ICCP', 'ANIM', 'ANMF', 'ALPH', 'VP8 ', 'VP8L']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(b: Uint8Array): Stripped {
  const parts: Uint8Array[] = [];
  const removed: string[] = [];
  let pos = 12;
  while (pos + 8 <= b.length) {
    const fourcc = ascii(b, pos, 4);
    const size = u32le(b, pos + 4);
    const end = Math.min(b.length, pos + 8 + size + (size % 2));
    if (WEBP_KEEP.has(fourcc)) {
      const chunk = b.slice(pos, end);
      // VP8X announces EXIF and XMP chunks in its flags; they must not announce what is gone.
      if (fourcc === 'VP8X' && chunk.length > 8) chunk[8] = (chunk[8] ?? 0) & ~(VP8X_EXIF | VP8X_XMP);
      parts.push(chunk);
    } else {
      removed.push(fourcc.trim());
    }
    pos = end;
  }
  const body = concat(parts);
  const header = new Uint8Array(12);
  header.set(b.subarray(0, 12));
  new DataView(header.buffer).setUint32(4, body.length + 4, true);
  return { bytes: concat([header, body]), removed, needsReencode: false };
}

// ---------------------------------------------------------------------------------------- AVIF

interface Box {
  type: string;
  body: number;
  end: number;
}

function boxes(b: Uint8Array, from: number, to: number): Box[] {
  const out: Box[] = [];
  let pos = from;
  while (pos + 8 <= to) {
    let size = u32be(b, pos);
    let header = 8;
    if (size === 1) {
      size = u32be(b, pos + 8) * 0x100000000 + u32be(b, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header || pos + size > to) break;
    out.push({ type: ascii(b, pos + 4, 4), body: pos + header, end: pos + size });
    pos += size;
  }
  return out;
}

/** Item types in the AVIF's item info: `Exif` and `mime` (XMP) are metadata. */
function avifMetadataItems(b: Uint8Array): string[] {
  const meta = boxes(b, 0, b.length).find((x) => x.type === 'meta');
  if (!meta) return [];
  const iinf = boxes(b, meta.body + 4, meta.end).find((x) => x.type === 'iinf');
  if (!iinf) return [];
  const version = b[iinf.body] ?? 0;
  const first = iinf.body + 4 + (version === 0 ? 2 : 4);
  const found: string[] = [];
  for (const infe of boxes(b, first, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const v = b[infe.body] ?? 0;
    if (v < 2) continue;
    const type = ascii(b, infe.body + 4 + (v === 2 ? 2 : 4) + 2, 4);
    if (type === 'Exif' || type === 'mime') found.push(type);
  }
  return found;
}

// -------------------------------------------------------------------------------------- public

/**
 * The same picture without its metadata. JPEG, PNG and WebP are rewritten without a re-encode;
 * an AVIF with metadata items comes back unchanged with `needsReencode` (its item locations
 * would all have to move). Throws on a container it cannot walk.
 */
export function stripMetadata(bytes: Uint8Array, type: ImageContentType): Stripped {
  switch (type) {
    case 'image/jpeg':
      return stripJpeg(bytes);
    case 'image/png':
      return stripPng(bytes);
    case 'image/webp':
      return stripWebp(bytes);
    case 'image/avif': {
      const items = avifMetadataItems(bytes);
      return { bytes, removed: items, needsReencode: items.length > 0 };
    }
  }
}

/** Metadata still in the file: empty when it is clean. */
export function metadataIn(bytes: Uint8Array, type: ImageContentType): string[] {
  return stripMetadata(bytes, type).removed;
}

/** The EXIF Orientation tag (1–8) of a TIFF structure, 1 when absent or unreadable. */
function tiffOrientation(t: Uint8Array): number {
  const order = ascii(t, 0, 2);
  if (order !== 'II' && order !== 'MM') return 1;
  const le = order === 'II';
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  const u16 = (o: number) => (o + 2 <= t.length ? view.getUint16(o, le) : 0);
  const u32 = (o: number) => (o + 4 <= t.length ? view.getUint32(o, le) : 0);
  const ifd = u32(4);
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > t.length) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

const withoutExifHeader = (t: Uint8Array) => (ascii(t, 0, 6) === 'Exif\0\0' ? t.subarray(6) : t);

/**
 * The EXIF orientation a browser would apply when showing the file (1: as stored). Read from
 * JPEG's APP1, PNG's eXIf and WebP's EXIF chunk; AVIF rotates through its own container
 * properties, which decoders apply and stripping keeps.
 */
export function exifOrientation(b: Uint8Array, type: ImageContentType): number {
  if (type === 'image/jpeg') {
    let pos = 2;
    while (pos + 4 <= b.length && b[pos] === 0xff) {
      const marker = b[pos + 1] ?? 0;
      if (marker === 0xda || marker === 0xd9) break;
      const length = u16be(b, pos + 2);
      if (marker === 0xe1 && ascii(b, pos + 4, 6) === 'Exif\0\0') {
        return tiffOrientation(b.subarray(pos + 10, pos + 2 + length));
      }
      pos += 2 + length;
    }
  } else if (type === 'image/png') {
    let pos = 8;
    while (pos + 12 <= b.length) {
      const length = u32be(b, pos);
      if (ascii(b, pos + 4, 4) === 'eXIf')
        return tiffOrientation(withoutExifHeader(b.subarray(pos + 8, pos + 8 + length)));
      pos += 12 + length;
    }
  } else if (type === 'image/webp') {
    let pos = 12;
    while (pos + 8 <= b.length) {
      const size = u32le(b, pos + 4);
      if (ascii(b, pos, 4) === 'EXIF') return tiffOrientation(withoutExifHeader(b.subarray(pos + 8, pos + 8 + size)));
      pos += 8 + size + (size % 2);
    }
  }
  return 1;
}

/**
 * Whether the picture can have transparent pixels, so that a fallback variant must be a PNG
 * rather than a JPEG. Errs towards yes where the container only says it might.
 */
export function mayHaveAlpha(b: Uint8Array, type: ImageContentType): boolean {
  if (type === 'image/jpeg') return false;
  if (type === 'image/png') {
    const colourType = b[25];
    if (colourType === 4 || colourType === 6) return true;
    let pos = 8;
    while (pos + 12 <= b.length) {
      const chunk = ascii(b, pos + 4, 4);
      if (chunk === 'tRNS') return true;
      if (chunk === 'IDAT') return false;
      pos += 12 + u32be(b, pos);
    }
    return false;
  }
  if (type === 'image/webp') {
    const first = ascii(b, 12, 4);
    if (first === 'VP8X') return ((b[20] ?? 0) & 0x10) !== 0;
    // VP8L's alpha_is_used bit follows the 14-bit width and height.
    if (first === 'VP8L') return ((b[24] ?? 0) & 0x10) !== 0;
    return false;
  }
  // AVIF: an auxiliary (alpha) item is announced by an auxC property.
  for (let i = 0; i + 4 <= Math.min(b.length, 4096); i++) {
    if (b[i] === 0x61 && ascii(b, i, 4) === 'auxC') return true;
  }
  return false;
}
