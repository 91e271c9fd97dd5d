/**
 * Defence in depth against cross-site request forgery and cross-site WebSocket hijacking: a
 * state-changing request or a WebSocket handshake that a browser marks as coming from another
 * origin is refused, even with a valid session cookie. Scripts that send no Origin pass.
 */
import { io as connect } from 'socket.io-client';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../shared/api/schemas.ts';
import { roomQuery } from '../../shared/realtime/events.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, connectError } from '../helpers/sockets.ts';

type ErrorBody = { error: { code: string; message: string } };

const FOREIGN = [
  { origin: 'http://evil.example' },
  { origin: 'null' },
  { 'sec-fetch-site': 'cross-site' },
  { 'sec-fetch-site': 'same-site' },
] as const;

/** How a raw WebSocket handshake with these headers ends: the HTTP status of a refusal, or 'open'. */
function handshake(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('cross-origin requests with a valid cookie', () => {
  let server: TestServer;
  let host: HttpClient;
  let room: Room;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    room = await createRoom(host);
  });
  afterAll(() => server.dispose());

  it('refuses state-changing requests from another origin with 403 and changes nothing', async () => {
    for (const headers of FOREIGN) {
      const created = await host.request<ErrorBody>('POST', '/api/rooms', { title: 'Via een andere site' }, headers);
      expect(created.status, JSON.stringify(headers)).toBe(403);
      expect(created.body.error.code).toBe('forbidden');
      expect(created.body.error.message).toMatch(/origin/i);
      expect((await host.request('PUT', `/api/rooms/${room.id}/permissions`, { coach: { export: true } }, headers)).status).toBe(403);
      expect((await host.request('DELETE', `/api/rooms/${room.id}`, undefined, headers)).status).toBe(403);
    }
    const rooms = await host.get<{ rooms: Room[] }>('/api/rooms');
    expect(rooms.body.rooms.map((r) => r.title)).not.toContain('Via een andere site');
    expect((await host.get(`/api/rooms/${room.id}`)).status).toBe(200);
    expect((await host.get<Record<string, Record<string, boolean>>>(`/api/rooms/${room.id}/permissions`)).body.coach!.export).toBe(false);
  });

  it('refuses a cross-origin sign-out, so another site cannot end a session either', async () => {
    const other = await signedInAdmin(server);
    expect((await other.request('POST', '/api/auth/signout', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await other.get('/api/auth/me')).status).toBe(200);
  });

  it('accepts its own origin (the address it is reached at, or PUBLIC_URL) and scripts without one', async () => {
    expect((await host.request('POST', '/api/rooms', { title: 'Eigen origin' }, { origin: server.url, 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect((await host.request('POST', '/api/rooms', { title: 'Zonder origin' })).status).toBe(201);
    // Behind a proxy that does not pass the Host on, PUBLIC_URL is the origin people use.
    const proxied = await startServer({ PUBLIC_URL: 'https://kijkkamer.gemeente.example' });
    try {
      const viaProxy = await signedInAdmin(proxied);
      proxied.app.services.config.publicUrl = 'https://kijkkamer.gemeente.example';
      expect((await viaProxy.request('POST', '/api/rooms', { title: 'Via de proxy' }, { origin: 'https://kijkkamer.gemeente.example' })).status).toBe(201);
      expect((await viaProxy.request('POST', '/api/rooms', { title: 'Via de proxy' }, { origin: 'https://kijkkamer.evil.example' })).status).toBe(403);
    } finally {
      await proxied.dispose();
    }
  });

  it('leaves reading alone: a GET from another origin carries no risk and is answered', async () => {
    expect((await host.request('GET', `/api/rooms/${room.id}`, undefined, { origin: 'http://evil.example' })).status).toBe(200);
  });

  it('refuses a Yjs WebSocket handshake from another origin before it is upgraded', async () => {
    const url = `${server.url.replace(/^http/, 'ws')}/yjs/${room.id}`;
    for (const headers of FOREIGN) expect(await handshake(url, { cookie: host.cookieHeader, ...headers }), JSON.stringify(headers)).toBe(403);
    expect(await handshake(`${url}/private`, { cookie: host.cookieHeader, origin: 'http://evil.example' })).toBe(403);
    expect(await handshake(url, { cookie: host.cookieHeader, origin: server.url })).toBe('open');
    expect(await handshake(url, { cookie: host.cookieHeader })).toBe('open');
  });

  it('refuses a socket.io connection from another origin with connect_error forbidden', async () => {
    const open = (headers: Record<string, string>) =>
      connect(server.url, { auth: { roomId: room.id }, query: roomQuery(room.id), extraHeaders: { cookie: host.cookieHeader, ...headers }, transports: ['websocket'], reconnection: false, forceNew: true });
    for (const headers of FOREIGN) {
      const socket = open(headers);
      try {
        expect(await connectError(socket), JSON.stringify(headers)).toMatchObject({ code: 'forbidden' });
      } finally {
        socket.disconnect();
      }
    }
    // The long-polling transport (where a browser starts) is refused the same way.
    const polling = connect(server.url, { auth: { roomId: room.id }, query: roomQuery(room.id), extraHeaders: { cookie: host.cookieHeader, origin: 'http://evil.example' }, transports: ['polling'], reconnection: false, forceNew: true });
    try {
      expect(await connectError(polling)).toMatchObject({ code: 'forbidden' });
    } finally {
      polling.disconnect();
    }
    const same = open({ origin: server.url });
    try {
      await connected(same);
    } finally {
      same.disconnect();
    }
  });
});
