/**
 * Script, markup and formula payloads in every free-text field come out of every export inert,
 * checked with an independent reader of each format: CSV (csv-parse: no cell a spreadsheet would
 * run), the access log CSV, WebVTT and chapters (the W3C validator's parser: no extra cues, no
 * markup), ELAN .eaf and REFI-QDA .qdpx (fast-xml-parser: well-formed, payloads only as text),
 * Markdown (rendered with marked, which passes raw HTML through: no element, no javascript: link)
 * and the werkblad report's JSON (rendered by the app; the browser test checks that).
 */
import { createRequire } from 'node:module';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileRoom, FORMULA_START, MARK, PAYLOADS, type HostileRoom } from '../helpers/payloads.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const require = createRequire(import.meta.url);
interface VttCue {
  text: string;
}
const { WebVTTParser } = require('webvtt-parser') as { WebVTTParser: new (entities?: unknown) => { parse(text: string, kind: string): { cues: VttCue[]; errors: unknown[] } } };
const vttEntities = require('webvtt-parser/html-entities.json') as unknown;

const xml = new XMLParser({ ignoreAttributes: false, preserveOrder: true, trimValues: false, parseTagValue: false, htmlEntities: true });
/** Every element name in a parsed document. */
function elementNames(nodes: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(nodes)) for (const n of nodes) elementNames(n, out);
  else if (nodes && typeof nodes === 'object') {
    for (const [k, v] of Object.entries(nodes)) {
      if (k === ':@' || k === '#text') continue;
      out.add(k);
      elementNames(v, out);
    }
  }
  return out;
}
/** Every text node of a parsed document, decoded. */
function texts(nodes: unknown, out: string[] = []): string[] {
  if (Array.isArray(nodes)) for (const n of nodes) texts(n, out);
  else if (nodes && typeof nodes === 'object') {
    for (const [k, v] of Object.entries(nodes)) {
      if (k === '#text') out.push(String(v));
      else if (k !== ':@') texts(v, out);
    }
  }
  return out;
}
const INJECTED_ELEMENTS = ['script', 'img', 'svg', 'iframe', 'b', 'i', 'details', 'ANNOTATION_VALUE_X'];

