import { createRequire } from 'node:module';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WerkbladReport } from '../../shared/api/reports-schemas.ts';
import type { Room, RoomView } from '../../shared/api/schemas.ts';
import { addAandachtspunt, addFragment, chooseThemes, setMetaText, setSlimRole, setSlimSelfImage, themeTextKey, META } from '../../shared/kijkwijzer/doc.ts';
import { themeById } from '../../shared/kijkwijzer/themes.ts';
import { addObservation, readObservations } from '../../shared/notes/doc.ts';
import type { Observation } from '../../shared/notes/types.ts';
import { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

// webvtt-parser (the W3C validator's parser) ships without types; describe what is used.
interface VttNode {
  type: 'text' | 'object' | 'timestamp';
  name?: string;
  value?: string;
  children?: VttNode[];
}
interface VttCue {
  id: string;
  startTime: number;
  endTime: number;
  tree: { children: VttNode[] };
}
const require = createRequire(import.meta.url);
const { WebVTTParser } = require('webvtt-parser') as {
  WebVTTParser: new (entities?: unknown) => { parse(text: string, kind: string): { cues: VttCue[]; errors: unknown[] } };
};
const vttEntities = require('webvtt-parser/html-entities.json') as unknown;
const parseVtt = (text: string, kind = 'subtitles') => new WebVTTParser(vttEntities).parse(text, kind);
const plain = (nodes: VttNode[]): string => nodes.map((n) => (n.type === 'text' ? (n.value ?? '') : plain(n.children ?? []))).join('');
const voiceOf = (cue: VttCue): string | undefined => cue.tree.children.find((n) => n.name === 'v')?.value;

type El = Record<string, unknown>;
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) =>
    ['TIER', 'ANNOTATION', 'TIME_SLOT', 'CV_ENTRY_ML', 'MEDIA_DESCRIPTOR', 'User', 'Code', 'VideoSource', 'VideoSelection', 'Coding', 'NoteRef', 'Note'].includes(name),
});
const arr = (x: unknown): El[] => (x as El[] | undefined) ?? [];
const parseXml = (text: string): El => {
  expect(XMLValidator.validate(text)).toBe(true);
  return xml.parse(text) as El;
};

/** Names of every person in the room, in all the spellings a file could carry them in. */
const PEOPLE = { karin: 'Karin Öztürk', renee: 'Renée Smit', coen: 'Coen van Dijk', joris: 'Joris Bakker', host: 'Beheerder' };
const NAME_PARTS = ['Karin', 'Öztürk', 'Ozturk', 'Renée', 'Renee', 'Smit', 'Coen', 'Dijk', 'Joris', 'Bakker', 'Beheerder'];
const CLIENT_LABEL = 'cliënt N.';
const PRIVATE_TEXT = 'GEHEIM: alleen voor Coen';

const TEXTS = {
  first: 'Joris zegt: "Ik wil wel, maar…"\nDaarna stilte, komma\'s, en ëïé.',
  second: 'Waarom vraag ik niet door bij Joris? <geen> & "quotes"',
  third: 'Samenvatten, dan pas\nadvies geven; Coen had gelijk',
  fourth: 'Begroeting door Karin',
};

