import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { Consent } from '../../shared/api/media-schemas.ts';
import { qdpxVideoEntryPath, toQde, toQdpx, toQdpxStream } from '../../shared/reports/qdpx.ts';
import { consentAllowsDownload, downloadFileName, downloadSettings } from '../../server/src/media/downloads.ts';
import { makeInput } from './reports-fixtures.ts';

const consent = (overrides: Partial<Consent>): Consent => ({
  id: 'c1c1c1c1',
  version: 1,
  kind: 'given',
  clientLabel: 'B.',
  consentDate: '2026-01-01',
  method: 'paper',
  purposes: ['reflectie'],
  allowedRoles: ['klantmanager'],
  fragmentsOutsideRoom: true,
  retentionUntil: '2099-01-01',
  withdrawnOn: null,
  note: '',
  isDemo: false,
  recordedBy: 'A',
  createdAt: 1,
  ...overrides,
});

describe('download rules', () => {
  it('need given consent that lets the video leave the room, and the host switch', () => {
    expect(consentAllowsDownload(null)).toBe(false);
    expect(consentAllowsDownload(consent({}))).toBe(true);
    expect(consentAllowsDownload(consent({ fragmentsOutsideRoom: false }))).toBe(false);
    expect(consentAllowsDownload(consent({ kind: 'withdrawn' }))).toBe(false);
    expect(downloadSettings(true, consent({}))).toEqual({ downloadsAllowed: true, consentAllows: true, effective: true });
    expect(downloadSettings(false, consent({}))).toEqual({ downloadsAllowed: false, consentAllows: true, effective: false });
    expect(downloadSettings(true, consent({ fragmentsOutsideRoom: false }))).toEqual({ downloadsAllowed: true, consentAllows: false, effective: false });
  });
});

describe('downloadFileName', () => {
  it('keeps ASCII letters, digits, dots, dashes and underscores, with the container’s extension', () => {
    expect(downloadFileName('gesprek.mp4', 'mp4')).toBe('gesprek.mp4');
    expect(downloadFileName('Gesprek mevrouw Zoë (deel 2).MOV', 'mov')).toBe('Gesprek-mevrouw-Zoe-deel-2.mov');
    expect(downloadFileName('opname.webm', 'webm')).toBe('opname.webm');
    expect(downloadFileName('opname', 'matroska')).toBe('opname.mkv');
    expect(downloadFileName('telefoon.mov', null)).toBe('telefoon.mp4');
  });

  it('lets nothing through that could break out of the header', () => {
    for (const name of ['a"; filename*=evil', 'x\r\nSet-Cookie: a=1', '..\\..\\etc/passwd', '\u202egnp.exe', '🎥🎥']) {
      const safe = downloadFileName(name, 'mp4');
      expect(safe, name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*\.mp4$/);
    }
    expect(downloadFileName('"""', 'mp4')).toBe('video.mp4');
    expect(downloadFileName('a'.repeat(300), 'mp4')).toHaveLength(84);
  });
});

describe('toQdpxStream', () => {
  async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of stream) parts.push(part);
    return Buffer.concat(parts);
  }
  async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  it('makes the same project as toQdpx with the video embedded, from a stream of chunks', async () => {
    const input = makeInput();
    const video = new Uint8Array(300_001).map((_, i) => (i * 31) % 251);
    const zip = await collect(toQdpxStream(input, { pseudonymise: false }, chunks(video, 4096)));
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual(['project.qde', qdpxVideoEntryPath(input)]);
    expect(Buffer.from(files[qdpxVideoEntryPath(input)]!).equals(video)).toBe(true);
    expect(strFromU8(files['project.qde']!)).toBe(toQde(input, { pseudonymise: false }, true));
    expect(strFromU8(files['project.qde']!)).toContain(`path="internal://${qdpxVideoEntryPath(input).slice('Sources/'.length)}"`);
    const buffered = unzipSync(toQdpx(input, { pseudonymise: false }, video));
    expect(Object.keys(buffered)).toEqual(Object.keys(files));
  });

  it('yields while the video is still being read, and passes on a read error', async () => {
    const input = makeInput();
    let read = 0;
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 4; i++) {
        read++;
        yield new Uint8Array(1000).fill(i);
      }
      throw new Error('disk gone');
    }
    const stream = toQdpxStream(input, { pseudonymise: true }, slow());
    // The zip's first bytes come before the whole video was read.
    await stream.next();
    expect(read).toBeLessThan(4);
    await expect(collect(stream)).rejects.toThrow('disk gone');
  });
});
