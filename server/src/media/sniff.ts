/**
 * Container detection from the first bytes of a file (magic numbers), so an upload can be
 * classified without trusting its name or Content-Type. Pass at least the first 64 bytes;
 * 4 KiB is plenty for every supported container.
 */

export type Container = 'mp4' | 'mov' | 'webm' | 'matroska';

export interface SniffResult {
  container: Container;
  mimeType: string;
}

export const MIME_TYPES: Readonly<Record<Container, string>> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  matroska: 'video/x-matroska',
};

/** ISO BMFF brands that are still images (HEIF/AVIF), not videos. */
const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'jpeg', 'avci']);
/** Top-level atoms that may start a pre-ftyp (classic) QuickTime file. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'pnot']);

const ascii = (b: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...b.subarray(from, to));

const result = (container: Container): SniffResult => ({ container, mimeType: MIME_TYPES[container] });

export function sniffContainer(firstBytes: Uint8Array): SniffResult | null {
  return sniffIsoBmff(firstBytes) ?? sniffEbml(firstBytes);
}

function sniffIsoBmff(b: Uint8Array): SniffResult | null {
  if (b.length < 12) return null;
  const boxSize = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const type = ascii(b, 4, 8);
  if (type === 'ftyp') {
    // size 1 = 64-bit largesize follows; otherwise the box holds at least major+minor brand
    if (boxSize !== 1 && boxSize < 16) return null;
    const major = ascii(b, 8, 12);
    if (major === 'qt  ') return result('mov');
    if (IMAGE_BRANDS.has(major)) return null;
    if (!/^[\x20-\x7e]{4}$/.test(major)) return null;
    return result('mp4');
  }
  if (QUICKTIME_ATOMS.has(type) && (boxSize === 0 || boxSize === 1 || boxSize >= 8)) {
    return result('mov');
  }
  return null;
}

/** Reads an EBML variable-length integer; `id` keeps the length marker bits (element IDs). */
function readVint(b: Uint8Array, pos: number, id: boolean): { value: number; length: number } | null {
  const first = b[pos];
  if (first === undefined || first === 0) return null;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || pos + length > b.length) return null;
  let value = id ? first : first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + b[pos + i]!;
  return { value, length };
}

const EBML_MAGIC = 0x1a45dfa3;
const EBML_DOCTYPE = 0x4282;

function sniffEbml(b: Uint8Array): SniffResult | null {
  const magic = readVint(b, 0, true);
  if (!magic || magic.value !== EBML_MAGIC) return null;
  const headerSize = readVint(b, magic.length, false);
  if (!headerSize) return null;
  const start = magic.length + headerSize.length;
  const headerEnd = start + headerSize.value;
  const end = Math.min(headerEnd, b.length);

  let pos = start;
  while (pos < end) {
    const id = readVint(b, pos, true);
    if (!id) return null;
    const size = readVint(b, pos + id.length, false);
    if (!size) return null;
    const dataStart = pos + id.length + size.length;
    const dataEnd = dataStart + size.value;
    if (id.value === EBML_DOCTYPE) {
      if (dataEnd > b.length) return null;
      const docType = ascii(b, dataStart, dataEnd).replace(/\0+$/, '');
      if (docType === 'webm') return result('webm');
      if (docType === 'matroska') return result('matroska');
      return null;
    }
    pos = dataEnd;
  }
  // DocType defaults to "matroska" when the (complete) header omits it.
  return headerEnd <= b.length ? result('matroska') : null;
}
