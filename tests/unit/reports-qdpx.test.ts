import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { pictureSelectionBox, QDE_NAMESPACE, qdpxPictureEntryPath, qdpxVideoEntryPath, toQdpx, toQdpxStream, type QdpxPicture } from '../../shared/reports/qdpx.ts';
import type { ReportInput } from '../../shared/reports/types.ts';
import { byTime, DRAWN, makeDrawnInput, makeInput } from './reports-fixtures.ts';

type El = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => ['User', 'Code', 'VideoSource', 'VideoSelection', 'PictureSource', 'PictureSelection', 'Coding', 'NoteRef', 'Note'].includes(name),
});
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function open(zip: Uint8Array): { files: Record<string, Uint8Array>; qde: string; project: El } {
  const files = unzipSync(zip);
  const qde = strFromU8(files['project.qde']!);
  expect(XMLValidator.validate(qde)).toBe(true);
  const project = (parser.parse(qde) as El).Project as El;
  return { files, qde, project };
}
const arr = (x: unknown): El[] => (x as El[] | undefined) ?? [];
const flattenCodes = (codes: El[]): El[] => codes.flatMap((c) => [c, ...flattenCodes(arr(c.Code))]);

describe('toQdpx', () => {
  it('is a zip with a REFI-QDA project.qde in the right namespace and element order', () => {
    const { files, qde, project } = open(toQdpx(makeInput(), { pseudonymise: false }));
    expect(Object.keys(files)).toEqual(['project.qde']);
    expect(project['@xmlns']).toBe(QDE_NAMESPACE);
    expect(project['@name']).toBe('Gesprek met Jan de Vries, café "De Hoek"');
    const order = ['Users', 'CodeBook', 'Sources', 'Notes'].map((t) => qde.indexOf(`<${t}>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('has users, theme codes, one video selection per observation, codings and notes that resolve', () => {
    const input = makeInput();
    const { project } = open(toQdpx(input, { pseudonymise: false }));
    const users = arr((project.Users as El).User);
    expect(users.map((u) => u['@name'])).toEqual([
      'Anna Bakker', 'Jan de Vries', 'Piet Jansen', 'Zoë van den Berg', 'Eline Maréchal', 'Gijs Gastmans',
    ]);
    const topCodes = arr(((project.CodeBook as El).Codes as El).Code);
    expect(topCodes.map((c) => [c['@name'], c['@isCodable']])).toEqual([
      ['Contact maken', 'true'],
      ['Actief luisteren', 'true'],
      ['Regie bij de cliënt', 'true'],
      ['t-onbekend', 'true'],
      ['Soort', 'false'],
    ]);
    const codes = flattenCodes(topCodes);
    const codeName = new Map(codes.map((c) => [c['@guid'] as string, c['@name'] as string]));
    const userName = new Map(users.map((u) => [u['@guid'] as string, u['@name'] as string]));
    const notes = arr((project.Notes as El).Note);
    const noteText = new Map(notes.map((n) => [n['@guid'] as string, String(n.PlainTextContent ?? '')]));

    const all = [...users, ...codes, ...notes].map((x) => x['@guid'] as string);
    const source = arr((project.Sources as El).VideoSource)[0]!;
    const selections = arr(source.VideoSelection);
    all.push(source['@guid'] as string, ...selections.map((s) => s['@guid'] as string));
    all.push(...selections.flatMap((s) => arr(s.Coding).map((c) => c['@guid'] as string)));
    for (const g of all) expect(g).toMatch(GUID);
    expect(new Set(all).size).toBe(all.length);

    expect(source['@name']).toBe('gesprek jan.mp4');
    expect(source['@path']).toBe('absolute://gesprek jan.mp4');
    const sorted = byTime(input.observations);
    expect(selections).toHaveLength(sorted.length);
    const seen = selections.map((s) => ({
      begin: Number(s['@begin']),
      end: Number(s['@end']),
      user: userName.get(s['@creatingUser'] as string),
      codes: arr(s.Coding).map((c) => codeName.get((c.CodeRef as El)['@targetGUID'] as string)),
      note: arr(s.NoteRef).map((r) => noteText.get(r['@targetGUID'] as string)),
    }));
    expect(seen).toEqual([
      { begin: 1, end: 2, user: 'Anna Bakker', codes: ['Contact maken', 'zie'], note: [sorted[0]!.text] },
      { begin: 10000, end: 12000, user: 'Piet Jansen', codes: ['Regie bij de cliënt', 'vraag'], note: [sorted[1]!.text] },
      { begin: 61234, end: 75500, user: 'Anna Bakker', codes: ['Contact maken', 'Actief luisteren', 'zie'], note: [sorted[2]!.text] },
      { begin: 125750, end: 127750, user: 'Gijs Gastmans', codes: ['Actief luisteren', 'zie'], note: [sorted[3]!.text] },
      { begin: 3725500, end: 3727001, user: 'Zoë van den Berg', codes: ['t-onbekend', 'anders'], note: [sorted[4]!.text] },
      { begin: 3729500, end: 3730000, user: 'Eline Maréchal', codes: ['notitie'], note: [sorted[5]!.text] },
    ]);
    // Texts with quotes, newlines (CR kept), Dutch characters and markup survive.
    expect(noteText.get(arr(selections[5]!.NoteRef)[0]!['@targetGUID'] as string)).toBe(
      '- Eline Maréchal en mevrouw de Vries: "geen" commentaar\r\n\r\nvolgende regel',
    );
  });

  it('is deterministic: the same input gives the same bytes and GUIDs', () => {
    const a = toQdpx(makeInput(), { pseudonymise: false });
    const b = toQdpx(makeInput(), { pseudonymise: false });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const other: ReportInput = { ...makeInput(), room: { ...makeInput().room, id: 'room-2' } };
    const guidsA = open(a).qde.match(/guid="[^"]+"/g)!;
    const guidsB = open(toQdpx(other, { pseudonymise: false })).qde.match(/guid="[^"]+"/g)!;
    expect(guidsA.filter((g) => guidsB.includes(g))).toEqual([]); // GUIDs are per room
  });

  it('embeds the video under Sources/ with an internal:// path when given', () => {
    const input = makeInput();
    const video = new Uint8Array([0, 1, 2, 3, 255, 254]);
    const { files, project } = open(toQdpx(input, { pseudonymise: true }, video));
    const entry = qdpxVideoEntryPath(input);
    expect(entry).toMatch(/^Sources\/[0-9a-f-]{36}\.mp4$/);
    expect(Array.from(files[entry]!)).toEqual(Array.from(video));
    const source = arr((project.Sources as El).VideoSource)[0]!;
    expect(source['@path']).toBe(`internal://${entry.slice('Sources/'.length)}`);
    expect(source['@guid']).toBe(entry.slice('Sources/'.length, -'.mp4'.length));

    // The caller may add the video itself: same path, no entry written by us.
    const self = open(toQdpx(input, { pseudonymise: false, videoIncluded: true }));
    expect(Object.keys(self.files)).toEqual(['project.qde']);
    expect(arr((self.project.Sources as El).VideoSource)[0]!['@path']).toBe(`internal://${entry.slice('Sources/'.length)}`);
  });

  it('pseudonymises users, note names and texts', () => {
    const { project } = open(toQdpx(makeInput(), { pseudonymise: true }));
    expect(arr((project.Users as El).User).map((u) => u['@name'])).toEqual([
      'begeleider', 'Noor', 'coach 1', 'coach 2', 'klantmanager', 'collega',
    ]);
    const notes = arr((project.Notes as El).Note);
    expect(notes.map((n) => n['@name'])).toContain('zie 01:01.234 – begeleider');
    expect(notes.map((n) => n.PlainTextContent)).toContain('Noor knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; begeleider wacht.');
  });

  it('gives a drawn observation its frame as a PictureSource with a PictureSelection around the drawing, coded like its VideoSelection', () => {
    const input = makeDrawnInput();
    const drawn = input.observations.find((o) => o.start === 61.234)!;
    const arrowOnly = input.observations.find((o) => o.start === 10)!;
    // Only the frames the caller rendered go in: here the one at 61.234 s, not the arrow's at 10 s.
    const png: QdpxPicture = { png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), width: 640, height: 480 };
    const { files, qde, project } = open(toQdpx(input, { pseudonymise: false }, null, new Map([[drawn.id, png], ['o-unknown', png]])));
    const entry = qdpxPictureEntryPath(input, drawn.id);
    expect(entry).toMatch(/^Sources\/[0-9a-f-]{36}\.png$/);
    expect(Object.keys(files).sort()).toEqual([entry, 'project.qde'].sort());
    expect(Array.from(files[entry]!)).toEqual(Array.from(png.png));

    const sources = project.Sources as El;
    const pictures = arr(sources.PictureSource);
    expect(pictures).toHaveLength(1);
    const picture = pictures[0]!;
    expect(picture['@path']).toBe(`internal://${entry.slice('Sources/'.length)}`);
    expect(picture['@guid']).toMatch(GUID);
    expect(picture['@name']).toBe('01:01.234 zie: Jan knikt, zegt "ja" en kijkt weg. Daarna: stilte; Anna wac… (beeld met tekening)');
    // The PictureSelection: the schema's attributes, whole pixels, top left to bottom right around the shapes.
    const [selection] = arr(picture.PictureSelection);
    expect(selection!['@name']).toMatch(/\(tekening: 1 pijl, 1 ellips, 1 label \(“Anna, hier”\)\)$/);
    const box = ['@firstX', '@firstY', '@secondX', '@secondY'].map((k) => selection![k] as string);
    expect(box.every((v) => /^\d+$/.test(v))).toBe(true);
    // Arrow from (10 %, 10 %), ellipse to (70 %, 40 %), label at (60 %, 60 %) 5 % high and ~22 % wide.
    expect(box.map(Number)).toEqual([64, 48, 525, 312]);
    expect(pictureSelectionBox(DRAWN, 640, 480)).toEqual({ firstX: 64, firstY: 48, secondX: 525, secondY: 312 });

    // The same codes, user and note as the observation's VideoSelection; GUIDs unique in the project.
    const video = arr(arr(sources.VideoSource)[0]!.VideoSelection).find((v) => v['@begin'] === '61234')!;
    const codesOf = (sel: El) => arr(sel.Coding).map((c) => (c.CodeRef as El)['@targetGUID']);
    expect(codesOf(selection!)).toEqual(codesOf(video));
    expect(codesOf(selection!)).toHaveLength(3);
    expect(arr(selection!.NoteRef)).toEqual(arr(video.NoteRef));
    expect(selection!['@creatingUser']).toBe(video['@creatingUser']);
    const guids = qde.match(/ guid="[^"]+"/g)!;
    expect(new Set(guids).size).toBe(guids.length);
    // Sources lists the video first, then the pictures; within a picture, the selection's Coding before its NoteRef.
    expect(qde.indexOf('<VideoSource')).toBeLessThan(qde.indexOf('<PictureSource'));
    expect(qde.indexOf('</VideoSource>')).toBeLessThan(qde.indexOf('<PictureSource'));
    // The drawing is still noted in words, also for the observation whose frame was not rendered.
    const notes = arr((project.Notes as El).Note).map((n) => String(n.PlainTextContent));
    expect(notes).toContain(`${arrowOnly.text}\n\n(tekening: 1 pijl)`);

    // Without rendered frames: no PictureSource at all.
    expect(open(toQdpx(input, { pseudonymise: false })).qde).not.toContain('PictureSource');
  });

  it('streams the pictures into the zip before the video', async () => {
    const input = makeDrawnInput();
    const drawn = input.observations.find((o) => o.start === 61.234)!;
    const png: QdpxPicture = { png: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9]), width: 320, height: 240 };
    async function* video() {
      yield new Uint8Array([1, 2, 3]);
    }
    const chunks: Uint8Array[] = [];
    for await (const chunk of toQdpxStream(input, { pseudonymise: true }, video(), new Map([[drawn.id, png]]))) chunks.push(chunk);
    const { files, project } = open(Buffer.concat(chunks));
    expect(Object.keys(files)).toEqual(['project.qde', qdpxPictureEntryPath(input, drawn.id), qdpxVideoEntryPath(input)]);
    expect(Array.from(files[qdpxPictureEntryPath(input, drawn.id)]!)).toEqual(Array.from(png.png));
    const selection = arr(arr((project.Sources as El).PictureSource)[0]!.PictureSelection)[0]!;
    // Pseudonymised like everything else: the label on the picture names the role.
    expect(selection['@name']).toContain('“begeleider, hier”');
  });

  it('still writes a valid project without media, themes or observations', () => {
    const input: ReportInput = { ...makeInput(), media: null, themes: [], observations: [], participants: [] };
    const { qde, project } = open(toQdpx(input, { pseudonymise: false }));
    expect(qde).not.toContain('<Users>');
    expect(qde).not.toContain('<Notes>');
    const source = arr((project.Sources as El).VideoSource)[0]!;
    expect(source['@path']).toBeUndefined();
  });
});
