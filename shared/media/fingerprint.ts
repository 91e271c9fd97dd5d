/**
 * The upload fingerprint, shared by server (node:crypto, streamed) and client (WebCrypto):
 *
 *   headTailSha256 = lowercase hex SHA-256 of  bytes[head]  followed by  bytes[tail]
 *
 * where, for a file of `size` bytes (ranges are half-open [start, end), like Blob.slice):
 *   - size ≤ 2 MiB: head = [0, size), tail = [size, size) (empty) → the whole file is hashed;
 *   - size > 2 MiB: head = [0, 1 MiB), tail = [size - 1 MiB, size).
 * The size itself is not hashed; a fingerprint is the pair { size, headTailSha256 }.
 * It identifies a file cheaply (e.g. to resume or de-duplicate an upload); it is not a hash
 * of the whole content for files over 2 MiB.
 */

export const FINGERPRINT_CHUNK_BYTES = 1024 * 1024;

export interface Fingerprint {
  size: number;
  headTailSha256: string;
}

export interface FingerprintRanges {
  /** Half-open [start, end) byte range at the start of the file. */
  head: [number, number];
  /** Half-open [start, end) byte range at the end of the file (empty when size ≤ 2 MiB). */
  tail: [number, number];
}

export function fingerprintRanges(size: number): FingerprintRanges {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid file size: ${size}`);
  if (size <= 2 * FINGERPRINT_CHUNK_BYTES) return { head: [0, size], tail: [size, size] };
  return { head: [0, FINGERPRINT_CHUNK_BYTES], tail: [size - FINGERPRINT_CHUNK_BYTES, size] };
}

/** Throws unless `head`/`tail` have exactly the lengths `fingerprintRanges(size)` prescribes. */
export function assertFingerprintChunks(size: number, head: Uint8Array, tail: Uint8Array): void {
  const r = fingerprintRanges(size);
  if (head.byteLength !== r.head[1] - r.head[0] || tail.byteLength !== r.tail[1] - r.tail[0]) {
    throw new RangeError(
      `fingerprint chunks for size ${size} must be ${r.head[1] - r.head[0]} + ${r.tail[1] - r.tail[0]} bytes, ` +
        `got ${head.byteLength} + ${tail.byteLength}`,
    );
  }
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The fingerprint hash of already-read chunks, with WebCrypto (browser and Node ≥ 20). */
export async function fingerprintDigest(size: number, head: Uint8Array, tail: Uint8Array): Promise<string> {
  assertFingerprintChunks(size, head, tail);
  const data = new Uint8Array(head.byteLength + tail.byteLength);
  data.set(head, 0);
  data.set(tail, head.byteLength);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return toHex(new Uint8Array(digest));
}

/** Fingerprint of a Blob/File (browser upload picker; Node's Blob works too). */
export async function fingerprintBlob(blob: Blob): Promise<Fingerprint> {
  const { head, tail } = fingerprintRanges(blob.size);
  const [h, t] = await Promise.all([
    blob.slice(head[0], head[1]).arrayBuffer(),
    blob.slice(tail[0], tail[1]).arrayBuffer(),
  ]);
  return { size: blob.size, headTailSha256: await fingerprintDigest(blob.size, new Uint8Array(h), new Uint8Array(t)) };
}
