import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, FIXTURE_SHA256, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SIZE = FIXTURE.byteLength;

describe('video streaming with HTTP Range', () => {
  let server: TestServer;
  let host: HttpClient;
  let url: string;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    const room = await createRoom(host);
    await giveConsent(host, room.id);
    const res = await new TusClient(host, room.id).upload(FIXTURE);
    if (res.status !== 204) throw new Error(`upload failed: ${res.status}`);
    url = `${server.url}/api/rooms/${room.id}/media/video`;
  });
  afterAll(() => server.dispose());

  async function get(headers: Record<string, string> = {}, method = 'GET') {
    const res = await fetch(url, { method, headers: { cookie: host.cookieHeader, ...headers } });
    return { res, body: Buffer.from(await res.arrayBuffer()) };
  }

  it('serves the whole file with the validators and caching rules', async () => {
    const { res, body } = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe(String(SIZE));
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('etag')).toBe(`"${SIZE.toString(16)}-${FIXTURE_SHA256}"`);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(body.equals(FIXTURE)).toBe(true);
  });

  it.each([
    ['first byte', 'bytes=0-0', 0, 0],
    ['last byte', `bytes=${SIZE - 1}-${SIZE - 1}`, SIZE - 1, SIZE - 1],
    ['suffix of one byte', 'bytes=-1', SIZE - 1, SIZE - 1],
    ['suffix range', 'bytes=-500', SIZE - 500, SIZE - 1],
    ['open-ended range', 'bytes=219000-', 219000, SIZE - 1],
    ['end beyond the size (clamped)', `bytes=${SIZE - 10}-99999999`, SIZE - 10, SIZE - 1],
    ['suffix longer than the file', 'bytes=-99999999', 0, SIZE - 1],
    ['middle range', 'bytes=1000-1999', 1000, 1999],
  ])('serves the %s as 206', async (_name, range, start, end) => {
    const { res, body } = await get({ range });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(body.equals(FIXTURE.subarray(start, end + 1))).toBe(true);
  });

  it('answers 416 with the size for a range beyond the end', async () => {
    for (const range of [`bytes=${SIZE}-`, `bytes=${SIZE + 100}-${SIZE + 200}`, 'bytes=-0']) {
      const { res, body } = await get({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
      expect(body.byteLength).toBe(0);
    }
  });

  it('ignores a malformed or foreign-unit Range header and serves the whole file', async () => {
    for (const range of ['bytes=abc', 'bytes=10-5', 'items=0-1', 'bytes=1-2-3']) {
      const { res, body } = await get({ range });
      expect(res.status, range).toBe(200);
      expect(body.byteLength).toBe(SIZE);
    }
  });

  it('serves several ranges as multipart/byteranges', async () => {
    const { res, body } = await get({ range: 'bytes=0-9, 100-109, -5' });
    expect(res.status).toBe(206);
    const type = res.headers.get('content-type')!;
    const boundary = /^multipart\/byteranges; boundary=(\w+)$/.exec(type)?.[1];
    expect(boundary).toBeDefined();
    expect(res.headers.get('content-length')).toBe(String(body.byteLength));
    const text = body.toString('latin1');
    const parts = text.split(`--${boundary}`).slice(1, -1);
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    const expected: [number, number][] = [[0, 9], [100, 109], [SIZE - 5, SIZE - 1]];
    expect(parts).toHaveLength(3);
    parts.forEach((part, i) => {
      const [start, end] = expected[i]!;
      const [head, data] = part.split('\r\n\r\n') as [string, string];
      expect(head).toContain(`Content-Range: bytes ${start}-${end}/${SIZE}`);
      expect(head).toContain('Content-Type: video/mp4');
      expect(Buffer.from(data.replace(/\r\n$/, ''), 'latin1').equals(FIXTURE.subarray(start, end + 1))).toBe(true);
    });
  });

  it('serves the whole file instead of an absurd number of ranges', async () => {
    const range = `bytes=${Array.from({ length: 40 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
    const { res, body } = await get({ range });
    expect(res.status).toBe(200);
    expect(body.byteLength).toBe(SIZE);
  });

  it('honours If-Range only when the validator still matches', async () => {
    const { res } = await get();
    const etag = res.headers.get('etag')!;
    const lastModified = res.headers.get('last-modified')!;
    expect((await get({ range: 'bytes=0-99', 'if-range': etag })).res.status).toBe(206);
    expect((await get({ range: 'bytes=0-99', 'if-range': lastModified })).res.status).toBe(206);
    const stale = await get({ range: 'bytes=0-99', 'if-range': `"${SIZE.toString(16)}-${'0'.repeat(64)}"` });
    expect(stale.res.status).toBe(200);
    expect(stale.body.byteLength).toBe(SIZE);
    expect((await get({ range: 'bytes=0-99', 'if-range': `W/${etag}` })).res.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const whole = await get({}, 'HEAD');
    expect(whole.res.status).toBe(200);
    expect(whole.res.headers.get('content-length')).toBe(String(SIZE));
    expect(whole.res.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.body.byteLength).toBe(0);
    const part = await get({ range: 'bytes=10-19' }, 'HEAD');
    expect(part.res.status).toBe(206);
    expect(part.res.headers.get('content-range')).toBe(`bytes 10-19/${SIZE}`);
    expect(part.res.headers.get('content-length')).toBe('10');
    expect(part.body.byteLength).toBe(0);
  });
});
