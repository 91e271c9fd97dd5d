/**
 * Fuzzing every surface a client can reach, seeded and reproducible: HTTP bodies (from each
 * route's own schema, near misses and junk), query strings and path parameters, tus headers,
 * socket.io event payloads, and y-protocols frames (valid frames around invalid updates, random
 * awareness, random bytes). Oracles: no 5xx (or `internal` ack, or 4500 close), no crash, no stack
 * trace or SQL in any answer, the server healthy after every batch, and the stored notes of rooms
 * the fuzzer may not change — or changes only with invalid input — identical afterwards.
 *
 * `npm test` runs about 1 000 inputs in all; `npm run fuzz` sets KIJKKAMER_FUZZ_RUNS (≥ 10 000
 * per surface). KIJKKAMER_FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ERROR_CODES } from '../../shared/errors.ts';
import { messageAwareness, messageSync } from '../../shared/notes/protocol.ts';
import { roomQuery, type ClientToServer } from '../../shared/realtime/events.ts';
import { sharedDocName } from '../../server/src/notes/endpoint.ts';
import { anyJson, FUZZ_RUNS, FUZZ_SEED, hostile, LEAK, NASTY_STRINGS } from '../helpers/fuzz.ts';
import type { HttpClient } from '../helpers/http.ts';
import { consentBody, FIXTURE, TusClient } from '../helpers/media.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, type TestSocket } from '../helpers/sockets.ts';
import { ROUTES, send, type Req } from '../helpers/surface.ts';
import { buildWorld, ok, type World } from '../helpers/world.ts';
import { RawYjs } from '../helpers/yjs-raw.ts';

/** Inputs per surface: about 1 000 in all for CI, or KIJKKAMER_FUZZ_RUNS each. */
const RUNS = { body: FUZZ_RUNS ?? 300, query: FUZZ_RUNS ?? 150, tus: FUZZ_RUNS ?? 150, socket: FUZZ_RUNS ?? 200, yjs: FUZZ_RUNS ?? 200 };
const BATCH = 50;
const timeout = (runs: number) => 60_000 + runs * 40;

/** Every client → server event; a `Record`, so an event added to the map must be added here. */
const EVENTS: Record<keyof ClientToServer, true> = {
  'ping:time': true,
  'playhead:join': true,
  'playhead:leave': true,
  'playhead:clock': true,
  'playhead:command': true,
  'playhead:buffer': true,
  'playhead:solo': true,
  'playhead:position': true,
  'playhead:mode': true,
  'playhead:control': true,
  'playhead:media': true,
  'voice:status': true,
  'voice:join': true,
  'voice:leave': true,
  'voice:signal': true,
  'voice:state': true,
  'voice:activity': true,
  'voice:settings': true,
  'pointer:update': true,
};
const PAYLOAD_KEYS = ['type', 'position', 'seconds', 'frames', 'rate', 'state', 'version', 'solo', 'paused', 'mode', 'action', 'to', 'duration', 'frameRate', 'rtt', 'kind', 'x', 'y'];

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headerValue = fc.oneof(
  printable,
  fc.integer().map(String),
  fc.constantFrom('-1', '0', '1', '1.5', '1e3', '9007199254740993', '18446744073709551616', 'NaN', '', ' ', '0x10', '1.0.0', '0.2.2', 'filename', 'filename ,', 'a b,c d', 'filename bm9wZQ==,roomId QUFBQUFBQUFBQUFB'),
);

/** The stored notes of a room as a reader sees them: state vector and every top-level map. */
async function storedNotes(server: TestServer, roomId: string): Promise<string> {
  const bytes = await server.app.services.docStore.load(sharedDocName(roomId));
  const doc = new Y.Doc();
  if (bytes) Y.applyUpdate(doc, bytes);
  const maps = ['observations', 'meta', 'fragments', 'aandachtspunten', 'leerpunten'].map((k) => JSON.stringify(doc.getMap(k).toJSON()));
  return [Buffer.from(Y.encodeStateVector(doc)).toString('base64'), ...maps].join('\n');
}