describe('report exports over HTTP, parsed back independently', () => {
  let server: TestServer;
  let host: HttpClient;
  let karin: HttpClient;
  let renee: HttpClient;
  let coen: HttpClient;
  let joris: HttpClient;
  let room: Room;
  let fragmentId: string;
  const open: TestProvider[] = [];
  const provider = async (http: HttpClient, name: string) => {
    const p = openProvider(http, name);
    open.push(p);
    await synced(p);
    return p;
  };
  const me = async (http: HttpClient) => (await http.get<RoomView>(`/api/rooms/${room.id}`)).body.me;

  /** Raw bytes and headers: the zip must not go through a text decoder. */
  async function download(http: HttpClient, format: string, query = ''): Promise<{ status: number; headers: Headers; bytes: Uint8Array; text: string }> {
    const res = await fetch(`${server.url}/api/rooms/${room.id}/exports/${format}${query}`, { headers: { cookie: http.cookieHeader } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
  }

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    room = await createRoom(host, 'Terugkijken met Karin Öztürk');
    const guest = async (role: Parameters<typeof invite>[2], name: string) => (await joinAsGuest(server, room.id, (await invite(host, room.id, role)).token, name)).guest;
    karin = await guest('klantmanager', PEOPLE.karin);
    renee = await guest('onderzoeker', PEOPLE.renee);
    coen = await guest('coach', PEOPLE.coen);
    joris = await guest('client', PEOPLE.joris);

    const today = new Date().toISOString().slice(0, 10);
    const consent = await host.post(`/api/rooms/${room.id}/consent`, {
      clientLabel: CLIENT_LABEL,
      consentDate: today,
      method: 'paper',
      purposes: ['reflectie'],
      allowedRoles: ['klantmanager', 'onderzoeker'],
      fragmentsOutsideRoom: false,
      retentionUntil: '2099-01-01',
    });
    expect(consent.status).toBe(201);
    const byo = await host.post(`/api/rooms/${room.id}/media/byo`, { size: 1000, headTailSha256: 'a'.repeat(64), durationSeconds: 300, fileName: 'gesprek Joris Bakker.mp4' });
    expect(byo.status).toBe(201);

    const [kMe, rMe, hMe] = await Promise.all([me(karin), me(renee), me(host)]);
    const kShared = await provider(karin, room.id);
    const rShared = await provider(renee, room.id);
    const hShared = await provider(host, room.id);
    const base = { authorId: kMe.participantId, authorName: PEOPLE.karin, role: 'klantmanager' as const, createdAt: 1_700_000_000_000 };
    addObservation(kShared.doc, { ...base, start: 12.345, end: 15.5, kind: 'zie', themes: ['emotie'], text: TEXTS.first });
    addObservation(kShared.doc, { ...base, start: 61.007, end: null, kind: 'vraag', themes: ['emotie', 'weerstand'], text: TEXTS.second });
    addObservation(rShared.doc, {
      authorId: rMe.participantId,
      authorName: PEOPLE.renee,
      role: 'onderzoeker',
      start: 125.75,
      end: 130.001,
      kind: 'anders',
      themes: ['weerstand'],
      text: TEXTS.third,
    });
    addObservation(hShared.doc, { authorId: hMe.participantId, authorName: PEOPLE.host, role: 'begeleider', start: 0.001, end: null, kind: 'notitie', themes: [], text: TEXTS.fourth });

    setMetaText(hShared.doc, META.goal, 'Zien hoe Karin met weerstand omgaat');
    expect(chooseThemes(hShared.doc, ['emotie', 'weerstand']).ok).toBe(true);
    setMetaText(hShared.doc, themeTextKey('emotie', 'vraag'), 'Zie ik wat Joris voelt?');
    setMetaText(hShared.doc, themeTextKey('weerstand', 'anders'), 'Eerst erkennen, dan doorvragen');
    fragmentId = addFragment(hShared.doc, { start: 10, end: 20, title: 'Het moment van "nee", Karin', question: 'Wat zag je bij Joris?', themes: ['emotie'] });
    addAandachtspunt(hShared.doc, { text: 'Stiltes laten vallen, ook bij Joris', fragmentIds: [fragmentId], observationIds: [], authorId: hMe.participantId, authorName: PEOPLE.host });
    setSlimSelfImage(hShared.doc, 'wil-maar-kan-niet');
    setSlimRole(hShared.doc, 'ouder');

    // Another participant's private preparation: stored on the server, never to be exported.
    const cPrivate = await provider(coen, `${room.id}/private`);
    const cMe = await me(coen);
    addObservation(cPrivate.doc, { authorId: cMe.participantId, authorName: PEOPLE.coen, role: 'coach', start: 50, end: null, kind: 'zie', themes: ['emotie'], text: PRIVATE_TEXT });

    const stored = () => server.app.services.notes.getDoc(room.id);
    await until(async () => {
      const doc = await stored();
      return readObservations(doc).length === 4 && doc.getMap('aandachtspunten').size === 1 && doc.getMap('meta').has('slim.role');
    }, 10_000);
    await until(async () => readObservations(await server.app.services.notes.getDoc(`${room.id}/private/${cMe.participantId}`)).length === 1, 10_000);

    const fb = await host.put(`/api/rooms/${room.id}/fragments/${fragmentId}/feedback`, { text: 'Joris: "ik voelde me gehoord"' });
    expect(fb.status).toBe(200);
  });

  afterAll(async () => {
    for (const p of open) p.destroy();
    await server?.dispose();
  });

  /** The room's observations as the server holds them, sorted like every export. */
  const observations = async (): Promise<Observation[]> => readObservations(await server.app.services.notes.getDoc(room.id));

  it('CSV: headers, BOM, and every observation back through csv-parse', async () => {
    const res = await download(host, 'csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="kijkkamer-terugkijken-met-karin-ozturk-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''kijkkamer-terugkijken-met-karin-ozturk-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    expect([...res.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsvSync(res.text, { bom: true, columns: true }) as Record<string, string>[];
    const expected = await observations();
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.start)).toEqual(['0.001', '12.345', '61.007', '125.750']);
    expect(rows.map((r) => r.end)).toEqual(['', '15.500', '', '130.001']);
    expect(rows.map((r) => r.text)).toEqual(expected.map((o) => o.text));
    expect(rows.map((r) => r.author)).toEqual([PEOPLE.host, PEOPLE.karin, PEOPLE.karin, PEOPLE.renee]);
    expect(rows.map((r) => r.kind)).toEqual(['notitie', 'zie', 'vraag', 'anders']);
    expect(rows[2]!.themes).toBe('Emotie; Weerstand');
    expect(res.text).not.toContain('GEHEIM');
  });

  it('WebVTT: one cue per observation with voice tags; chapters track of the fragments', async () => {
    const res = await download(host, 'vtt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    const tree = parseVtt(res.text);
    expect(tree.errors).toEqual([]);
    expect(tree.cues.map((c) => [c.startTime, c.endTime])).toEqual([
      [0.001, 2.001],
      [12.345, 15.5],
      [61.007, 63.007],
      [125.75, 130.001],
    ]);
    expect(tree.cues.map(voiceOf)).toEqual([PEOPLE.host, PEOPLE.karin, PEOPLE.karin, PEOPLE.renee]);
    expect(tree.cues.map((c) => plain(c.tree.children))).toEqual((await observations()).map((o) => o.text));
    expect(res.text).not.toContain('GEHEIM');

    const chapters = await download(host, 'chapters.vtt');
    expect(chapters.headers.get('content-disposition')).toContain('.chapters.vtt"');
    const ch = parseVtt(chapters.text, 'chapters');
    expect(ch.errors).toEqual([]);
    expect(ch.cues.map((c) => [c.startTime, c.endTime, plain(c.tree.children)])).toEqual([[10, 20, 'Het moment van "nee", Karin']]);
  });

  it('ELAN: milliseconds, the recording, a tier per person × kind and the themes as vocabulary', async () => {
    const res = await download(host, 'eaf');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const doc = parseXml(res.text).ANNOTATION_DOCUMENT as El;
    expect(doc['@FORMAT']).toBe('3.0');
    const header = doc.HEADER as El;
    expect(header['@TIME_UNITS']).toBe('milliseconds');
    expect(arr(header.MEDIA_DESCRIPTOR)[0]!['@RELATIVE_MEDIA_URL']).toBe(`./${encodeURIComponent('gesprek Joris Bakker.mp4')}`);
    const slots = new Map(arr((doc.TIME_ORDER as El).TIME_SLOT).map((s) => [s['@TIME_SLOT_ID'] as string, Number(s['@TIME_VALUE'])]));
    const tiers = arr(doc.TIER);
    expect(tiers.map((t) => [t['@TIER_ID'], t['@PARTICIPANT'], t['@ANNOTATOR']])).toEqual([
      [`${PEOPLE.host} – notitie`, PEOPLE.host, PEOPLE.host],
      [`${PEOPLE.karin} – vraag`, PEOPLE.karin, PEOPLE.karin],
      [`${PEOPLE.karin} – zie`, PEOPLE.karin, PEOPLE.karin],
      [`${PEOPLE.renee} – anders`, PEOPLE.renee, PEOPLE.renee],
    ]);
    const annotations = tiers.flatMap((t) =>
      arr(t.ANNOTATION).map((a) => {
        const al = a.ALIGNABLE_ANNOTATION as El;
        return { begin: slots.get(al['@TIME_SLOT_REF1'] as string), end: slots.get(al['@TIME_SLOT_REF2'] as string), value: al.ANNOTATION_VALUE as string, cve: al['@CVE_REF'] };
      }),
    );
    annotations.sort((a, b) => a.begin! - b.begin!);
    expect(annotations.map((a) => [a.begin, a.end])).toEqual([
      [1, 2001],
      [12345, 15500],
      [61007, 63007],
      [125750, 130001],
    ]);
    expect(annotations[1]!.value).toBe(TEXTS.first);
    // Two themes: the first as CVE_REF, all of them on a last line.
    expect(annotations[2]).toMatchObject({ cve: 'emotie', value: `${TEXTS.second}\n[thema's: Emotie; Weerstand]` });
    const cv = doc.CONTROLLED_VOCABULARY as El;
    const entries = arr(cv.CV_ENTRY_ML).map((e) => [e['@CVE_ID'], ((e.CVE_VALUE as El)['#text'] as string) ?? e.CVE_VALUE]);
    expect(entries).toContainEqual(['emotie', 'Emotie']);
    expect(entries).toHaveLength(11);
    expect(res.text).not.toContain('GEHEIM');
  });

  it('REFI-QDA: a zip with project.qde of codes, a video source, selections in ms and notes', async () => {
    const res = await download(host, 'qdpx');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/\.qdpx"; filename\*=UTF-8''kijkkamer-.*\.qdpx$/);
    const files = unzipSync(res.bytes);
    expect(Object.keys(files)).toEqual(['project.qde']);
    const qde = strFromU8(files['project.qde']!);
    const project = parseXml(qde).Project as El;
    const codes = arr((project.CodeBook as El).Codes && ((project.CodeBook as El).Codes as El).Code);
    expect(codes.map((c) => c['@name'])).toEqual(expect.arrayContaining(['Emotie', 'Weerstand', 'Soort']));
    const source = arr((project.Sources as El).VideoSource)[0]!;
    expect(source['@path']).toBe('absolute://gesprek Joris Bakker.mp4');
    const selections = arr(source.VideoSelection);
    expect(selections.map((s) => [Number(s['@begin']), Number(s['@end'])])).toEqual([
      [1, 2001],
      [12345, 15500],
      [61007, 63007],
      [125750, 130001],
    ]);
    const notes = arr((project.Notes as El).Note).map((n) => n.PlainTextContent);
    expect(notes).toEqual((await observations()).map((o) => o.text));
    expect(qde).not.toContain('GEHEIM');
  });

  it('Markdown: the werkblad with themes, fragments, client feedback, aandachtspunten and SLIM', async () => {
    const res = await download(host, 'md');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const md = res.text;
    expect(md).toContain('# Werkblad Van kijken naar zien: Terugkijken met Karin Öztürk');
    expect(md).toContain('### Emotie');
    expect(md).toContain(themeById('emotie').questions[0]!.nl);
    expect(md).toContain('Zie ik wat Joris voelt?');
    expect(md).toContain('`00:12.345–00:15.500`');
    expect(md).toContain('**Feedback cliënt:** Joris: "ik voelde me gehoord"');
    expect(md).toContain('- Stiltes laten vallen, ook bij Joris');
    expect(md).toContain('## SLIM');
    expect(md).not.toContain('GEHEIM');
  });

  it('the JSON report for the print page has the werkblad with timecodes in every column', async () => {
    const res = await host.get<WerkbladReport>(`/api/rooms/${room.id}/report`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const report = res.body;
    expect(report.room.title).toBe('Terugkijken met Karin Öztürk');
    expect(report.clientPseudonym).toBe(CLIENT_LABEL);
    expect(report.participants).toEqual([
      { role: 'begeleider', names: [PEOPLE.host] },
      { role: 'onderzoeker', names: [PEOPLE.renee] },
      { role: 'klantmanager', names: [PEOPLE.karin] },
      { role: 'coach', names: [PEOPLE.coen] },
      { role: 'client', names: [PEOPLE.joris] },
    ]);
    expect(report.themes.map((t) => t.id)).toEqual(['emotie', 'weerstand']);
    const emotie = report.themes[0]!;
    expect(emotie.questions).toEqual(themeById('emotie').questions.map((q) => q.nl));
    expect(emotie.columns.map((c) => c.id)).toEqual(['vraag', 'zie', 'anders']);
    expect(emotie.columns[0]).toMatchObject({ text: 'Zie ik wat Joris voelt?', items: [{ timecode: '01:01.007', text: TEXTS.second }] });
    expect(emotie.columns[1]!.items).toEqual([{ start: 12.345, end: 15.5, timecode: '00:12.345–00:15.500', text: TEXTS.first, authorName: PEOPLE.karin }]);
    expect(report.themes[1]!.columns[2]).toMatchObject({ text: 'Eerst erkennen, dan doorvragen', items: [{ timecode: '02:05.750–02:10.001' }] });
    expect(report.fragments).toEqual([
      { title: 'Het moment van "nee", Karin', start: 10, end: 20, timecode: '00:10.000–00:20.000', question: 'Wat zag je bij Joris?', themes: ['Emotie'], clientFeedback: 'Joris: "ik voelde me gehoord"' },
    ]);
    expect(report.aandachtspunten).toEqual([{ text: 'Stiltes laten vallen, ook bij Joris' }]);
    expect(report.slim).toEqual({ selfImage: expect.stringContaining('Ik wil wel, maar ik kan niet'), role: expect.any(String), matches: false });
    expect(JSON.stringify(report)).not.toContain('GEHEIM');
  });

  it('pseudonymised exports name nobody, not even in the file name', async () => {
    const found = (text: string) => NAME_PARTS.filter((n) => text.normalize('NFC').toLowerCase().includes(n.toLowerCase()));
    for (const format of ['csv', 'vtt', 'chapters.vtt', 'eaf', 'qdpx', 'md']) {
      const res = await download(karin, format, '?pseudonymise=true');
      expect(res.status, format).toBe(200);
      const body = format === 'qdpx' ? strFromU8(unzipSync(res.bytes)['project.qde']!) : res.text;
      expect(found(body), format).toEqual([]);
      const disposition = res.headers.get('content-disposition')!;
      expect(found(disposition), format).toEqual([]);
      expect(disposition).toContain('kijkkamer-terugkijken-met-klantmanager-');
    }
    const report = await karin.get<WerkbladReport>(`/api/rooms/${room.id}/report?pseudonymise=true`);
    expect(report.status).toBe(200);
    expect(found(JSON.stringify(report.body))).toEqual([]);
    expect(report.body.pseudonymised).toBe(true);
    expect(report.body.participants).toContainEqual({ role: 'client', names: [CLIENT_LABEL] });
    // The names were really there to replace: the same export without the option names them.
    expect(found((await download(karin, 'md')).text)).toEqual(expect.arrayContaining(['Karin', 'Joris', 'Renée']));
  });

  it('refuses roles without the export permission, and strangers', async () => {
    for (const who of [coen, joris]) {
      for (const path of ['exports/csv', 'exports/qdpx', 'report']) {
        const res = await who.get<{ error: { code: string } }>(`/api/rooms/${room.id}/${path}`);
        expect(res.status, path).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
    }
    expect((await new HttpClient(server.url).get(`/api/rooms/${room.id}/exports/csv`)).status).toBe(401);
    expect((await host.get(`/api/rooms/${room.id}/exports/pdf`)).status).toBe(400);
  });

  it('does not put the video into the project file while the host has not allowed downloads', async () => {
    const qdpx = await host.get<{ error: { code: string; message: string } }>(`/api/rooms/${room.id}/exports/qdpx?includeVideo=true`);
    expect(qdpx.status).toBe(403);
    expect(qdpx.body.error.message).toMatch(/Downloading the video is not allowed in this room/);
    expect((await host.get(`/api/rooms/${room.id}/exports/csv?includeVideo=true`)).status).toBe(400);
    expect((await download(host, 'qdpx', '?includeVideo=false')).status).toBe(200);
  });

  it('leaves client feedback out for a role the host did not allow to read it', async () => {
    const settings = await host.put(`/api/rooms/${room.id}/feedback-settings`, { roles: ['onderzoeker'] });
    expect(settings.status).toBe(200);
    const report = await karin.get<WerkbladReport>(`/api/rooms/${room.id}/report`);
    expect(report.body.clientFeedbackShown).toBe(false);
    expect(report.body.fragments[0]!.clientFeedback).toBeNull();
    expect(JSON.stringify(report.body)).not.toContain('gehoord');
    expect((await download(karin, 'md')).text).not.toContain('gehoord');
    // The onderzoeker is still on the list.
    expect((await renee.get<WerkbladReport>(`/api/rooms/${room.id}/report`)).body.fragments[0]!.clientFeedback).toBe('Joris: "ik voelde me gehoord"');
  });
});