describe('payloads in every free-text field are inert in every export', () => {
  let server: TestServer;
  let h: HostileRoom;
  beforeAll(async () => {
    server = await startServer();
    h = await hostileRoom(server);
  }, 60_000);
  afterAll(() => server?.dispose());

  const download = async (path: string): Promise<{ status: number; type: string | null; disposition: string | null; bytes: Uint8Array }> => {
    const res = await fetch(`${server.url}/api/rooms/${h.room.id}${path}`, { headers: { cookie: h.host.cookieHeader } });
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: new Uint8Array(await res.arrayBuffer()) };
  };
  const text = async (path: string) => {
    const res = await download(path);
    expect(res.status).toBe(200);
    // The room title (with quotes, <, =) in the file name never breaks the header.
    expect(res.disposition ?? '').toMatch(/^attachment; filename="[\x20-\x7e]*"/);
    expect(res.disposition ?? '').not.toMatch(/[<>\r\n]/);
    return Buffer.from(res.bytes).toString('utf8');
  };

  /** No cell a spreadsheet would treat as a formula, and every payload there, guarded, not lost. */
  function expectNoFormulas(rows: string[][], mustContain: string[]): void {
    const cells = rows.flat();
    expect(cells.filter((c) => FORMULA_START.test(c))).toEqual([]);
    for (const wanted of mustContain) expect(cells.some((c) => c === wanted || c === `'${wanted}`), wanted).toBe(true);
  }

  it('CSV: every cell that starts like a formula is guarded with an apostrophe', async () => {
    const rows = parseCsv(await text('/exports/csv'), { bom: true, relax_quotes: false }) as string[][];
    expect(rows).toHaveLength(PAYLOADS.length + 1);
    expectNoFormulas(rows, [...PAYLOADS, ...h.guestNames]);
  });

  it('the access log CSV: names and the room title guarded too', async () => {
    const rows = parseCsv(await text('/media/access-log.csv'), { bom: true }) as string[][];
    expect(rows.length).toBeGreaterThanOrEqual(h.guests.length + 1);
    expectNoFormulas(rows, [...h.guestNames, h.room.title]);
  });

  it('WebVTT: one cue per observation, whatever the text says; markup only as text', async () => {
    const vtt = await text('/exports/vtt');
    const tree = new WebVTTParser(vttEntities).parse(vtt, 'subtitles');
    expect(tree.errors).toEqual([]);
    expect(tree.cues).toHaveLength(PAYLOADS.length);
    expect(vtt).not.toMatch(new RegExp(`<(script|img|svg|iframe|details|b) ${MARK}`));
    // The injected cue timing ("… --> …") and "WEBVTT" header stay inside their cues.
    expect(tree.cues.filter((c) => c.text.includes('nep-cue'))).toHaveLength(1);
  });

  it('WebVTT chapters: one chapter per fragment, titles only as text', async () => {
    const vtt = await text('/exports/chapters.vtt');
    const tree = new WebVTTParser(vttEntities).parse(vtt, 'chapters');
    expect(tree.errors).toEqual([]);
    expect(tree.cues).toHaveLength(h.fragmentIds.length);
    expect(vtt).not.toMatch(new RegExp(`<(script|img|svg|iframe|details|b) ${MARK}`));
  });

  it('ELAN .eaf: well-formed XML where every payload is text, never an element', async () => {
    const eaf = await text('/exports/eaf');
    expect(XMLValidator.validate(eaf)).toBe(true);
    const doc = xml.parse(eaf) as unknown;
    const names = elementNames(doc);
    for (const tag of INJECTED_ELEMENTS) expect(names.has(tag), tag).toBe(false);
    const all = texts(doc);
    // Carriage returns are normalised by any XML parser; the rest comes back exactly.
    for (const p of PAYLOADS.filter((x) => !x.includes('\r'))) expect(all.some((t) => t.includes(p)), p).toBe(true);
  });

  it('REFI-QDA .qdpx: the project XML the same, and no file name in the zip escapes it', async () => {
    const res = await download('/exports/qdpx');
    expect(res.status).toBe(200);
    const files = unzipSync(res.bytes);
    for (const name of Object.keys(files)) expect(name).toMatch(/^[\w.-]+(\/[\w.-]+)*$/);
    const qde = strFromU8(files['project.qde']!);
    expect(XMLValidator.validate(qde)).toBe(true);
    const doc = xml.parse(qde) as unknown;
    const names = elementNames(doc);
    for (const tag of INJECTED_ELEMENTS) expect(names.has(tag), tag).toBe(false);
    const all = texts(doc).join('\n');
    for (const p of PAYLOADS.filter((x) => !x.includes('\r'))) expect(all.includes(p.split('\n')[0]!), p).toBe(true);
  });

  it('Markdown (werkblad): rendered by a renderer that passes HTML through, it has no element or script link of ours', async () => {
    const md = await text('/exports/md');
    const html = await marked.parse(md);
    expect(html).not.toMatch(new RegExp(`<(script|img|svg|iframe|details|b|i)\\b[^>]*${MARK}`, 'i'));
    expect(html).not.toMatch(/<[^>]+\bon[a-z]+\s*=/i);
    expect(html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
    expect(html).not.toMatch(/<img\b/i);
    // The payloads are there, as text.
    expect(html).toContain(`&lt;img src=x ${MARK}`);
  });

  it('the werkblad report (JSON for the print page) carries the texts as data, exactly', async () => {
    const res = await download('/report');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const body = Buffer.from(res.bytes).toString('utf8');
    expect(body).toContain(JSON.stringify(PAYLOADS[0]).slice(1, -1));
  });
});
