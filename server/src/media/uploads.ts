/**
 * Resumable video upload with the tus protocol (@tus/server + @tus/file-store), mounted at
 * /api/rooms/:roomId/uploads. Fastify authorises every request (host of the room, current
 * consent) and then hands the raw request and response to the tus server, so the body is
 * streamed to disk and never buffered.
 */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileStore } from '@tus/file-store';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Server, type Upload } from '@tus/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IdSchema } from '../../../shared/api/schemas.ts';
import type { ErrorCode } from '../../../shared/errors.ts';
import { AppError, errorBody } from '../http/errors.ts';
import { IngestRefusal, looksLikeVideo, NOT_A_VIDEO, SNIFF_BYTES } from './ingest.ts';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const RoomParams = Type.Object({ roomId: IdSchema });
const UploadParams = Type.Object({ roomId: IdSchema, uploadId: Type.String({ pattern: UPLOAD_ID.source }) });


/** tus hooks refuse by throwing `{ status_code, body }`; the body is our usual JSON error. */
const refusal = (code: ErrorCode, status: number, message: string) => ({ status_code: status, body: JSON.stringify(errorBody(code, message)) });

/**
 * The upload store with its `write` replaced by one that frees each chunk as soon as it is on disk.
 * Node copies every chunk of a request body into an ArrayBuffer of its own, which only a garbage
 * collection frees, and V8 lets such memory reach 64 MiB before it collects: a 2 GiB upload kept
 * ~65 MiB of spent chunks resident (bench:media). Detaching a written chunk's buffer
 * (`ArrayBuffer.prototype.transfer(0)`) frees it at once. Everything else is the FileStore's.
 * (Only PATCH bodies from `patchRequest` below arrive as those very chunks.)
 */
function releasingStore(store: FileStore): FileStore {
  const releasing = Object.create(store) as FileStore;
  releasing.write = async (readable: Readable, id: string, offset: number): Promise<number> => {
    const file = await open(join(store.directory, id), 'r+');
    let position = offset;
    try {
      for await (const chunk of readable as AsyncIterable<Uint8Array>) {
        for (let done = 0; done < chunk.byteLength; ) {
          done += (await file.write(chunk, done, chunk.byteLength - done, position + done)).bytesWritten;
        }
        position += chunk.byteLength;
        // Only a chunk that is the whole of its buffer: then no other view can be reading that memory.
        if (chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength) {
          // ES2024 (Node has it; the project's TypeScript lib is ES2023).
          (chunk.buffer as ArrayBuffer & { transfer(length: number): ArrayBuffer }).transfer(0);
        }
      }
    } catch {
      // As the FileStore does: what reached the disk counts (the offset is the file's size).
      throw refusal('internal', 500, 'Receiving the file failed; resume the upload.');
    } finally {
      await file.close();
    }
    return position;
  };
  return releasing;
}

