import { parse as parseCsvSync } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportDone, ImportPreview } from '../../shared/api/reports-schemas.ts';
import type { Room, RoomView } from '../../shared/api/schemas.ts';
import { readObservations } from '../../shared/notes/doc.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, invite, joinAsGuest, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

type ErrorReply = { error: { code: string; message: string } };

/** A spreadsheet a researcher made: Dutch headers, a quoted multi-line text, two bad rows. */
const CSV = [
  'start;eind;soort;thema;auteur;tekst',
  '12.345;15.5;zie;Emotie;Anna de Wit;"Zegt ""nee"", en kijkt weg',
  'tweede regel; met puntkomma"',
  'abc;;zie;;;geen tijd',
  '20;10;vraag;;;eind voor begin',
  '1:01:01.007;;vraag;"Weerstand; Emotie";;Moment, zonder eind',
  '',
].join('\r\n');

/** Earlier ELAN annotations: two tiers, an annotator, a theme through the vocabulary. */
const EAF = `<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00Z" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"/>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1234"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="5679"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="90001"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="90999"/>
  </TIME_ORDER>
  <TIER TIER_ID="Onderzoeker – zie" ANNOTATOR="Marloes Ç." LINGUISTIC_TYPE_REF="default">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2" CVE_REF="c1">
      <ANNOTATION_VALUE>Cliënt &amp; klantmanager lachen "samen"</ANNOTATION_VALUE>
    </ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <TIER TIER_ID="notities" LINGUISTIC_TYPE_REF="default">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
      <ANNOTATION_VALUE>Lange stilte, dan: "oké"</ANNOTATION_VALUE>
    </ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a3" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts9">
      <ANNOTATION_VALUE>verwijst naar een tijdslot dat er niet is</ANNOTATION_VALUE>
    </ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE LINGUISTIC_TYPE_ID="default" TIME_ALIGNABLE="true" CONTROLLED_VOCABULARY_REF="kw"/>
  <CONTROLLED_VOCABULARY CV_ID="kw">
    <CV_ENTRY_ML CVE_ID="c1"><CVE_VALUE LANG_REF="nld">Beleving</CVE_VALUE></CV_ENTRY_ML>
  </CONTROLLED_VOCABULARY>
</ANNOTATION_DOCUMENT>
`;

const VTT = `WEBVTT

1
00:02:03.456 --> 00:02:04.001
<v Sanne>Wat gebeurt hier, ëïé?

2
00:02:10.000 --> 00:02:05.000
eind vóór begin
`;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, isArray: (n) => ['TIER', 'ANNOTATION', 'TIME_SLOT'].includes(n) });

