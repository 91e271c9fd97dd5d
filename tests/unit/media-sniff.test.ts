import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sniffContainer } from '../../server/src/media/sniff.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const head = (name: string, n = 4096) => new Uint8Array(readFileSync(fixture(name)).subarray(0, n));
const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('sniffContainer', () => {
  it('detects the MP4 fixture', () => {
    expect(sniffContainer(head('gesprek.mp4'))).toEqual({ container: 'mp4', mimeType: 'video/mp4' });
    expect(sniffContainer(head('gesprek.mp4', 32))).toEqual({ container: 'mp4', mimeType: 'video/mp4' });
  });

  it('detects the WebM fixture', () => {
    expect(sniffContainer(head('gesprek.webm'))).toEqual({ container: 'webm', mimeType: 'video/webm' });
    expect(sniffContainer(head('gesprek.webm', 64))).toEqual({ container: 'webm', mimeType: 'video/webm' });
  });

  it('detects QuickTime by the qt brand', () => {
    const mov = bytes([0, 0, 0, 20], 'ftyp', 'qt  ', [0, 0, 2, 0], 'qt  ');
    expect(sniffContainer(mov)).toEqual({ container: 'mov', mimeType: 'video/quicktime' });
    // a classic QuickTime file without ftyp
    expect(sniffContainer(bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 0]))?.container).toBe('mov');
  });

  it('detects other ISO BMFF brands as mp4 but not HEIF/AVIF images', () => {
    expect(sniffContainer(bytes([0, 0, 0, 24], 'ftyp', 'mp42', [0, 0, 0, 0], 'mp42isom'))?.container).toBe('mp4');
    expect(sniffContainer(bytes([0, 0, 0, 24], 'ftyp', 'M4V ', [0, 0, 0, 0], 'M4V mp42'))?.container).toBe('mp4');
    expect(sniffContainer(bytes([0, 0, 0, 24], 'ftyp', 'heic', [0, 0, 0, 0], 'mif1heic'))).toBeNull();
    expect(sniffContainer(bytes([0, 0, 0, 24], 'ftyp', 'avif', [0, 0, 0, 0], 'avifmif1'))).toBeNull();
  });

  it('detects a Matroska EBML header', () => {
    // EBML header: DocType "matroska" (0x42 0x82, size 0x88)
    const mkv = bytes([0x1a, 0x45, 0xdf, 0xa3, 0x8b, 0x42, 0x82, 0x88], 'matroska');
    expect(sniffContainer(mkv)).toEqual({ container: 'matroska', mimeType: 'video/x-matroska' });
    // DocType defaults to matroska when the header leaves it out
    expect(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x86, 0x81, 0x01]))?.container).toBe('matroska');
    // unknown DocType
    expect(sniffContainer(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84], 'abcd'))).toBeNull();
  });

  it('returns null for a PNG, text and too few bytes', () => {
    const png = bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR', [0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0]);
    expect(sniffContainer(png)).toBeNull();
    expect(sniffContainer(new TextEncoder().encode('Hallo, dit is geen video maar gewone tekst.\n'))).toBeNull();
    expect(sniffContainer(new TextEncoder().encode('<?xml version="1.0"?><ftyp/>'))).toBeNull();
    expect(sniffContainer(new Uint8Array())).toBeNull();
    expect(sniffContainer(head('gesprek.mp4', 6))).toBeNull();
    expect(sniffContainer(head('gesprek.webm', 3))).toBeNull();
  });
});
