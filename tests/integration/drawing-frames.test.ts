/**
 * Frames with their drawing for the werkblad report: rendered by ffmpeg on request from the
 * recording, only under the room's download rules, never stored; gone with the recording.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WerkbladReport } from '../../shared/api/reports-schemas.ts';
import { addShape } from '../../shared/drawing/doc.ts';
import { chooseThemes } from '../../shared/kijkwijzer/doc.ts';
import { addObservation } from '../../shared/notes/doc.ts';
import type { HttpClient } from '../helpers/http.ts';
import { consentBody, FIXTURE, giveConsent, localDay, TusClient } from '../helpers/media.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe('frames with their drawing in the werkblad report', () => {
  let server: TestServer;
  let host: HttpClient;

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(() => server.dispose());

  async function scenario() {
    const room = await createRoom(host, 'Gesprek met mevrouw B.');
    await giveConsent(host, room.id, { allowedRoles: ['klantmanager', 'coach'], fragmentsOutsideRoom: true });
    expect((await new TusClient(host, room.id).upload(FIXTURE, 64 * 1024)).status).toBe(204);
    const doc = await server.app.services.notes.getDoc(room.id);
    // The werkblad lists the observations of the themes it works on.
    chooseThemes(doc, ['weerstand']);
    const drawn = addObservation(doc, { start: 3.02, end: null, themes: ['weerstand'], kind: 'zie', text: 'Karin kijkt weg', authorId: 'p', authorName: 'Karin', role: 'klantmanager' });
    addShape(doc, drawn, { id: 'pijl', kind: 'arrow', color: '#a4262c', points: [1000, 1000, 6000, 5000] });
    addShape(doc, drawn, { id: 'tekst', kind: 'label', color: '#1d5f8a', points: [500, 7000], text: 'Karin, hier' });
    const plain = addObservation(doc, { start: 8, end: null, themes: ['weerstand'], kind: 'zie', text: 'zonder tekening', authorId: 'p', authorName: 'Karin', role: 'klantmanager' });
    const base = `/api/rooms/${room.id}`;
    const coach = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'coach')).token, 'Coen')).guest;
    return { room, base, drawn, plain, coach };
  }

  const frame = (who: HttpClient, path: string) => fetch(server.url + path, { headers: { cookie: who.cookieHeader } });
  const momentsOf = (report: WerkbladReport) => report.themes.flatMap((t) => t.columns.flatMap((c) => c.items));

  it('offers the frame only while downloads are allowed; the PNG is the frame at the timecode with the drawing over it', async () => {
    const { base, drawn, plain } = await scenario();
    // Off by default: the report names the drawing and carries its shapes, but no frame.
    const off = (await host.get<WerkbladReport>(`${base}/report`)).body;
    const moment = momentsOf(off).find((m) => m.text === 'Karin kijkt weg')!;
    expect(moment.drawing).toMatchObject({ description: 'tekening: 1 pijl, 1 label (“Karin, hier”)', frameSrc: null });
    expect(moment.drawing!.shapes).toHaveLength(2);
    expect(momentsOf(off).find((m) => m.text === 'zonder tekening')!.drawing).toBeUndefined();
    const refused = await frame(host, `${base}/observations/${drawn}/frame`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/niet toegestaan.*not allowed/);

    expect((await host.put(`${base}/media/downloads`, { downloadsAllowed: true })).status).toBe(200);
    const on = (await host.get<WerkbladReport>(`${base}/report?pseudonymise=true`)).body;
    const src = momentsOf(on).find((m) => m.drawing)!.drawing!;
    expect(src.frameSrc).toBe(`${base}/observations/${drawn}/frame?pseudonymise=true`);
    // Pseudonymised, the words on the picture lose the name too.
    expect(src.description).toBe('tekening: 1 pijl, 1 label (“klantmanager, hier”)');

    const withDrawing = await frame(host, `${base}/observations/${drawn}/frame`);
    expect(withDrawing.status).toBe(200);
    expect(withDrawing.headers.get('content-type')).toBe('image/png');
    expect(withDrawing.headers.get('cache-control')).toBe('private, no-store');
    const png = Buffer.from(await withDrawing.arrayBuffer());
    expect(pngSize(png)).toEqual({ width: 320, height: 240 });
    // The same frame without a drawing differs only where the drawing is.
    const bare = Buffer.from(await (await frame(host, `${base}/observations/${plain}/frame`)).arrayBuffer());
    expect(pngSize(bare)).toEqual({ width: 320, height: 240 });
    expect(png.equals(bare)).toBe(false);
    // Each frame that left is in the video's access log.
    const plays = (await host.get<{ plays: { source: string }[] }>(`${base}/media/plays`)).body.plays;
    expect(plays.filter((p) => p.source === 'export').length).toBeGreaterThanOrEqual(2);
    // Nothing was written beside the recording.
    const files = readdirSync(join(server.dataDir, 'media'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.png') || f.endsWith('.svg'))).toEqual([]);
  });

  type El = Record<string, unknown>;
  const xml = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => ['Code', 'VideoSource', 'VideoSelection', 'PictureSource', 'PictureSelection', 'Coding', 'NoteRef'].includes(name),
  });
  async function qdpx(who: HttpClient, path: string) {
    const res = await frame(who, path);
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const qde = strFromU8(files['project.qde']!);
    expect(XMLValidator.validate(qde)).toBe(true);
    return { files, qde, project: (xml.parse(qde) as El).Project as El };
  }
  const exportsLogged = async (base: string) =>
    (await host.get<{ plays: { source: string }[] }>(`${base}/media/plays`)).body.plays.filter((p) => p.source === 'export').length;

  it('puts each drawn frame into the .qdpx as a picture with a coded picture selection, only while downloads are allowed', async () => {
    const { base, drawn, room } = await scenario();
    // Off: the project names the drawing in words only, and no picture of the recording leaves.
    const off = await qdpx(host, `${base}/exports/qdpx`);
    expect(Object.keys(off.files)).toEqual(['project.qde']);
    expect(off.qde).not.toContain('PictureSource');
    expect(off.qde).toContain('(tekening: 1 pijl, 1 label (“Karin, hier”))');
    expect(await exportsLogged(base)).toBe(0);

    expect((await host.put(`${base}/media/downloads`, { downloadsAllowed: true })).status).toBe(200);
    const on = await qdpx(host, `${base}/exports/qdpx?pseudonymise=true`);
    const names = Object.keys(on.files);
    expect(names).toHaveLength(2);
    const entry = names.find((n) => n !== 'project.qde')!;
    expect(entry).toMatch(/^Sources\/[0-9a-f-]{36}\.png$/);
    // The very picture the werkblad shows: the frame at the timecode with the (pseudonymised) drawing over it.
    const png = Buffer.from(on.files[entry]!);
    expect(pngSize(png)).toEqual({ width: 320, height: 240 });
    const shown = Buffer.from(await (await frame(host, `${base}/observations/${drawn}/frame?pseudonymise=true`)).arrayBuffer());
    expect(png.equals(shown)).toBe(true);

    const sources = on.project.Sources as El;
    const [picture] = sources.PictureSource as El[];
    expect(picture!['@path']).toBe(`internal://${entry.slice('Sources/'.length)}`);
    const [selection] = picture!.PictureSelection as El[];
    // Around the arrow (10 %–60 % across, 10 %–50 % down) and the label (from 5 % across, 70 % down).
    expect(['@firstX', '@firstY', '@secondX', '@secondY'].map((k) => Number(selection![k]))).toEqual([16, 24, 192, 180]);
    expect(selection!['@name']).toContain('“klantmanager, hier”');
    // Coded like the observation's video selection: its theme and its kind, and the same note.
    const video = (((sources.VideoSource as El[])[0]!.VideoSelection as El[]) ?? []).find((v) => v['@begin'] === '3020')!;
    const codes = (sel: El) => (sel.Coding as El[]).map((c) => (c.CodeRef as El)['@targetGUID']);
    expect(codes(selection!)).toEqual(codes(video));
    expect(selection!.NoteRef).toEqual(video.NoteRef);
    const codeNames = new Map(
      ((((on.project.CodeBook as El).Codes as El).Code as El[]) ?? []).flatMap((c) => [c, ...((c.Code as El[]) ?? [])]).map((c) => [c['@guid'], c['@name']]),
    );
    expect(codes(selection!).map((g) => codeNames.get(g))).toEqual(['Weerstand', 'zie']);
    // The pictures left the server: one entry in the access log for the export (and one for the frame above).
    expect(await exportsLogged(base)).toBe(2);

    // With the video too: the picture before the recording, and still one log entry for the export.
    const both = await qdpx(host, `${base}/exports/qdpx?includeVideo=true`);
    expect(Object.keys(both.files).map((n) => n.replace(/[0-9a-f-]{36}/, 'guid'))).toEqual(['project.qde', 'Sources/guid.png', 'Sources/guid.mp4']);
    expect(await exportsLogged(base)).toBe(3);

    // Whoever may export but not watch (outside the consent) gets the project without pictures.
    const renee = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'onderzoeker')).token, 'Renée')).guest;
    const refused = await qdpx(renee, `${base}/exports/qdpx`);
    expect(Object.keys(refused.files)).toEqual(['project.qde']);
    expect(await exportsLogged(base)).toBe(3);
    // Nothing rendered stays behind the recording.
    const files = readdirSync(join(server.dataDir, 'media'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.png') || f.endsWith('.svg'))).toEqual([]);
  });

  it('refuses whoever may not export or not watch, an unknown observation and a malformed id', async () => {
    const { base, drawn, room } = await scenario();
    expect((await host.put(`${base}/media/downloads`, { downloadsAllowed: true })).status).toBe(200);
    const renee = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'onderzoeker')).token, 'Renée')).guest;
    // The onderzoeker may export but is outside the consent: no picture of the recording.
    expect((await frame(renee, `${base}/observations/${drawn}/frame`)).status).toBe(403);
    expect((await frame(host, `${base}/observations/onbekend/frame`)).status).toBe(404);
    expect((await frame(host, `${base}/observations/${'x'.repeat(65)}/frame`)).status).toBe(400);
    expect((await frame(host, `${base}/observations/a%20b/frame`)).status).toBe(400);
    expect((await frame(host, `${base}/observations/${drawn}/frame?size=4000`)).status).toBe(400);
  });

  it('has nothing to render from past the retention date: the frame is gone, the .qdpx has no picture, nothing is left on disk', async () => {
    const { base, drawn, room } = await scenario();
    expect((await host.put(`${base}/media/downloads`, { downloadsAllowed: true })).status).toBe(200);
    expect((await frame(host, `${base}/observations/${drawn}/frame`)).status).toBe(200);
    expect(Object.keys((await qdpx(host, `${base}/exports/qdpx`)).files)).toHaveLength(2);
    // A consent version whose retention date lies in the past, as if the days had gone by (the API refuses such dates).
    await server.app.services.consents.give(
      room.id,
      { ...consentBody({ allowedRoles: ['klantmanager', 'coach'], fragmentsOutsideRoom: true }), retentionUntil: localDay(-1) },
      { recordedBy: 'test' },
    );
    expect((await frame(host, `${base}/observations/${drawn}/frame`)).status).toBe(410);
    const after = await qdpx(host, `${base}/exports/qdpx`);
    expect(Object.keys(after.files)).toEqual(['project.qde']);
    expect(after.qde).toContain('(tekening: 1 pijl, 1 label (“Karin, hier”))');
    expect(readdirSync(join(server.dataDir, 'media'), { recursive: true }).map(String).filter((f) => f.startsWith(room.id))).toEqual([]);
  });

  it('has nothing to render from once consent is withdrawn', async () => {
    const { base, drawn } = await scenario();
    expect((await host.put(`${base}/media/downloads`, { downloadsAllowed: true })).status).toBe(200);
    expect((await frame(host, `${base}/observations/${drawn}/frame`)).status).toBe(200);
    expect((await host.post(`${base}/consent/withdraw`, { withdrawnOn: localDay() })).status).toBe(201);
    expect((await frame(host, `${base}/observations/${drawn}/frame`)).status).toBe(403);
    const report = (await host.get<WerkbladReport>(`${base}/report`)).body;
    expect(momentsOf(report).find((m) => m.drawing)!.drawing!.frameSrc).toBeNull();
  });
});
