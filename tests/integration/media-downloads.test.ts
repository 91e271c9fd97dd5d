import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadSettings, MediaInfo, Play } from '../../shared/api/media-schemas.ts';
import type { ServerToClient } from '../../shared/realtime/events.ts';
import { HttpClient } from '../helpers/http.ts';
import { FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { connected, roomSocket, type TestSocket } from '../helpers/sockets.ts';
import { until } from '../helpers/yjs.ts';

type ErrorReply = { error: { code: string; message: string } };
type Change = Parameters<ServerToClient['media:changed']>[0];

/** A GET as a browser would do it, keeping the body as bytes. */
async function fetchBytes(client: HttpClient, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(client.base + path, { headers: { cookie: client.cookieHeader, ...headers } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['VideoSource', 'VideoSelection'].includes(name) });

describe('downloading the video, only when the host allows it and consent lets it leave the room', () => {
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

  /**
   * A room with an uploaded recording and consent for the klantmanager (who may export) and the
   * coach; the onderzoeker may export but is outside the consent.
   */
  async function scenario(fragmentsOutsideRoom: boolean, fileName = 'gesprek.mp4') {
    const room = await createRoom(host, 'Gesprek met mevrouw B.');
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager', 'coach'], fragmentsOutsideRoom });
    expect((await new TusClient(host, room.id).upload(FIXTURE, 64 * 1024, fileName)).status).toBe(204);
    const guest = async (role: 'klantmanager' | 'coach' | 'onderzoeker', name: string) =>
      (await joinAsGuest(server, room.id, (await invite(host, room.id, role)).token, name)).guest;
    const base = `/api/rooms/${room.id}`;
    return { room, base, karin: await guest('klantmanager', 'Karin'), coen: await guest('coach', 'Coen'), renee: await guest('onderzoeker', 'Renée') };
  }

  /** A live socket of this participant, recording every media:changed it receives. */
  async function listen(who: HttpClient, roomId: string): Promise<Change[]> {
    const socket = roomSocket(who, roomId);
    sockets.push(socket);
    const changes: Change[] = [];
    socket.on('media:changed', (change) => changes.push(change));
    await connected(socket);
    return changes;
  }

  const setDownloads = (who: HttpClient, base: string, body: unknown) => who.put<DownloadSettings & ErrorReply>(`${base}/media/downloads`, body);
  const plays = async (base: string) => (await host.get<{ plays: Play[] }>(`${base}/media/plays`)).body.plays;

  it('is off by default: the download and a qdpx with the video are refused', async () => {
    const { base, karin } = await scenario(true);
    const info = (await karin.get<MediaInfo>(`${base}/media`)).body;
    expect(info.downloads).toEqual({ downloadsAllowed: false, consentAllows: true, effective: false });
    expect(info.video?.downloadSrc).toBeNull();
    for (const who of [host, karin]) {
      const download = await who.get<ErrorReply>(`${base}/media/video/download`);
      expect(download.status).toBe(403);
      expect(download.body.error.message).toMatch(/niet toegestaan.*not allowed/);
      const qdpx = await who.get<ErrorReply>(`${base}/exports/qdpx?includeVideo=true`);
      expect(qdpx.status).toBe(403);
      expect(qdpx.body.error.message).toMatch(/niet toegestaan.*not allowed/);
    }
    expect((await plays(base)).filter((p) => p.source === 'download' || p.source === 'export')).toEqual([]);
  });

  it('lets the host switch it on; everyone who may watch then downloads the exact bytes, and the log says who', async () => {
    const { room, base, karin } = await scenario(true);
    const changes = await listen(karin, room.id);
    const on = await setDownloads(host, base, { downloadsAllowed: true });
    expect(on.status).toBe(200);
    expect(on.body).toEqual({ downloadsAllowed: true, consentAllows: true, effective: true });
    // Connected participants learn it at once.
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ reason: 'downloads' }]);

    const info = (await karin.get<MediaInfo>(`${base}/media`)).body;
    expect(info.downloads.effective).toBe(true);
    expect(info.video?.downloadSrc).toBe(`${base}/media/video/download`);

    const before = Date.now();
    const res = await fetchBytes(karin, info.video!.downloadSrc!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="gesprek.mp4"; filename*=UTF-8''gesprek.mp4`);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(res.bytes).equals(FIXTURE)).toBe(true);
    // A download can be resumed like any file.
    const part = await fetchBytes(karin, `${base}/media/video/download`, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(Buffer.from(part.bytes).equals(FIXTURE.subarray(100, 200))).toBe(true);
    expect((await fetchBytes(host, `${base}/media/video/download`)).status).toBe(200);

    const downloads = (await plays(base)).filter((p) => p.source === 'download');
    expect(downloads.map((p) => [p.name, p.role, p.mode])).toEqual([
      ['Karin', 'klantmanager', 'upload'],
      ['Karin', 'klantmanager', 'upload'],
      ['Beheerder', 'begeleider', 'upload'],
    ]);
    expect(downloads[0]!.at).toBeGreaterThanOrEqual(before);
    const csv = await host.get<string>(`${base}/media/access-log.csv`);
    const rows = parseCsv(csv.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.bron === 'video gedownload').map((r) => r.naam)).toEqual(['Karin', 'Karin', 'Beheerder']);

    // Switching off works whatever the consent says, and applies to the next request.
    expect((await setDownloads(host, base, { downloadsAllowed: false })).body).toEqual({ downloadsAllowed: false, consentAllows: true, effective: false });
    await until(() => changes.length === 2);
    expect((await karin.get(`${base}/media/video/download`)).status).toBe(403);
  });

  it('refuses a role outside the consent even while downloads are allowed', async () => {
    const room = await createRoom(host);
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager'], fragmentsOutsideRoom: true });
    expect((await new TusClient(host, room.id).upload(FIXTURE)).status).toBe(204);
    const base = `/api/rooms/${room.id}`;
    const coen = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen')).guest;
    const renee = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'onderzoeker')).token, 'Renée')).guest;
    expect((await setDownloads(host, base, { downloadsAllowed: true })).status).toBe(200);

    const info = (await coen.get<MediaInfo>(`${base}/media`)).body;
    expect(info.access).toBe('role_not_in_consent');
    expect(info.video).toBeNull();
    const refused = await coen.get<ErrorReply>(`${base}/media/video/download`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/did not consent to your role/);
    // The onderzoeker may export, but not the video the client did not agree to show them.
    const qdpx = await renee.get<ErrorReply>(`${base}/exports/qdpx?includeVideo=true`);
    expect(qdpx.status).toBe(403);
    expect(qdpx.body.error.message).toMatch(/did not consent to your role/);
    expect((await renee.get(`${base}/exports/qdpx`)).status).toBe(200);
    expect((await new HttpClient(server.url).get(`${base}/media/video/download`)).status).toBe(401);
    expect((await plays(base)).some((p) => p.name === 'Coen' || p.name === 'Renée')).toBe(false);
  });

  it('only the host switches it, only with consent that lets the video leave the room', async () => {
    const { base, karin } = await scenario(false);
    const notHost = await setDownloads(karin, base, { downloadsAllowed: true });
    expect(notHost.status).toBe(403);
    expect(notHost.body.error.code).toBe('forbidden');
    expect((await setDownloads(new HttpClient(server.url), base, { downloadsAllowed: true })).status).toBe(401);

    const conflict = await setDownloads(host, base, { downloadsAllowed: true });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('conflict');
    expect(conflict.body.error.message).toContain('De toestemming staat niet toe dat de video buiten de kamer komt');
    // Switching off needs no consent.
    expect((await setDownloads(host, base, { downloadsAllowed: false })).body).toEqual({ downloadsAllowed: false, consentAllows: false, effective: false });
    expect((await host.get(`${base}/media/video/download`)).status).toBe(403);
  });

  it('refuses bad bodies with a message naming the field', async () => {
    const { base } = await scenario(true);
    for (const body of [{}, { downloadsAllowed: 'ja' }, { downloadsAllowed: 2 }, { downloadsAllowed: { on: true } }, { downloadsAllowed: 'true' }, { downloadsAllowed: 1 }, { downloadsAllowed: null }, { downloadsAllowed: [true] }]) {
      const res = await setDownloads(host, base, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message, JSON.stringify(body)).toContain('downloadsAllowed');
    }
    const extra = await setDownloads(host, base, { downloadsAllowed: true, forEveryone: true });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatchObject({ message: 'The request has an unknown field "forEveryone".', field: 'forEveryone', rule: 'unknown_field' });
    expect((await host.request('PUT', `${base}/media/downloads`, '{"downloadsAllowed": tru')).status).toBe(400);
    // Nothing was switched on by any of them.
    expect((await host.get<MediaInfo>(`${base}/media`)).body.downloads.downloadsAllowed).toBe(false);
  });

  it('a new consent version that keeps the video in the room switches downloads off at once, for good', async () => {
    const { room, base, karin } = await scenario(true);
    expect((await setDownloads(host, base, { downloadsAllowed: true })).status).toBe(200);
    expect((await karin.get(`${base}/media/video/download`)).status).toBe(200);
    const changes = await listen(karin, room.id);

    await giveConsent(host, room.id, { allowedRoles: ['klantmanager', 'coach'], fragmentsOutsideRoom: false });
    await until(() => changes.length === 1);
    expect(changes).toEqual([{ reason: 'downloads' }]);
    const info = (await karin.get<MediaInfo>(`${base}/media`)).body;
    expect(info.downloads).toEqual({ downloadsAllowed: false, consentAllows: false, effective: false });
    expect(info.video?.downloadSrc).toBeNull();
    expect((await karin.get(`${base}/media/video/download`)).status).toBe(403);
    expect((await karin.get(`${base}/exports/qdpx?includeVideo=true`)).status).toBe(403);

    // Consent that allows it again does not bring downloads back by itself: the host decides again.
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager', 'coach'], fragmentsOutsideRoom: true });
    expect((await karin.get<MediaInfo>(`${base}/media`)).body.downloads).toEqual({ downloadsAllowed: false, consentAllows: true, effective: false });
    expect((await karin.get(`${base}/media/video/download`)).status).toBe(403);
  });

  it('withdrawal deletes the video: nothing left to download, and the setting is off', async () => {
    const { base, karin } = await scenario(true);
    expect((await setDownloads(host, base, { downloadsAllowed: true })).status).toBe(200);
    expect((await host.post(`${base}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    const gone = await host.get<ErrorReply>(`${base}/media/video/download`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.message).toMatch(/withdrew consent/);
    expect((await karin.get(`${base}/media/video/download`)).status).toBe(403);
    expect((await host.get(`${base}/exports/qdpx?includeVideo=true`)).status).toBe(403);
    expect((await host.get<MediaInfo>(`${base}/media`)).body.downloads).toEqual({ downloadsAllowed: false, consentAllows: false, effective: false });
  });

  it('puts the recording into the qdpx, referenced from project.qde, and logs the export', async () => {
    const { base, karin } = await scenario(true);
    expect((await setDownloads(host, base, { downloadsAllowed: true })).status).toBe(200);
    for (const pseudonymise of [false, true]) {
      const res = await fetchBytes(karin, `${base}/exports/qdpx?includeVideo=true&pseudonymise=${pseudonymise}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="kijkkamer-.*\.qdpx"/);
      const files = unzipSync(res.bytes);
      const names = Object.keys(files);
      expect(names).toHaveLength(2);
      expect(names[0]).toBe('project.qde');
      expect(names[1]).toMatch(/^Sources\/[0-9a-f-]{36}\.mp4$/);
      expect(Buffer.from(files[names[1]!]!).equals(FIXTURE)).toBe(true);
      const qde = strFromU8(files['project.qde']!);
      expect(XMLValidator.validate(qde)).toBe(true);
      const project = (xml.parse(qde) as { Project: { '@xmlns': string; Sources: { VideoSource: Record<string, string>[] } } }).Project;
      expect(project['@xmlns']).toBe('urn:QDA-XML:project:1.0');
      const [source] = project.Sources.VideoSource;
      expect(source!['@path']).toBe(`internal://${names[1]!.slice('Sources/'.length)}`);
    }
    const exports = (await plays(base)).filter((p) => p.source === 'export');
    expect(exports.map((p) => [p.name, p.role])).toEqual([
      ['Karin', 'klantmanager'],
      ['Karin', 'klantmanager'],
    ]);
    // Without the option the project still only names the file.
    const plain = await fetchBytes(karin, `${base}/exports/qdpx`);
    expect(Object.keys(unzipSync(plain.bytes))).toEqual(['project.qde']);
    expect((await karin.get(`${base}/exports/csv?includeVideo=true`)).status).toBe(400);
  });

  it('saves under an ASCII name built from the file name, which can inject nothing into the header', async () => {
    const { base } = await scenario(true, 'Gesprek "mevrouw B."\r\nSet-Cookie: kk=1; café.mov');
    expect((await setDownloads(host, base, { downloadsAllowed: true })).status).toBe(200);
    const res = await fetchBytes(host, `${base}/media/video/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    // The fixture is an MP4 whatever its name says.
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Gesprek-mevrouw-B.-Set-Cookie-kk-1-cafe.mp4"; filename*=UTF-8''Gesprek-mevrouw-B.-Set-Cookie-kk-1-cafe.mp4`,
    );
  });
});
