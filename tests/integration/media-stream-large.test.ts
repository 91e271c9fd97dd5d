import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/**
 * The fixture followed by an MP4 `free` box of patterned filler: a valid MP4 of 24 MiB, far more
 * than the server's few reused read buffers (media/stream.ts), so every response cycles them many
 * times. The pattern makes any buffer reused too early show up as wrong bytes.
 */
function largeVideo(): Buffer {
  const total = 24 * 1024 * 1024;
  const filler = Buffer.alloc(total - FIXTURE.byteLength);
  filler.writeUInt32BE(filler.length, 0);
  filler.write('free', 4, 'latin1');
  for (let i = 8; i + 4 <= filler.length; i += 4) filler.writeUInt32BE(i, i);
  return Buffer.concat([FIXTURE, filler]);
}

/** Descriptors of this process (the server runs in it) open on files in the test's data folder. */
function openFilesUnder(dir: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) count++;
    } catch {
      // The descriptor closed while we looked.
    }
  }
  return count;
}

describe('streaming a video much larger than the read buffers', () => {
  let server: TestServer;
  let host: HttpClient;
  let url: string;
  const video = largeVideo();
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const res = await new TusClient(host, room.id).upload(video);
    if (res.status !== 204) throw new Error(`upload failed: ${res.status}`);
    url = `${server.url}/api/rooms/${room.id}/media/video`;
  });
  afterAll(() => server.dispose());

  const get = (headers: Record<string, string> = {}, signal?: AbortSignal) => fetch(url, { headers: { cookie: host.cookieHeader, ...headers }, signal });

  it('sends every byte in order, with the security headers of any other response', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(video.length));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await res.arrayBuffer()).equals(video)).toBe(true);
  });

  it('serves concurrent ranges that each span many buffers correctly', async () => {
    const spans = [
      [0, 5_000_000],
      [1_234_567, 9_876_543],
      [video.length - 7_000_001, video.length - 1],
      [12_000_000, 12_000_000],
    ] as const;
    const bodies = await Promise.all(
      spans.map(async ([start, end]) => {
        const res = await get({ range: `bytes=${start}-${end}` });
        expect(res.status).toBe(206);
        return Buffer.from(await res.arrayBuffer());
      }),
    );
    spans.forEach(([start, end], i) => expect(bodies[i]!.equals(video.subarray(start, end + 1))).toBe(true));
  });

  it('closes the file when the viewer goes away half-way, and keeps serving others', async () => {
    const before = openFilesUnder(server.dataDir);
    const abort = new AbortController();
    const res = await get({}, abort.signal);
    const reader = res.body!.getReader();
    await reader.read();
    expect(openFilesUnder(server.dataDir)).toBeGreaterThan(before);
    abort.abort();
    await expect.poll(() => openFilesUnder(server.dataDir), { timeout: 5000 }).toBe(before);
    const again = await get({ range: 'bytes=0-99' });
    expect(Buffer.from(await again.arrayBuffer()).equals(video.subarray(0, 100))).toBe(true);
  });
});