describe('fuzzing every surface', () => {
  let server: TestServer;
  let w: World;
  /** A room of the host with consent and no video, so tus creates uploads there. */
  let uploadRoom: string;
  let uploadUrl: string;
  const tally = { body: 0, query: 0, tus: 0, socket: 0, yjs: 0, fiveHundreds: 0, leaks: 0 };
  /** Answers by status class, to see how far inputs got (a 2xx went through a handler). */
  const statuses: Record<string, number> = {};
  const failures: string[] = [];

  beforeAll(async () => {
    server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '10000', KIJKKAMER_ROOM_LIMIT: '10000' });
    w = await buildWorld(server);
    uploadRoom = (await ok(w.host.post<{ id: string }>('/api/rooms', { title: 'Uploadkamer' }), 201, 'room')).id;
    await ok(w.host.post(`/api/rooms/${uploadRoom}/consent`, consentBody()), 201, 'consent');
    uploadUrl = await new TusClient(w.host, uploadRoom).start(FIXTURE.byteLength);
  }, 120_000);
  afterAll(async () => {
    console.log(
      `fuzz (seed ${FUZZ_SEED}): inputs ${JSON.stringify({ body: tally.body, query: tally.query, tus: tally.tus, socket: tally.socket, yjs: tally.yjs })}, 5xx ${tally.fiveHundreds}, leaks ${tally.leaks}, crashes 0; HTTP answers ${JSON.stringify(statuses)}`,
    );
    await server?.dispose();
  }, 60_000);

  /** The oracles on one HTTP answer. */
  function judge(what: string, res: { status: number; text: string }): void {
    const klass = `${Math.floor(res.status / 100)}xx`;
    statuses[klass] = (statuses[klass] ?? 0) + 1;
    if (res.status >= 500) {
      tally.fiveHundreds++;
      failures.push(`${what}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    if (LEAK.test(res.text)) {
      tally.leaks++;
      failures.push(`${what}: leaks ${res.text.slice(0, 300)}`);
    }
  }

  /** After every batch: the server answers, and the notes it must not have changed are unchanged. */
  async function healthy(untouched: Map<string, string>): Promise<void> {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    for (const [roomId, before] of untouched) expect(await storedNotes(server, roomId), `notes of ${roomId}`).toBe(before);
  }

  const notesOf = async (...roomIds: string[]) => new Map(await Promise.all(roomIds.map(async (id) => [id, await storedNotes(server, id)] as const)));

  async function run<T>(name: keyof typeof RUNS, arb: fc.Arbitrary<T>, input: (value: T) => Promise<void>, untouched: Map<string, string>): Promise<void> {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(arb, async (value) => {
        await input(value);
        tally[name]++;
        if (++n % BATCH === 0) await healthy(untouched);
        expect(failures).toEqual([]);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS[name], endOnFailure: true },
    );
    await healthy(untouched);
  }

  it('HTTP bodies: every route with a body, from its schema, near misses and junk', async () => {
    const cases = ROUTES.filter((c) => c.schemas?.body && !c.last);
    const body = fc.oneof(
      ...cases.map((c) => fc.tuple(fc.constant(c), hostile(c.schemas!.body as never))),
      // Not JSON at all, or announced as something else.
      fc.tuple(fc.constantFrom(...cases), fc.oneof(printable, fc.constantFrom('{"a":', '[1,2', '{"__proto__":', '\u0000'))).map(([c, text]) => [c, { raw: text }] as const),
    );
    await run(
      'body',
      body,
      async ([c, value]) => {
        const req: Req = await c.request(w, w.x, false);
        const raw = typeof value === 'object' && value !== null && 'raw' in value ? (value as { raw: string }).raw : null;
        const body = raw ?? JSON.stringify(value) ?? 'null';
        const res = await send(server.url, w.host, { ...req, body }, { 'content-type': raw !== null && raw.length % 2 ? 'text/plain' : 'application/json' });
        judge(`${c.route} ${JSON.stringify(value)?.slice(0, 200)}`, res);
      },
      await notesOf(w.a.id, w.b.id),
    );
  }, timeout(RUNS.body));

  it('HTTP query strings and path parameters', async () => {
    const routes = ROUTES.filter((c) => !c.last);
    const segment = fc.oneof(
      fc.constantFrom(w.x.id, w.x.fragmentId, w.x.uploadId, String(w.x.versionId), w.b.id, w.b.fragmentId),
      // A lone surrogate cannot be percent-encoded: it goes as its UTF-8 replacement.
      fc.constantFrom(...NASTY_STRINGS.map((s) => encodeURIComponent(s.slice(0, 200).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')))),
      printable.map(encodeURIComponent),
      fc.integer().map(String),
    );
    const query = fc.dictionary(fc.oneof(fc.constantFrom('pseudonymise', 'includeVideo', 'format', '__proto__', 'a[b]'), printable), fc.oneof(printable, fc.constantFrom('true', 'false', '1', '')), {
      maxKeys: 4,
    });
    await run(
      'query',
      fc.tuple(fc.constantFrom(...routes), fc.array(segment, { minLength: 3, maxLength: 3 }), query, fc.boolean()),
      async ([c, segments, q, keepIds]) => {
        const [method, pattern] = c.route.split(' ') as [string, string];
        let i = 0;
        // A DELETE is never sent at a real object: the point is the parser, not removing the world.
        const real = new Set([w.x.id, w.x.fragmentId, w.x.uploadId, String(w.x.versionId), w.b.id, w.b.fragmentId]);
        const fill = () => {
          const s = segments[i++]!;
          return method === 'DELETE' && real.has(s) ? 'AAAAAAAAAAAA' : s;
        };
        const path = keepIds && method !== 'DELETE' ? (await c.request(w, w.x, false)).path.split('?')[0]! : pattern.replace(/:[A-Za-z]+/g, fill);
        const qs = new URLSearchParams(q as Record<string, string>).toString();
        const res = await send(server.url, w.host, { method, path: qs ? `${path}?${qs}` : path, ...(method === 'GET' || method === 'HEAD' ? {} : { body: {} }) });
        judge(`${method} ${path}?${qs}`, res);
      },
      await notesOf(w.a.id, w.b.id),
    );
  }, timeout(RUNS.query));

  it('tus headers on create, PATCH, HEAD, DELETE and OPTIONS', async () => {
    const headers = fc.dictionary(
      fc.constantFrom('tus-resumable', 'upload-length', 'upload-offset', 'upload-metadata', 'upload-defer-length', 'upload-concat', 'content-type', 'x-http-method-override', 'x-forwarded-proto', 'x-forwarded-host'),
      headerValue,
      { maxKeys: 6 },
    );
    await run(
      'tus',
      fc.tuple(fc.constantFrom('POST', 'PATCH', 'HEAD', 'DELETE', 'OPTIONS'), headers, fc.uint8Array({ maxLength: 64 }), fc.boolean()),
      async ([method, h, bytes, atUpload]) => {
        const path = method === 'POST' || !atUpload ? `/api/rooms/${uploadRoom}/uploads` : new URL(uploadUrl).pathname;
        const res = await fetch(server.url + path, {
          method,
          headers: { cookie: w.host.cookieHeader, ...(h as Record<string, string>) },
          body: method === 'PATCH' || method === 'POST' ? bytes : undefined,
        });
        judge(`tus ${method} ${path} ${JSON.stringify(h)}`, { status: res.status, text: method === 'HEAD' ? '' : await res.text() });
      },
      await notesOf(w.a.id, w.b.id, w.x.id),
    );
  }, timeout(RUNS.tus));

  it('socket.io: every event with any payload, with and without an acknowledgement', async () => {
    const members: HttpClient[] = [w.a.members.begeleider, w.a.members.meekijker, w.x.members.client];
    let socket = null as TestSocket | null;
    let sent = 0;
    const fresh = async (): Promise<TestSocket> => {
      socket?.disconnect();
      const http = members[sent % members.length]!;
      const roomId = http === w.x.members.client ? w.x.id : w.a.id;
      const s = connect(server.url, { auth: { roomId }, query: roomQuery(roomId), extraHeaders: { cookie: http.cookieHeader }, transports: ['websocket'], reconnection: false, forceNew: true }) as TestSocket;
      await connected(s);
      await s.emitWithAck('playhead:join');
      return s;
    };
    const payload = fc.oneof(anyJson, fc.dictionary(fc.constantFrom(...PAYLOAD_KEYS), anyJson, { maxKeys: 4 }));
    try {
      await run(
        'socket',
        fc.tuple(fc.constantFrom(...(Object.keys(EVENTS) as (keyof ClientToServer)[])), fc.array(payload, { maxLength: 3 }), fc.boolean()),
        async ([event, args, withAck]) => {
          // A fresh connection every 40 messages keeps each under the per-connection rate limit.
          if (sent++ % 40 === 0) socket = await fresh();
          const s = socket as unknown as { timeout(ms: number): { emitWithAck(e: string, ...a: unknown[]): Promise<unknown> }; emit(e: string, ...a: unknown[]): void; connected: boolean };
          if (withAck) {
            const ack = await s
              .timeout(10_000)
              .emitWithAck(event, ...args)
              .catch(() => 'no answer');
            const okShape = typeof ack === 'number' || (typeof ack === 'object' && ack !== null && typeof (ack as { ok?: unknown }).ok === 'boolean');
            const code = (ack as { error?: { code?: string } })?.error?.code;
            if (!okShape || (code !== undefined && (!(code in ERROR_CODES) || code === 'internal'))) failures.push(`${event} ${JSON.stringify(args)}: ack ${JSON.stringify(ack)}`);
          } else {
            s.emit(event, ...args);
          }
          if (!s.connected) failures.push(`${event} ${JSON.stringify(args)}: the server dropped the connection`);
        },
        await notesOf(w.a.id, w.b.id, w.x.id),
      );
    } finally {
      socket?.disconnect();
    }
  }, timeout(RUNS.socket));

  it('y-protocols frames: invalid updates in valid frames, random awareness, random bytes; the notes stay as they were', async () => {
    const frame = (write: (e: encoding.Encoder) => void) => {
      const e = encoding.createEncoder();
      write(e);
      return encoding.toUint8Array(e);
    };
    const invalidUpdate = fc.uint8Array({ minLength: 1, maxLength: 120 }).filter((u) => {
      try {
        Y.decodeUpdate(u);
        return false;
      } catch {
        return true;
      }
    });
    const awarenessState = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), printable, fc.constantFrom('null', '{', '{"user":{"name":"<img src=x onerror=alert(1)>"}}'));
    const frames = fc.oneof(
      invalidUpdate.chain((u) => fc.constantFrom(1, 2).map((sub) => frame((e) => (encoding.writeVarUint(e, messageSync), encoding.writeVarUint(e, sub), encoding.writeVarUint8Array(e, u))))),
      fc.uint8Array({ maxLength: 40 }).map((sv) => frame((e) => (encoding.writeVarUint(e, messageSync), encoding.writeVarUint(e, 0), encoding.writeVarUint8Array(e, sv)))),
      fc.tuple(fc.nat({ max: 9 }), fc.uint8Array({ maxLength: 60 })).map(([sub, rest]) => frame((e) => (encoding.writeVarUint(e, messageSync), encoding.writeVarUint(e, sub), encoding.writeUint8Array(e, rest)))),
      fc.array(fc.tuple(fc.nat(), fc.nat(), awarenessState), { maxLength: 3 }).map((states) =>
        frame((e) => {
          encoding.writeVarUint(e, messageAwareness);
          encoding.writeVarUint8Array(
            e,
            frame((inner) => {
              encoding.writeVarUint(inner, states.length);
              for (const [client, clock, state] of states) (encoding.writeVarUint(inner, client), encoding.writeVarUint(inner, clock), encoding.writeVarString(inner, state));
            }),
          );
        }),
      ),
      fc.uint8Array({ maxLength: 80 }).map((bytes) => frame((e) => (encoding.writeVarUint(e, messageAwareness), encoding.writeUint8Array(e, bytes)))),
      fc.constantFrom(Uint8Array.of(3), Uint8Array.of(2, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), new Uint8Array(0)),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat({ max: 3 }).map((k) => new Uint8Array(256 * 1024 + 1 + k)),
    );
    const who = [
      { http: w.a.members.begeleider, name: w.a.id },
      { http: w.a.members.meekijker, name: w.a.id },
      { http: w.a.members.klantmanager, name: `${w.a.id}/private` },
    ];
    const allowedCloses = new Set([4400, 4413, 4429]);
    let conn: RawYjs | null = null;
    let sent = 0;
    try {
      await run(
        'yjs',
        frames,
        async (bytes) => {
          if (sent++ % 20 === 0 || !conn) {
            const previous = conn;
            if (previous) {
              // The batch so far has been handled (or refused) before the next connection starts.
              await previous.flush().catch(() => null);
              previous.close();
            }
            const target = who[Math.floor(sent / 20) % who.length]!;
            const opened = await RawYjs.open(server.url, target.name, { cookie: target.http.cookieHeader });
            if (!(opened instanceof RawYjs)) throw new Error(`cannot open ${target.name}: ${JSON.stringify(opened)}`);
            conn = opened;
            void opened.closed.then((code) => {
              // 1006: we dropped it ourselves at the end of a batch.
              if (!allowedCloses.has(code) && code !== 1006) failures.push(`yjs closed with ${code} after ${Buffer.from(bytes).toString('hex').slice(0, 120)}`);
              if (conn === opened) conn = null;
            });
          }
          conn.send(bytes);
        },
        await notesOf(w.a.id, w.b.id, w.x.id),
      );
    } finally {
      (conn as RawYjs | null)?.close();
    }
  }, timeout(RUNS.yjs));
});
