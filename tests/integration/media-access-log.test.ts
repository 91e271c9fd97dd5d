import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Play } from '../../shared/api/media-schemas.ts';
import type { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('access log of playback starts', () => {
  let server: TestServer;
  let host: HttpClient;
  let roomId: string;
  let karin: HttpClient;
  let cor: HttpClient;
  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    roomId = (await createRoom(host, 'Gesprek, "mevrouw B."')).id;
    await giveConsent(host, roomId, { allowedRoles: ['klantmanager'] });
    if ((await new TusClient(host, roomId).upload(FIXTURE)).status !== 204) throw new Error('upload failed');
    karin = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, 'Karin')).guest;
    cor = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'collega')).token, 'Cor')).guest;
  });
  afterAll(() => server.dispose());

  const plays = async () => (await host.get<{ plays: Play[] }>(`/api/rooms/${roomId}/media/plays`)).body.plays;

  it('logs who started playback, with role and time, from the player and once an hour from the stream', async () => {
    const before = Date.now();
    expect((await karin.post(`/api/rooms/${roomId}/media/plays`, {})).status).toBe(204);
    for (let i = 0; i < 3; i++) await karin.request('GET', `/api/rooms/${roomId}/media/video`, undefined, { range: `bytes=${i * 1000}-${i * 1000 + 999}` });
    // HEAD fetches no video and is not logged.
    await karin.request('HEAD', `/api/rooms/${roomId}/media/video`);
    const rows = (await plays()).filter((p) => p.name === 'Karin');
    expect(rows.map((p) => [p.role, p.source, p.mode])).toEqual([
      ['klantmanager', 'player', 'upload'],
      ['klantmanager', 'stream', 'upload'],
    ]);
    for (const row of rows) expect(row.at).toBeGreaterThanOrEqual(before);
  });

  it('does not log, and refuses, someone outside the consent scope', async () => {
    expect((await cor.post(`/api/rooms/${roomId}/media/plays`, {})).status).toBe(403);
    expect((await cor.get(`/api/rooms/${roomId}/media/video`)).status).toBe(403);
    expect((await plays()).some((p) => p.name === 'Cor')).toBe(false);
  });

  it('validates the body of a play report', async () => {
    expect((await karin.post(`/api/rooms/${roomId}/media/plays`, { who: 'iemand anders' })).status).toBe(400);
  });

  it('shows the log to the host only', async () => {
    expect((await karin.get(`/api/rooms/${roomId}/media/plays`)).status).toBe(403);
    expect((await karin.get(`/api/rooms/${roomId}/media/access-log.csv`)).status).toBe(403);
  });

  it('exports the log as CSV with a BOM, Dutch headers and safe fields', async () => {
    const formula = (await joinAsGuest(server, roomId, (await invite(host, roomId, 'klantmanager')).token, '=SOM(A1)')).guest;
    await formula.post(`/api/rooms/${roomId}/media/plays`, {});
    await host.post(`/api/rooms/${roomId}/media/plays`, {});
    const res = await fetch(`${server.url}/api/rooms/${roomId}/media/access-log.csv`, { headers: { cookie: host.cookieHeader } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="toegangslog.csv"');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse(bytes.toString('utf8').slice(1), { columns: true }) as Record<string, string>[];
    const expected = await plays();
    expect(records).toHaveLength(expected.length);
    expect(Object.keys(records[0]!)).toEqual(['tijdstip', 'naam', 'rol', 'bron', 'modus', 'kamer']);
    expect(records[0]).toEqual({
      tijdstip: new Date(expected[0]!.at).toISOString(),
      naam: 'Karin',
      rol: 'klantmanager',
      bron: 'afspelen gestart',
      modus: 'op de server',
      kamer: 'Gesprek, "mevrouw B."',
    });
    // A name a spreadsheet would run as a formula is defused with a leading apostrophe.
    expect(records.some((r) => r.naam === "'=SOM(A1)")).toBe(true);
    expect(records.at(-1)).toMatchObject({ naam: 'Beheerder', rol: 'begeleider' });
  });
});
