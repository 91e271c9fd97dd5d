/**
 * Serves a stored file with HTTP Range support (RFC 9110 §14): 200, 206 (one range or
 * multipart/byteranges), 416, If-Range, HEAD. Bytes are read from disk over the requested span
 * only; nothing is held in memory beyond a few read buffers per response.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagFor, ifRangeMatches, parseRange, type ByteRange } from './range.ts';

/** More parts than this is no media player; answering with the whole file is allowed (RFC 9110 §14.2). */
const MAX_PARTS = 16;
/** A big read buffer makes large ranges cheaper; it is what each open stream holds at most. */
const HIGH_WATER_MARK = 256 * 1024;
/** Read buffers one response cycles through: the socket sends some while the next read runs. */
const POOL = 4;
/** Read buffers kept for the next responses (16 MiB at most), so steady streaming allocates nothing. */
const spare: Buffer[] = [];
const MAX_SPARE = 64;
const takeBuffer = (): Buffer => spare.pop() ?? Buffer.allocUnsafeSlow(HIGH_WATER_MARK);
const giveBack = (buffer: Buffer): void => {
  if (spare.length < MAX_SPARE) spare.push(buffer);
};

export interface StoredFile {
  path: string;
  mimeType: string;
  /** Whole-file SHA-256 when known: makes the ETag content-based. */
  sha256: string | null;
}

/** Returns false when the file is gone (so the caller can explain why); otherwise the reply is sent. */
export async function serveFile(req: FastifyRequest, reply: FastifyReply, file: StoredFile): Promise<boolean> {
  const handle = await open(file.path, 'r').catch(() => null);
  if (!handle) return false;
  let handedOver = false;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return false;
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
    const sendSpan = (r: ByteRange): void => {
      // An empty file has no byte range to read.
      if (head || r.end < r.start) {
        reply.send();
        return;
      }
      handedOver = true;
      pump(reply, handle, r);
    };

    if (range.kind === 'unsatisfiable') {
      reply.status(416).header('Content-Range', `bytes */${size}`).header('Content-Length', '0').send();
      return true;
    }
    if (range.kind === 'single') {
      reply
        .status(206)
        .type(file.mimeType)
        .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
        .header('Content-Length', String(range.end - range.start + 1));
      sendSpan(range);
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
    sendSpan({ start: 0, end: size - 1 });
    return true;
  } finally {
    if (!handedOver) await handle.close();
  }
}

/**
 * Writes a span of the file straight to the response from a few buffers, each reused once the
 * socket has taken it, and kept for later responses. fs.createReadStream allocates a fresh buffer
 * for every read; at hundreds of
 * MB/s that churn of memory outside the JS heap kept V8 collecting garbage for up to half of the
 * server's time (bench:media with a 2 GiB video: 2–4× the CPU per GiB of a bare node:http server).
 * Closes the file when done, also when the client goes away mid-way.
 */
function pump(reply: FastifyReply, handle: FileHandle, span: ByteRange): void {
  reply.hijack();
  const res = reply.raw;
  const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined));
  res.writeHead(reply.statusCode, headers as OutgoingHttpHeaders);
  const idle: Buffer[] = [];
  let held = 0;
  let done = false;
  let wake: (() => void) | null = null;
  const wakeUp = (): void => {
    wake?.();
    wake = null;
  };
  const sleep = () => new Promise<void>((resolve) => (wake = resolve));
  let closed = false;
  res.on('drain', wakeUp);
  res.once('close', () => {
    closed = true;
    wakeUp();
  });
  void (async () => {
    let position = span.start;
    try {
      while (position <= span.end && !closed) {
        const buffer = idle.pop() ?? (held < POOL ? (held++, takeBuffer()) : null);
        if (!buffer) {
          await sleep();
          continue;
        }
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, span.end - position + 1), position);
        if (bytesRead === 0) throw new Error('The file ended before its stated size.');
        if (closed) {
          idle.push(buffer);
          break;
        }
        position += bytesRead;
        // A buffer goes back only once the socket is done with it; one whose write never completes
        // (the connection broke) is simply left to the garbage collector.
        const release = (): void => {
          if (done) giveBack(buffer);
          else {
            idle.push(buffer);
            wakeUp();
          }
        };
        if (!res.write(buffer.subarray(0, bytesRead), release)) await sleep();
      }
      if (!closed) res.end();
    } catch (err) {
      reply.log.error({ err }, 'sending a file failed');
      res.destroy();
    } finally {
      done = true;
      idle.splice(0).forEach(giveBack);
      res.off('drain', wakeUp);
      await handle.close();
    }
  })();
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