export const uploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { guard, media, config } = app.services;
  /** The room an authorised request uploads into: set by the Fastify route, read by the tus hooks. */
  const rooms = new WeakMap<IncomingMessage, string>();
  const roomOf = (req: { runtime?: { node?: { req: unknown } } }): string | undefined => {
    const raw = req.runtime?.node?.req;
    return raw ? rooms.get(raw as IncomingMessage) : undefined;
  };

  const tus = new Server({
    // Required by @tus/server, but unused: Fastify routes the requests and generateUrl names them.
    path: '/api/rooms/uploads',
    datastore: releasingStore(media.uploadStore),
    maxSize: config.maxUploadBytes,
    // Same-origin only: no Access-Control-Allow-Origin header at all.
    allowedOrigins: [],
    namingFunction: () => randomBytes(16).toString('hex'),
    // The upload URL lives under its room, so the room is part of every later request.
    generateUrl: (req, { id }) => `${new URL(req.url).pathname.replace(/\/+$/, '')}/${id}`,
    getFileIdFromRequest: (_req, lastPath) => (lastPath && UPLOAD_ID.test(lastPath) ? lastPath : undefined),
    async onUploadCreate(req, upload) {
      const roomId = roomOf(req);
      if (!roomId) throw refusal('internal', 500, 'Upload context missing.');
      if (upload.sizeIsDeferred) throw refusal('bad_request', 400, 'Send Upload-Length: the size must be known in advance.');
      const name = upload.metadata?.filename ?? upload.metadata?.name ?? null;
      // Client metadata is advisory; the room comes from the authorised request.
      return { metadata: { filename: name, roomId } };
    },
    async onUploadFinish(_req, upload) {
      await finish(upload);
      return {};
    },
  });

  async function finish(upload: Upload): Promise<void> {
    const roomId = upload.metadata?.roomId;
    const path = join(media.uploadStore.directory, upload.id);
    try {
      if (!roomId) throw new AppError('bad_request', 'Upload without a room.');
      await media.attachFile(roomId, path, upload.metadata?.filename ?? 'video');
      // The data file has moved into the room's media folder; only the tus info file is left.
      await media.removeUpload(upload.id);
    } catch (err) {
      await media.removeUpload(upload.id);
      if (err instanceof IngestRefusal) throw refusal('unsupported_media', 415, err.message);
      if (err instanceof AppError) throw refusal(err.code, err.status, err.message);
      app.log.error({ err, roomId }, 'processing an upload failed');
      throw refusal('internal', 500, 'The video could not be processed. Please try again.');
    }
  }

  // tus PATCH bodies must reach the tus server untouched: no parsing, no body limit.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));

  /**
   * A PATCH as a web Request whose body is the request's own chunks. `tus.handle` would build it
   * with Readable.toWeb, which copies every chunk and leaves the original for the garbage
   * collector, so the store could not free it; here the store's copy is the only one.
   */
  function patchRequest(raw: IncomingMessage, res: ServerResponse): Request {
    let done = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const finish = (err?: Error) => {
          if (done) return;
          done = true;
          if (err) controller.error(err);
          else controller.close();
        };
        raw.on('data', (chunk: Buffer) => {
          if (done) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 1) <= 0) raw.pause();
        });
        raw.once('end', () => finish());
        raw.once('error', (err) => finish(err));
        raw.once('close', () => finish(raw.complete ? undefined : new Error('the client went away')));
      },
      pull: () => void raw.resume(),
      // The rest is not wanted: read and drop it, so the response can still be sent.
      cancel: () => void raw.resume(),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(raw.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    }
    const request = new Request(new URL(raw.url ?? '/', 'http://upload.invalid'), { method: 'PATCH', headers, body, duplex: 'half' } as RequestInit & { duplex: 'half' });
    // Where tus (and roomOf) find the Node request, as with `tus.handle`.
    Object.defineProperty(request, 'runtime', { value: { node: { req: raw, res } } });
    return request;
  }

  async function handlePatch(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const response = await tus.handleWeb(patchRequest(raw, res));
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => headers.push([name, value]));
    res.writeHead(response.status, headers.flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  }

  async function handOver(req: FastifyRequest, reply: FastifyReply, roomId: string, uploadId: string | null): Promise<void> {
    const access = await guard.requireRoom(req.cookies, roomId, 'manageRoom');
    if (uploadId === null) {
      if (req.method === 'POST') await media.assertCanAttach(access.room.id);
    } else {
      const upload = await media.uploadStore.getUpload(uploadId).catch(() => null);
      if (!upload || upload.metadata?.roomId !== access.room.id) throw new AppError('not_found', 'No such upload in this room (it may have expired).');
      // Once the first bytes are in, a file that is no video is refused before the rest is sent.
      if (req.method === 'PATCH' && upload.offset >= SNIFF_BYTES && !(await looksLikeVideo(join(media.uploadStore.directory, uploadId)))) {
        await media.removeUpload(uploadId);
        throw new AppError('unsupported_media', NOT_A_VIDEO);
      }
    }
    rooms.set(req.raw, access.room.id);
    reply.hijack();
    if (req.method === 'PATCH') await handlePatch(req.raw, reply.raw);
    else await tus.handle(req.raw, reply.raw);
  }

  app.route({ method: ['POST', 'OPTIONS'], url: '/api/rooms/:roomId/uploads', schema: { params: RoomParams }, handler: (req, reply) => handOver(req, reply, req.params.roomId, null) });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/api/rooms/:roomId/uploads/:uploadId',
    schema: { params: UploadParams },
    handler: (req, reply) => handOver(req, reply, req.params.roomId, req.params.uploadId),
  });
};
