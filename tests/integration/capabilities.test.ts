/**
 * The capability matrix: every HTTP route, every socket.io event and both Yjs endpoints, asked by
 * everyone who might (no session, a garbled token, an expired session, a revoked invite, staff of
 * another room, every role of the room, a participant of another room using this room's ids, and
 * this room's host with another room's object ids), in two rooms — one with the default permission
 * table and one with every non-host permission flipped — and compared with the documented answer
 * (docs/security.md). The registry (tests/helpers/surface.ts) must name exactly the routes and
 * events the server has. Cross-origin requests with a valid cookie are refused everywhere.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres.ts';
import * as Y from 'yjs';
import { permissionsFor, type PermissionSet, type Role } from '../../shared/access/roles.ts';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.ts';
import { readFragments } from '../../shared/kijkwijzer/doc.ts';
import { addObservation, metaMap, readObservations } from '../../shared/notes/doc.ts';
import { roomQuery, type ClientToServer } from '../../shared/realtime/events.ts';
import { sharedDocName } from '../../server/src/notes/endpoint.ts';
import { HttpClient } from '../helpers/http.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, type TestSocket } from '../helpers/sockets.ts';
import { expectedStatus, ROUTES, send, subjectsFor, withHead, type Req, type RouteCase, type Subject } from '../helpers/surface.ts';
import { buildWorld, ok, type MatrixRoom, type World } from '../helpers/world.ts';
import { RawYjs, updateFrame } from '../helpers/yjs-raw.ts';

const CASES = withHead(ROUTES);
const FOREIGN_ORIGINS: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const codeFor = (status: number): ErrorCode => (Object.keys(ERROR_CODES) as ErrorCode[]).find((k) => ERROR_CODES[k] === status)!;
const label = (c: RouteCase) => `${c.route}${c.variant ? ` [${c.variant}]` : ''}`;

/** Every route the server registered, from Fastify's own route tree: `METHOD /path`. */
function registeredRoutes(server: TestServer): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of server.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(path);
    for (const method of (m[3] ?? '').split(', ')) if (/^[A-Z]+$/.test(method)) out.push(`${method} ${path}`);
  }
  return out;
}

/**
 * The row count of every table, and the content of the two rooms' documents. Not counted: sessions
 * (an expired one is removed when presented) and the documents' update log (compaction folds it).
 */
