/**
 * Server side of the upload fingerprint (definition: shared/media/fingerprint.ts).
 * Reads only the head and tail ranges, streamed, with node:crypto.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import {
  assertFingerprintChunks,
  fingerprintRanges,
  type Fingerprint,
} from '../../../shared/media/fingerprint.ts';

export type { Fingerprint } from '../../../shared/media/fingerprint.ts';

/** `{ size, headTailSha256 }` of a file: SHA-256 of its first and last MiB (whole file if ≤ 2 MiB). */
export async function fingerprintFile(path: string): Promise<Fingerprint> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const { head, tail } = fingerprintRanges(size);
    const hash = createHash('sha256');
    await hashRange(fh, hash, head[0], head[1]);
    await hashRange(fh, hash, tail[0], tail[1]);
    return { size, headTailSha256: hash.digest('hex') };
  } finally {
    await fh.close();
  }
}

/** Streams [start, end) of an open file into `hash`; throws if the file got shorter. */
async function hashRange(fh: FileHandle, hash: Hash, start: number, end: number): Promise<void> {
  if (end <= start) return;
  let read = 0;
  // createReadStream's `end` is inclusive
  const stream = fh.createReadStream({ start, end: end - 1, autoClose: false, highWaterMark: 256 * 1024 });
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    hash.update(buf);
    read += buf.byteLength;
  }
  if (read !== end - start) throw new Error(`file changed while fingerprinting (read ${read} of ${end - start} bytes)`);
}

/** The same hash from chunks already in memory (e.g. sent by a client), with node:crypto. */
export function fingerprintFromChunks(size: number, head: Uint8Array, tail: Uint8Array): string {
  assertFingerprintChunks(size, head, tail);
  return createHash('sha256').update(head).update(tail).digest('hex');
}
