import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprintFile, fingerprintFromChunks } from '../../server/src/media/fingerprint.ts';
import {
  FINGERPRINT_CHUNK_BYTES,
  fingerprintBlob,
  fingerprintDigest,
  fingerprintRanges,
} from '../../shared/media/fingerprint.ts';

const MiB = FINGERPRINT_CHUNK_BYTES;
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-fp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** All four implementations for one file; asserts they agree and returns the fingerprint. */
async function allAgree(path: string) {
  const bytes = new Uint8Array(readFileSync(path));
  const { head, tail } = fingerprintRanges(bytes.byteLength);
  const headBytes = bytes.subarray(head[0], head[1]);
  const tailBytes = bytes.subarray(tail[0], tail[1]);

  const streamed = await fingerprintFile(path);
  const subtle = await fingerprintDigest(bytes.byteLength, headBytes, tailBytes);
  const chunks = fingerprintFromChunks(bytes.byteLength, headBytes, tailBytes);
  const blob = await fingerprintBlob(new Blob([bytes]));

  expect(streamed.size).toBe(bytes.byteLength);
  expect(streamed.headTailSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(subtle).toBe(streamed.headTailSha256);
  expect(chunks).toBe(streamed.headTailSha256);
  expect(blob).toEqual(streamed);
  return { ...streamed, bytes };
}

describe('fingerprintRanges', () => {
  it('covers the whole file up to 2 MiB and head + tail MiB above', () => {
    expect(fingerprintRanges(0)).toEqual({ head: [0, 0], tail: [0, 0] });
    expect(fingerprintRanges(10)).toEqual({ head: [0, 10], tail: [10, 10] });
    expect(fingerprintRanges(2 * MiB)).toEqual({ head: [0, 2 * MiB], tail: [2 * MiB, 2 * MiB] });
    expect(fingerprintRanges(2 * MiB + 1)).toEqual({ head: [0, MiB], tail: [MiB + 1, 2 * MiB + 1] });
    expect(fingerprintRanges(10 * 2 ** 30)).toEqual({ head: [0, MiB], tail: [10 * 2 ** 30 - MiB, 10 * 2 ** 30] });
  });

  it('rejects invalid sizes', () => {
    expect(() => fingerprintRanges(-1)).toThrow(RangeError);
    expect(() => fingerprintRanges(1.5)).toThrow(RangeError);
  });
});

describe('fingerprint', () => {
  it('agrees between node streaming, WebCrypto and Blob on the MP4 fixture (whole-file hash)', async () => {
    const fp = await allAgree(fixture('gesprek.mp4'));
    expect(fp.size).toBeLessThan(2 * MiB);
    expect(fp.headTailSha256).toBe(sha256(fp.bytes));
  });

  it('agrees on the WebM fixture', async () => {
    await allAgree(fixture('gesprek.webm'));
  });

  it.each([
    ['empty', 0],
    ['exactly 2 MiB', 2 * MiB],
    ['2 MiB + 1', 2 * MiB + 1],
    ['3 MiB + 123', 3 * MiB + 123],
  ])('agrees for a %s file and hashes head then tail', async (_label, size) => {
    const data = randomFillSync(new Uint8Array(size));
    const path = join(dir, `f-${size}.bin`);
    writeFileSync(path, data);
    const fp = await allAgree(path);
    const expected =
      size <= 2 * MiB
        ? sha256(data)
        : createHash('sha256').update(data.subarray(0, MiB)).update(data.subarray(size - MiB)).digest('hex');
    expect(fp.headTailSha256).toBe(expected);
  });

  it('ignores the middle of large files but not the head or tail', async () => {
    const size = 3 * MiB;
    const data = randomFillSync(new Uint8Array(size));
    const a = await fingerprintBlob(new Blob([data]));
    data[Math.floor(size / 2)]! ^= 0xff;
    expect(await fingerprintBlob(new Blob([data]))).toEqual(a);
    data[size - 1]! ^= 0xff;
    expect(await fingerprintBlob(new Blob([data]))).not.toEqual(a);
  });

  it('rejects chunks of the wrong length', async () => {
    const head = new Uint8Array(MiB);
    await expect(fingerprintDigest(3 * MiB, head, new Uint8Array(10))).rejects.toThrow(RangeError);
    expect(() => fingerprintFromChunks(5, new Uint8Array(4), new Uint8Array(0))).toThrow(RangeError);
  });

  it('rejects a missing file', async () => {
    await expect(fingerprintFile(join(dir, 'missing.bin'))).rejects.toThrow(/ENOENT/);
  });
});
