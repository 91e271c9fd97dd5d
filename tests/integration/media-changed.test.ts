import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ServerToClient } from '../../shared/realtime/events.ts';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { until } from '../helpers/yjs.ts';

type Change = Parameters<ServerToClient['media:changed']>[0];

describe('media:changed on the room socket', () => {
  let server: TestServer;
  let host: HttpClient;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.disconnect();
  });
  afterAll(() => server.dispose());

  /** A klantmanager's live connection to the room, recording every media:changed it receives. */
  async function listener(roomId: string): Promise<Change[]> {
    const km = await invite(host, roomId, 'klantmanager');
    const { guest } = await joinAsGuest(server, roomId, km.token, 'Karin');
    const socket = roomSocket(guest, roomId);
    sockets.push(socket);
    const changes: Change[] = [];
    socket.on('media:changed', (change) => changes.push(change));
    await connected(socket);
    return changes;
  }

  async function roomWithConsent(retentionUntil = localDay(90)) {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { retentionUntil, allowedRoles: ['klantmanager'] });
    return room;
  }

  it('announces an upload and then the withdrawal that deletes it, only in that room', async () => {
    const room = await roomWithConsent();
    const other = await roomWithConsent();
    const changes = await listener(room.id);
    const elsewhere = await listener(other.id);

    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ reason: 'uploaded' }]);

    expect((await host.post(`/api/rooms/${room.id}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    await until(() => changes.length === 2);
    expect(changes[1]).toEqual({ reason: 'withdrawn' });
    expect(elsewhere).toEqual([]);
  });

  it('announces the host removing the video', async () => {
    const room = await roomWithConsent();
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    const changes = await listener(room.id);
    expect((await host.del(`/api/rooms/${room.id}/media`)).status).toBe(204);
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ reason: 'deleted' }]);
  });

  it('announces the retention job deleting an expired video', async () => {
    const room = await roomWithConsent(localDay(0));
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    const changes = await listener(room.id);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 86_400_000);
      await server.app.services.media.sweep();
    } finally {
      vi.useRealTimers();
    }
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ reason: 'expired' }]);
  });
});