describe('importing observations from CSV, WebVTT and ELAN files', () => {
  let server: TestServer;
  let host: HttpClient;
  let karin: HttpClient;
  let meekijker: HttpClient;
  let room: Room;
  let karinId: string;
  const open: TestProvider[] = [];

  const preview = (http: HttpClient, format: string, content: string) => http.post<ImportPreview & ErrorReply>(`/api/rooms/${room.id}/imports/preview`, { format, content });
  const doImport = (http: HttpClient, body: Record<string, unknown>) => http.post<ImportDone & ErrorReply>(`/api/rooms/${room.id}/imports`, body);
  const stored = async () => readObservations(await server.app.services.notes.getDoc(room.id));

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
    room = await createRoom(host, 'Import van eerdere annotaties');
    karin = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'klantmanager')).token, 'Karin')).guest;
    meekijker = (await joinAsGuest(server, room.id, (await invite(host, room.id, 'meekijker')).token, 'Mees')).guest;
    karinId = (await karin.get<RoomView>(`/api/rooms/${room.id}`)).body.me.participantId;
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server?.dispose();
  });

  it('previews a CSV file: what will be added, and which rows are skipped and why', async () => {
    const res = await preview(karin, 'csv', CSV);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      { start: 12.345, end: 15.5, kind: 'zie', themes: ['emotie'], text: 'Zegt "nee", en kijkt weg\r\ntweede regel; met puntkomma', authorName: 'Anna de Wit' },
      { start: 3661.007, end: null, kind: 'vraag', themes: ['weerstand', 'emotie'], text: 'Moment, zonder eind', authorName: null },
    ]);
    expect(res.body.skipped).toEqual([
      { line: 4, reason: expect.stringContaining('geen geldige tijd') },
      { line: 5, reason: expect.stringContaining('eindtijd ligt vóór begintijd') },
    ]);
    // A preview writes nothing.
    expect(await stored()).toEqual([]);
  });

  it('imports only the selected items, into the shared document that connected people see', async () => {
    const hostShared = openProvider(host, room.id);
    open.push(hostShared);
    await synced(hostShared);
    const res = await doImport(karin, { format: 'csv', content: CSV, selected: [1] });
    expect(res.status).toBe(200);
    expect(res.body.added).toBe(1);
    expect(res.body.skipped).toHaveLength(2);
    await until(() => readObservations(hostShared.doc).length === 1);
    expect(readObservations(hostShared.doc)[0]).toMatchObject({
      start: 3661.007,
      end: null,
      kind: 'vraag',
      text: 'Moment, zonder eind',
      // No author in the file: the importer is the author.
      authorId: karinId,
      authorName: 'Karin',
      role: 'klantmanager',
    });
  });

  it('keeps the times to the millisecond from import to export (CSV, ELAN, WebVTT)', async () => {
    const csv = await doImport(karin, { format: 'csv', content: CSV, selected: [0] });
    const eaf = await doImport(karin, { format: 'eaf', content: EAF });
    const vtt = await doImport(karin, { format: 'vtt', content: VTT });
    expect([csv.body.added, eaf.body.added, vtt.body.added]).toEqual([1, 2, 1]);
    expect(eaf.body.skipped).toEqual([{ line: expect.any(Number), reason: expect.stringContaining('ts9') }]);
    expect(vtt.body.skipped).toHaveLength(1);

    const imported = await stored();
    // The author named in a file is kept; the role is the importer's.
    expect(imported.find((o) => o.start === 1.234)).toMatchObject({ authorName: 'Marloes Ç.', role: 'klantmanager', authorId: karinId, themes: ['beleving'], kind: 'zie' });
    expect(imported.find((o) => o.start === 123.456)).toMatchObject({ authorName: 'Sanne', text: 'Wat gebeurt hier, ëïé?' });
    expect(imported.find((o) => o.start === 12.345)).toMatchObject({ authorName: 'Anna de Wit' });

    const expected = [
      ['1.234', '5.679'],
      ['12.345', '15.500'],
      ['90.001', '90.999'],
      ['123.456', '124.001'],
      ['3661.007', ''],
    ];
    const csvOut = await karin.get<string>(`/api/rooms/${room.id}/exports/csv`);
    const rows = parseCsvSync(csvOut.body, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.start, r.end])).toEqual(expected);
    expect(rows.map((r) => r.text)).toEqual([
      'Cliënt & klantmanager lachen "samen"',
      'Zegt "nee", en kijkt weg\r\ntweede regel; met puntkomma',
      'Lange stilte, dan: "oké"',
      'Wat gebeurt hier, ëïé?',
      'Moment, zonder eind',
    ]);

    const eafOut = await karin.get<string>(`/api/rooms/${room.id}/exports/eaf`);
    const doc = (xml.parse(eafOut.body) as { ANNOTATION_DOCUMENT: Record<string, unknown> }).ANNOTATION_DOCUMENT;
    const slots = new Map(
      ((doc.TIME_ORDER as { TIME_SLOT: Record<string, string>[] }).TIME_SLOT).map((s) => [s['@TIME_SLOT_ID'], Number(s['@TIME_VALUE'])]),
    );
    const ranges = (doc.TIER as { ANNOTATION: { ALIGNABLE_ANNOTATION: Record<string, string> }[] }[])
      .flatMap((t) => t.ANNOTATION.map((a) => [slots.get(a.ALIGNABLE_ANNOTATION['@TIME_SLOT_REF1']!), slots.get(a.ALIGNABLE_ANNOTATION['@TIME_SLOT_REF2']!)]))
      .sort((a, b) => a[0]! - b[0]!);
    // The moment lasts MOMENT_SECONDS in ELAN, which has no moments.
    expect(ranges).toEqual([
      [1234, 5679],
      [12345, 15500],
      [90001, 90999],
      [123456, 124001],
      [3661007, 3663007],
    ]);
  });

  it('reports files it cannot use: 422 for the wrong format, 413 over the size cap', async () => {
    const notXml = await preview(karin, 'eaf', 'dit is geen XML');
    expect(notXml.status).toBe(422);
    expect(notXml.body.error.code).toBe('unprocessable');
    expect(notXml.body.error.message).toMatch(/ELAN/);
    const noHeader = await doImport(karin, { format: 'csv', content: '1;2;3\n4;5;6' });
    expect(noHeader.status).toBe(422);
    expect(noHeader.body.error.message).toMatch(/kopregel/);

    // Within the request cap, over the importer's 5 MB: the importer's own 413.
    const big = await preview(karin, 'csv', `start,text\n${'1,x\n'.repeat(1_400_000)}`);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('too_large');
    // Over the route's 6 MB request cap: refused before parsing.
    const huge = await preview(karin, 'csv', 'x'.repeat(6.5 * 1024 * 1024));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('too_large');

    const wrongIndex = await doImport(karin, { format: 'csv', content: CSV, selected: [5] });
    expect(wrongIndex.status).toBe(400);
    expect(await stored()).toHaveLength(5);
  });

  it('lets only roles that may write observations import', async () => {
    expect((await preview(meekijker, 'vtt', VTT)).status).toBe(403);
    expect((await doImport(meekijker, { format: 'vtt', content: VTT })).status).toBe(403);
    expect(await stored()).toHaveLength(5);
  });
});