async function snapshot(w: World): Promise<string> {
  const db = w.server.app.services.db;
  const tables = await db
    .prepare<[], { name: string }>(
      db.dialect === 'postgres'
        ? "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('sessions', 'doc_state', 'doc_updates') ORDER BY tablename"
        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sessions', 'doc_state', 'doc_updates') ORDER BY name",
    )
    .all();
  const counts: string[] = [];
  for (const { name } of tables) counts.push(`${name}=${(await db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${name}"`).get())!.n}`);
  const docs: string[] = [];
  for (const r of [w.a, w.x]) {
    const doc = await w.server.app.services.notes.getDoc(sharedDocName(r.id));
    docs.push(JSON.stringify([readObservations(doc), readFragments(doc), metaMap(doc).toJSON()]));
  }
  return [...counts, ...docs].join('\n');
}

// The same matrix on both stores: every answer comes from the store's rows (sessions, participants,
// permission tables), so PostgreSQL must give exactly SQLite's.
describe.each(['sqlite', 'postgres'] as const)('capability matrix on %s', (backend) => {
  let server: TestServer;
  let w: World;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  const cells = { http: 0, foreign: 0, crossOrigin: 0, socketHandshake: 0, socketEvent: 0, yjs: 0 };

  beforeAll(async () => {
    database = backend === 'postgres' ? await createTestDatabase(inject('postgresUrl')) : null;
    server = await startServer({ KIJKKAMER_SIGNIN_LIMIT: '10000', KIJKKAMER_ROOM_LIMIT: '10000', ...(database ? { DATABASE_URL: database.url } : {}) });
    w = await buildWorld(server);
  }, 120_000);
  afterAll(async () => {
    const total = Object.values(cells).reduce((a, b) => a + b, 0);
    console.log(`capability matrix: ${total} cells checked (${JSON.stringify(cells)})`);
    await server?.dispose();
    await database?.drop();
  });

  /** One cell: the status, and for a refusal the error code in the body. */
  async function check(c: RouteCase, s: Subject, req: Req, want: number, extra: Record<string, string> = {}): Promise<string | null> {
    const res = await send(server.url, s.http, req, extra);
    const where = `${label(c)} as ${s.label}${extra.origin || extra['sec-fetch-site'] ? ` with ${JSON.stringify(extra)}` : ''}`;
    if (res.status !== want) return `${where}: ${res.status}, documented ${want} ${res.text.slice(0, 160)}`;
    if (want >= 400 && req.method !== 'HEAD') {
      const code = (JSON.parse(res.text) as { error?: { code?: string } }).error?.code;
      if (code !== codeFor(want)) return `${where}: error code ${code}, documented ${codeFor(want)}`;
    }
    return null;
  }

  const roomsOf = (c: RouteCase): MatrixRoom[] => (c.inRoom ? [w.a, w.x] : [w.a]);

  it('names every route the server has in the registry, and none it lacks', () => {
    const registered = registeredRoutes(server);
    const api = registered.filter((r) => r.split(' ')[1]!.startsWith('/api/'));
    const known = new Set(CASES.map((c) => c.route));
    expect(api.filter((r) => !known.has(r))).toEqual([]);
    expect([...known].filter((r) => !api.includes(r))).toEqual([]);
    // Everything else is the built client's files, read-only and public.
    const clientFiles = new Set(readdirSync(join(process.cwd(), 'dist/client'), { recursive: true }).map((f) => `/${String(f)}`));
    for (const r of registered.filter((x) => !api.includes(x))) {
      const [method, path] = r.split(' ') as [string, string];
      expect(['GET', 'HEAD'], r).toContain(method);
      expect(clientFiles.has(path), r).toBe(true);
    }
  });

  it('refuses everyone who may not, on every route, with the documented status, and changes nothing', async () => {
    const before = await snapshot(w);
    const wrong: string[] = [];
    for (const c of CASES.filter((x) => !x.last)) {
      for (const room of roomsOf(c)) {
        for (const s of subjectsFor(w, room)) {
          const want = expectedStatus(c, s, room);
          if (want === c.allowed) continue;
          cells.http++;
          const problem = await check(c, s, await c.request(w, room, false), want);
          if (problem) wrong.push(problem);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await snapshot(w)).toBe(before);
  }, 120_000);

  it('answers everyone who may, on every route, with the documented answer', async () => {
    const wrong: string[] = [];
    for (const c of CASES.filter((x) => !x.last && !x.destroys)) {
      for (const room of roomsOf(c)) {
        for (const s of subjectsFor(w, room)) {
          const want = expectedStatus(c, s, room);
          if (want !== c.allowed) continue;
          cells.http++;
          const problem = await check(c, s, await c.request(w, room, true), want);
          if (problem) wrong.push(problem);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("answers 404 to another room's object ids in this room's paths (invites, versions, fragments, uploads, trajects)", async () => {
    const wrong: string[] = [];
    for (const c of CASES.filter((x) => x.foreign)) {
      for (const room of roomsOf(c)) {
        const host: Subject = { label: 'host', http: w.host, kind: 'member', role: 'begeleider' };
        cells.foreign++;
        const problem = await check(c, host, c.foreign!(w, room), 404);
        if (problem) wrong.push(problem);
      }
    }
    expect(wrong).toEqual([]);
    expect(cells.foreign).toBeGreaterThanOrEqual(15);
  }, 60_000);

  it("reveals nothing when given another room's observation ids", async () => {
    // B's observations, and a private one of B's participant: ids that exist, elsewhere.
    const bDoc = await server.app.services.notes.getDoc(sharedDocName(w.b.id));
    const bObservation = addObservation(bDoc, { start: 1, end: null, themes: [], kind: 'zie', text: 'van kamer B', authorId: 'b', authorName: 'B', role: 'onderzoeker' });
    for (const room of [w.a, w.x]) {
      const before = await snapshot(w);
      cells.foreign++;
      const res = await send(server.url, w.host, { method: 'POST', path: `/api/rooms/${room.id}/notes/reveal`, body: { ids: [bObservation] } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ revealed: [] });
      expect(await snapshot(w)).toBe(before);
    }
    expect(readObservations(await server.app.services.notes.getDoc(sharedDocName(w.b.id))).map((o) => o.text)).toEqual(['van kamer B']);
  });

  it('refuses every state-changing route from another origin, even with the host’s cookie, and changes nothing', async () => {
    const before = await snapshot(w);
    const wrong: string[] = [];
    const host: Subject = { label: 'host', http: w.host, kind: 'member', role: 'begeleider' };
    for (const c of CASES.filter((x) => STATE_CHANGING.has(x.route.split(' ')[0]!))) {
      for (const headers of FOREIGN_ORIGINS) {
        cells.crossOrigin++;
        const problem = await check(c, host, await c.request(w, w.a, false), 403, headers);
        if (problem) wrong.push(problem);
      }
    }
    expect(wrong).toEqual([]);
    expect(await snapshot(w)).toBe(before);
    // Same origin passes, so the refusals above are about the origin and nothing else.
    expect((await send(server.url, w.host, { method: 'POST', path: '/api/rooms', body: { title: 'Eigen origin' } }, { origin: server.url })).status).toBe(201);
  }, 60_000);

  // ---- socket.io ----------------------------------------------------------------------------------

  const socketFor = (http: HttpClient, roomId: string, headers: Record<string, string> = {}): TestSocket =>
    connect(server.url, { auth: { roomId }, query: roomQuery(roomId), extraHeaders: { cookie: http.cookieHeader, ...headers }, transports: ['websocket'], reconnection: false, forceNew: true });

  /** 'connected', or the connect_error code. */
  async function handshake(http: HttpClient, roomId: string, headers: Record<string, string> = {}): Promise<string> {
    const socket = socketFor(http, roomId, headers);
    try {
      return await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => resolve((err as { data?: { code?: string } }).data?.code ?? err.message));
      });
    } finally {
      socket.disconnect();
    }
  }

  type Answer = 'ok' | ErrorCode;
  const answer = (ack: { ok: boolean; error?: { code: ErrorCode } }): Answer => (ack.ok ? 'ok' : ack.error!.code);

  /**
   * Every client → server event, in the order a session sends them, with who may send it.
   * A `Record` over the event map: an event added to shared/realtime/events.ts without a line
   * here does not compile, and the server's handler list is compared below.
   */
  /** `allowed` is the documented answer to a caller who may, when that is not 'ok'. */
  const EVENTS: Record<keyof ClientToServer, { may: (p: PermissionSet) => boolean; allowed?: Answer; send: (s: TestSocket, host: TestSocket, me: string) => Promise<Answer> }> = {
    'ping:time': { may: () => true, send: async (s) => (typeof (await s.emitWithAck('ping:time')) === 'number' ? 'ok' : 'bad_request') },
    'playhead:join': { may: () => true, send: async (s) => answer(await s.emitWithAck('playhead:join')) },
    'playhead:clock': { may: () => true, send: async (s) => answer(await s.emitWithAck('playhead:clock', { rtt: 20 })) },
    'playhead:media': { may: (p) => p.controlPlayback, send: async (s) => answer(await s.emitWithAck('playhead:media', { duration: 20, frameRate: 25 })) },
    'playhead:command': { may: (p) => p.controlPlayback, send: async (s) => answer(await s.emitWithAck('playhead:command', { type: 'seek', position: 2 })) },
    'playhead:buffer': { may: () => true, send: async (s) => answer(await s.emitWithAck('playhead:buffer', { state: 'ready', version: 0 })) },
    'playhead:solo': { may: () => true, send: async (s) => answer(await s.emitWithAck('playhead:solo', { solo: true })) },
    'playhead:position': {
      may: () => true,
      async send(s) {
        const a = answer(await s.emitWithAck('playhead:position', { position: 4, paused: true, rate: 1 }));
        await s.emitWithAck('playhead:solo', { solo: false });
        return a;
      },
    },
    'playhead:mode': { may: (p) => p.manageRoom, send: async (s) => answer(await s.emitWithAck('playhead:mode', { mode: 'everyone' })) },
    'playhead:control': {
      may: (p) => p.controlPlayback,
      async send(s, host) {
        // Asking for control means something only while someone presents.
        expect(await host.emitWithAck('playhead:mode', { mode: 'presenter' })).toEqual({ ok: true });
        try {
          return answer(await s.emitWithAck('playhead:control', { action: 'request' }));
        } finally {
          expect(await host.emitWithAck('playhead:mode', { mode: 'everyone' })).toEqual({ ok: true });
        }
      },
    },
    'playhead:leave': { may: () => true, send: async (s) => answer(await s.emitWithAck('playhead:leave')) },
    // The call: anyone in the room may be in it; messages about one's own stay need a join first.
    'voice:status': { may: () => true, send: async (s) => answer(await s.emitWithAck('voice:status')) },
    'voice:join': { may: () => true, send: async (s) => inCall(s, async () => 'ok') },
    'voice:state': { may: () => true, send: async (s) => inCall(s, async () => answer(await s.emitWithAck('voice:state', { muted: true, camera: false }))) },
    // Talking is reported only with the microphone on.
    'voice:activity': { may: () => true, send: async (s) => inCall(s, async () => answer(await s.emitWithAck('voice:activity', { speaking: false })), false) },
    'voice:signal': {
      may: () => true,
      // Past validation and the membership check, a signal to someone not in the call goes nowhere.
      allowed: 'not_found',
      send: async (s) =>
        inCall(s, async () =>
          answer(await s.emitWithAck('voice:signal', { to: 'nobody-here', kind: 'candidate', candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null } })),
        ),
    },
    'voice:leave': { may: () => true, send: async (s) => answer(await s.emitWithAck('voice:leave')) },
    'voice:settings': { may: (p) => p.manageRoom, send: async (s) => answer(await s.emitWithAck('voice:settings', { pauseOnTalk: false })) },
    // The live pointer: whoever may annotate (write observations) points.
    'pointer:update': {
      may: (p) => p.editObservations,
      async send(s) {
        const moved = answer(await s.emitWithAck('pointer:update', { kind: 'move', x: 5000, y: 2500 }));
        if (moved === 'ok') expect(await s.emitWithAck('pointer:update', { kind: 'hide' })).toEqual({ ok: true });
        return moved;
      },
    },
  };

  /** Joins the call (muted unless asked), runs `then`, and leaves again; a refused join is the answer. */
  async function inCall(s: TestSocket, then: () => Promise<Answer>, muted = true): Promise<Answer> {
    const joined = answer(await s.emitWithAck('voice:join', { muted, camera: false, resume: null }));
    if (joined !== 'ok') return joined;
    try {
      return await then();
    } finally {
      await s.emitWithAck('voice:leave');
    }
  }

  it('handles exactly the socket.io events of the registry', async () => {
    const socket = socketFor(w.host, w.a.id);
    try {
      await connected(socket);
      const [serverSide] = await server.app.services.realtime.io.in(`room:${w.a.id}`).fetchSockets();
      const handled = (server.app.services.realtime.io.sockets.sockets.get(serverSide!.id)!.eventNames() as string[]).filter((e) => e !== 'disconnect' && e !== 'error');
      expect(handled.sort()).toEqual(Object.keys(EVENTS).sort());
    } finally {
      socket.disconnect();
    }
  });

  it('lets into a room’s socket.io only its members, and answers every event per the room’s table', async () => {
    const wrong: string[] = [];
    for (const room of [w.a, w.x]) {
      for (const s of subjectsFor(w, room)) {
        cells.socketHandshake++;
        const want = s.kind === 'outsider' ? 'unauthorised' : s.kind === 'otherStaff' ? 'forbidden' : 'connected';
        const got = await handshake(s.http, room.id);
        if (got !== want) wrong.push(`socket.io handshake to ${room.id === w.a.id ? 'A' : 'X'} as ${s.label}: ${got}, documented ${want}`);
      }
      for (const headers of FOREIGN_ORIGINS) {
        cells.socketHandshake++;
        const got = await handshake(w.host, room.id, headers);
        if (got !== 'forbidden') wrong.push(`socket.io handshake with ${JSON.stringify(headers)}: ${got}`);
      }

      const host = socketFor(w.host, room.id);
      await connected(host);
      expect(answer(await host.emitWithAck('playhead:join'))).toBe('ok');
      try {
        for (const [role, http] of Object.entries(room.members) as [Role, HttpClient][]) {
          const p = permissionsFor(role, room.overrides);
          const s = role === 'begeleider' ? host : socketFor(http, room.id);
          if (s !== host) await connected(s);
          try {
            for (const [event, spec] of Object.entries(EVENTS) as [keyof ClientToServer, (typeof EVENTS)[keyof ClientToServer]][]) {
              cells.socketEvent++;
              const want: Answer = spec.may(p) ? (spec.allowed ?? 'ok') : 'forbidden';
              const got = await spec.send(s, host, role);
              if (got !== want) wrong.push(`${event} as ${role} in ${room.id === w.a.id ? 'A' : 'X'}: ${got}, documented ${want}`);
            }
          } finally {
            if (s !== host) s.disconnect();
          }
          // The host left the playhead in its last event: join again for the next role's mode switches.
          if (s === host) expect(answer(await host.emitWithAck('playhead:join'))).toBe('ok');
        }
      } finally {
        host.disconnect();
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  // ---- Yjs ---------------------------------------------------------------------------------------

  it('opens both Yjs documents only to whom the table allows, and drops writes of roles that may not write', async () => {
    const wrong: string[] = [];
    for (const room of [w.a, w.x]) {
      const where = room.id === w.a.id ? 'A' : 'X';
      for (const s of subjectsFor(w, room)) {
        for (const doc of ['shared', 'private'] as const) {
          cells.yjs++;
          const p = s.kind === 'member' ? permissionsFor(s.role, room.overrides) : null;
          // The private document is a writing space of one's own: roles that cannot write have none.
          const want = s.kind === 'outsider' ? 4401 : s.kind === 'otherStaff' ? 4403 : doc === 'private' && !p!.editObservations ? 4403 : 'open';
          const conn = await RawYjs.open(server.url, doc === 'shared' ? room.id : `${room.id}/private`, { cookie: s.http.cookieHeader });
          const got = conn instanceof RawYjs ? 'open' : 'closedWith' in conn ? conn.closedWith : `HTTP ${conn.status}`;
          if (got !== want) wrong.push(`/yjs/${where}${doc === 'private' ? '/private' : ''} as ${s.label}: ${got}, documented ${want}`);
          if (!(conn instanceof RawYjs)) continue;
          try {
            if (doc === 'shared' && s.kind === 'member') {
              // A write, then a flush: the answer is the document after the hub handled the write.
              cells.yjs++;
              const mine = new Y.Doc();
              const text = `matrix ${where} ${s.role}`;
              addObservation(mine, { start: 1, end: null, themes: [], kind: 'notitie', text, authorId: 'x', authorName: s.role, role: s.role });
              conn.send(updateFrame(Y.encodeStateAsUpdate(mine)));
              const landed = readObservations(await conn.flush()).some((o) => o.text === text);
              if (landed !== p!.editObservations) wrong.push(`write to /yjs/${where} as ${s.role}: ${landed ? 'stored' : 'dropped'}`);
            }
          } finally {
            conn.close();
          }
        }
      }
      for (const headers of FOREIGN_ORIGINS) {
        for (const name of [room.id, `${room.id}/private`]) {
          cells.yjs++;
          const conn = await RawYjs.open(server.url, name, { cookie: w.host.cookieHeader, ...headers });
          if (conn instanceof RawYjs) conn.close();
          if (!('status' in conn) || conn.status !== 403) wrong.push(`/yjs/${name} with ${JSON.stringify(headers)}: not refused`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  // ---- last: what consumes the room, the video or the session ------------------------------------

  it('runs what destroys in a fresh room for everyone who may', async () => {
    const wrong: string[] = [];
    for (const c of CASES.filter((x) => x.destroys)) {
      for (const room of roomsOf(c)) {
        for (const s of subjectsFor(w, room)) {
          if (s.kind !== 'member' || expectedStatus(c, s, room) !== c.allowed) continue;
          // A room of its own with the same table, where this role is the one asking.
          const fresh = await ok(w.host.post<{ id: string }>('/api/rooms', { title: `Wegwerpkamer ${s.role}` }), 201, 'room');
          if (Object.keys(room.overrides).length > 0) await ok(w.host.put(`/api/rooms/${fresh.id}/permissions`, room.overrides), 200, 'permissions');
          let actor = w.host;
          if (s.role !== 'begeleider') {
            const { token } = await ok(w.host.post<{ token: string }>(`/api/rooms/${fresh.id}/invites`, { role: s.role }), 201, 'invite');
            actor = new HttpClient(server.url);
            await ok(actor.post(`/api/rooms/${fresh.id}/join`, { token, displayName: s.role }), 201, 'join');
          }
          cells.http++;
          const problem = await check(c, { ...s, http: actor }, await c.destroys!(w, fresh.id, w.host), c.allowed);
          if (problem) wrong.push(problem);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('signs out anyone who asks (204), last', async () => {
    const wrong: string[] = [];
    for (const c of CASES.filter((x) => x.last)) {
      for (const s of subjectsFor(w, w.a)) {
        cells.http++;
        const problem = await check(c, s, await c.request(w, w.a, true), expectedStatus(c, s, w.a));
        if (problem) wrong.push(problem);
      }
    }
    expect(wrong).toEqual([]);
    expect((await w.host.get('/api/auth/me')).status).toBe(401);
  });
});
