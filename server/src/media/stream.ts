/**
 * Serves a stored file with HTTP Range support (RFC 9110 §14): 200, 206 (one range or
 * multipart/byteranges), 416, If-Range, HEAD. Bytes always come from fs.createReadStream over
 * the requested span; nothing is read into memory beyond the stream's own buffer.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagFor, ifRangeMatches, parseRange, type ByteRange } from './range.ts';

/** More parts than this is no media player; answering with the whole file is allowed (RFC 9110 §14.2). */
const MAX_PARTS = 16;
/** A big read buffer makes large ranges cheaper; it is what each open stream holds at most. */
const HIGH_WATER_MARK = 256 * 1024;

export interface StoredFile {
  path: string;
  mimeType: string;
  /** Whole-file SHA-256 when known: makes the ETag content-based. */
  sha256: string | null;
}

/** Returns false when the file is gone (so the caller can explain why); otherwise the reply is sent. */
export async function serveFile(req: FastifyRequest, reply: FastifyReply, file: StoredFile): Promise<boolean> {
  const info = await stat(file.path).catch(() => null);
  if (!info?.isFile()) return false;
  const size = info.size;
  const etag = etagFor(info, file.sha256 ?? undefined);
  reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Last-Modified', info.mtime.toUTCString())
    // Recordings of clients must not linger in browser or proxy caches.
    .header('Cache-Control', 'private, no-store');

  const honoured = ifRangeMatches(header(req, 'if-range'), etag, info.mtimeMs);
  const range = honoured ? parseRange(header(req, 'range'), size) : ({ kind: 'none' } as const);
  const head = req.method === 'HEAD';
  const body = (r: ByteRange) => (head ? undefined : createReadStream(file.path, { start: r.start, end: r.end, highWaterMark: HIGH_WATER_MARK }));

  if (range.kind === 'unsatisfiable') {
    reply.status(416).header('Content-Range', `bytes */${size}`).header('Content-Length', '0').send();
    return true;
  }
  if (range.kind === 'single') {
    reply
      .status(206)
      .type(file.mimeType)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', String(range.end - range.start + 1))
      .send(body(range));
    return true;
  }
  if (range.kind === 'multiple' && range.ranges.length <= MAX_PARTS) {
    const multipart = byteranges(file.path, file.mimeType, size, range.ranges);
    reply
      .status(206)
      .type(`multipart/byteranges; boundary=${multipart.boundary}`)
      .header('Content-Length', String(multipart.length))
      .send(head ? undefined : multipart.stream());
    return true;
  }
  reply.status(200).type(file.mimeType).header('Content-Length', String(size));
  // An empty file has no byte range to read (createReadStream's inclusive `end` would be -1).
  reply.send(size === 0 || head ? undefined : body({ start: 0, end: size - 1 }));
  return true;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** A multipart/byteranges body (RFC 9110 §14.6) with a length known up front. */
function byteranges(path: string, mimeType: string, size: number, ranges: ByteRange[]) {
  const boundary = randomBytes(12).toString('hex');
  const partHeads = ranges.map((r, i) =>
    Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${mimeType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = partHeads.reduce((n, h, i) => n + h.length + ranges[i]!.end - ranges[i]!.start + 1, tail.length);
  async function* parts() {
    for (const [i, r] of ranges.entries()) {
      yield partHeads[i]!;
      yield* createReadStream(path, { start: r.start, end: r.end, highWaterMark: HIGH_WATER_MARK });
    }
    yield tail;
  }
  return { boundary, length, stream: () => Readable.from(parts(), { objectMode: false }) };
}
