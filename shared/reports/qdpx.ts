/**
 * REFI-QDA project export (.qdpx): a zip with `project.qde` (namespace urn:QDA-XML:project:1.0)
 * and optionally the recording under `Sources/`.
 *
 * - Users: every participant/author (names pseudonymised when asked).
 * - CodeBook: one code per Kijkwijzer theme (plus any unknown theme id in use), and a non-codable
 *   code "Soort" with a child code per observation kind (vraag, zie, anders, notitie).
 * - Sources/VideoSource: one per export. Its path is "internal://<guid>.<ext>" when the video is
 *   embedded (bytes passed to `toQdpx`, streamed through `toQdpxStream`, or `videoIncluded` when
 *   the caller adds the entry `qdpxVideoEntryPath` to the zip itself), else "absolute://<file name>".
 * - One VideoSelection per observation (begin/end in whole ms; moments last MOMENT_SECONDS), a
 *   Coding per theme and for its kind, and a NoteRef to a Note holding the text (PlainTextContent).
 * - Sources/PictureSource: one per observation with a drawing whose frame the caller renders (the
 *   frame with the drawing over it, a PNG at "internal://<guid>.png"), holding one PictureSelection
 *   around the drawn shapes (firstX/firstY top left, secondX/secondY bottom right, in the PNG's
 *   pixels) with the same codings and note as the observation's VideoSelection.
 * - GUIDs are RFC 4122 version-4-shaped but derived from a hash of room id + ids, so the same
 *   room exports the same GUIDs every time.
 */
import { drawingBounds } from '../drawing/geometry.ts';
import { COORD_MAX, describeDrawingNl, type Shape } from '../drawing/shapes.ts';
import { strToU8, Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import { OBSERVATION_KINDS } from '../notes/types.ts';
import type { ExportOptions, ReportInput } from './types.ts';
import { formatTimecode, rangeMs, reportPeople, sortObservations, unique, xmlAttr, xmlText } from './format.ts';
import { prepareInput } from './pseudonymise.ts';

export interface QdpxOptions extends ExportOptions {
  /** The caller puts the video into the zip (or passes its bytes): use an internal:// path. */
  videoIncluded?: boolean;
}

/** An observation's frame with its drawing, as the caller rendered it: a PNG of `width`×`height`. */
export interface QdpxPicture {
  png: Uint8Array;
  width: number;
  height: number;
}
/** The rendered frames, by observation id; observations without one keep their drawing in words only. */
export type QdpxPictures = ReadonlyMap<string, QdpxPicture>;

export const QDE_NAMESPACE = 'urn:QDA-XML:project:1.0';

/** 128-bit non-cryptographic hash of a string: four FNV-1a-style lanes with different seeds, murmur3 finaliser. */
function hash128(text: string): [number, number, number, number] {
  let h0 = 0x811c9dc5;
  let h1 = 0x9e3779b9;
  let h2 = 0x7f4a7c15;
  let h3 = 0xc2b2ae35;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h0 = Math.imul(h0 ^ c, 0x01000193);
    h1 = Math.imul(h1 ^ (c + 0x3b), 0x01000193);
    h1 ^= h1 >>> 14;
    h2 = Math.imul(h2 ^ (c + 0x76), 0x01000193);
    h2 ^= h2 >>> 15;
    h3 = Math.imul(h3 ^ (c + 0xb1), 0x01000193);
    h3 ^= h3 >>> 16;
  }
  const fmix = (h: number): number => {
    h ^= text.length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  };
  return [fmix(h0), fmix(h1 ^ h0), fmix(h2 ^ h1), fmix(h3 ^ h2)];
}

/** A deterministic RFC 4122 version-4-shaped GUID for a name. */
export function deterministicGuid(name: string): string {
  const [a, b, c, d] = hash128(name);
  const hex = (n: number, width = 8): string => n.toString(16).padStart(width, '0');
  const b2 = ((b & 0xffff0fff) | 0x00004000) >>> 0; // version 4 in the third group
  const c2 = ((c & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx in the fourth group
  const h2 = hex(b2);
  const h3 = hex(c2);
  return `${hex(a)}-${h2.slice(0, 4)}-${h2.slice(4)}-${h3.slice(0, 4)}-${h3.slice(4)}${hex(d)}`;
}

const guidFor = (roomId: string, kind: string, id: string): string =>
  deterministicGuid(`kijkkamer\u0000${roomId}\u0000${kind}\u0000${id}`);

const EXT_BY_MIME: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/webm': 'weba',
};

function videoExtension(input: ReportInput): string {
  const fromName = /\.([A-Za-z0-9]{1,8})$/.exec(input.media?.fileName ?? '')?.[1];
  return (fromName ?? EXT_BY_MIME[input.media?.mimeType ?? ''] ?? 'mp4').toLowerCase();
}

/** Zip entry name of an observation's frame with its drawing: "Sources/<guid>.png". */
export function qdpxPictureEntryPath(input: ReportInput, observationId: string): string {
  return `Sources/${guidFor(input.room.id, 'picture', observationId)}.png`;
}

/**
 * The PictureSelection's corners in the picture's pixels: the box around the shapes, never empty,
 * within the picture.
 */
export function pictureSelectionBox(shapes: readonly Shape[], width: number, height: number): { firstX: number; firstY: number; secondX: number; secondY: number } {
  const [x0, y0, x1, y1] = drawingBounds(shapes) ?? [0, 0, COORD_MAX, COORD_MAX];
  const px = (v: number, size: number): number => Math.min(size, Math.max(0, Math.round((v / COORD_MAX) * size)));
  const firstX = Math.min(px(x0, width), width - 1);
  const firstY = Math.min(px(y0, height), height - 1);
  return { firstX, firstY, secondX: Math.max(px(x1, width), firstX + 1), secondY: Math.max(px(y1, height), firstY + 1) };
}

/** Zip entry name for the embedded recording: "Sources/<guid>.<ext>" (same for both privacy modes). */
export function qdpxVideoEntryPath(input: ReportInput): string {
  return `Sources/${guidFor(input.room.id, 'video', 'source')}.${videoExtension(input)}`;
}

function attrs(pairs: [string, string | number | null | undefined][]): string {
  let out = '';
  for (const [k, v] of pairs) {
    if (v !== null && v !== undefined && v !== '') out += ` ${k}="${xmlAttr(String(v))}"`;
  }
  return out;
}

const isoOrNull = (ms: number): string | null => {
  const d = new Date(ms);
  return Number.isFinite(ms) && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
};

const oneLine = (text: string, max: number): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * The project.qde XML on its own (what `toQdpx` zips). `pictures` are the frames the zip holds
 * (only their sizes are read here).
 */
export function toQde(input: ReportInput, opts: QdpxOptions, embedded = false, pictures: ReadonlyMap<string, { width: number; height: number }> = new Map()): string {
  const data = prepareInput(input, opts);
  const roomId = input.room.id;
  const people = reportPeople(data);
  const userGuid = new Map(people.map((p) => [p.id, guidFor(roomId, 'user', p.id)]));
  const observations = sortObservations(data.observations);

  const codes = data.themes.map((t) => ({ id: t.id, name: t.name }));
  const knownCodes = new Set(codes.map((c) => c.id));
  for (const o of observations) {
    for (const id of o.themes) {
      if (!knownCodes.has(id)) {
        knownCodes.add(id);
        codes.push({ id, name: id });
      }
    }
  }
  const codeGuid = (themeId: string): string => guidFor(roomId, 'theme', themeId);
  const kindGuid = (kind: string): string => guidFor(roomId, 'kind', kind);

  /** "01:01.234 zie: the text's first 60 characters" */
  const selectionName = (o: (typeof observations)[number]): string => {
    const excerpt = oneLine(o.text, 60);
    return `${formatTimecode(o.start)} ${o.kind}${excerpt ? `: ${excerpt}` : ''}`;
  };

  /** A selection's codings (every theme, the kind) and its note: the same for the video and the picture. */
  const codedAs = (o: (typeof observations)[number], prefix: string): string[] => {
    const user = userGuid.get(o.authorId);
    const created = isoOrNull(o.createdAt);
    const coding = (guid: string, code: string): string[] => [
      `        <Coding${attrs([
        ['guid', guid],
        ['creatingUser', user],
        ['creationDateTime', created],
      ])}>`,
      `          <CodeRef targetGUID="${code}"/>`,
      '        </Coding>',
    ];
    return [
      ...unique(o.themes).flatMap((themeId) => coding(guidFor(roomId, `${prefix}coding`, `${o.id}\u0000${themeId}`), codeGuid(themeId))),
      ...coding(guidFor(roomId, `${prefix}coding-kind`, o.id), kindGuid(o.kind)),
      `        <NoteRef targetGUID="${guidFor(roomId, 'note', o.id)}"/>`,
    ];
  };

  const exportedAt = data.exportedAt.toISOString();
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>'];
  out.push(
    `<Project${attrs([
      ['xmlns', QDE_NAMESPACE],
      ['xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance'],
      ['xsi:schemaLocation', `${QDE_NAMESPACE} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd`],
      ['name', data.room.title || 'Kijkkamer'],
      ['origin', 'Kijkkamer'],
      ['creationDateTime', exportedAt],
    ])}>`,
  );

  if (people.length > 0) {
    out.push('  <Users>');
    for (const p of people) out.push(`    <User${attrs([['guid', userGuid.get(p.id)], ['name', p.name]])}/>`);
    out.push('  </Users>');
  }

  out.push('  <CodeBook>', '    <Codes>');
  for (const c of codes) {
    out.push(`      <Code${attrs([['guid', codeGuid(c.id)], ['name', c.name], ['isCodable', 'true']])}/>`);
  }
  out.push(`      <Code${attrs([['guid', kindGuid('')], ['name', 'Soort'], ['isCodable', 'false']])}>`);
  for (const kind of OBSERVATION_KINDS) {
    out.push(`        <Code${attrs([['guid', kindGuid(kind)], ['name', kind], ['isCodable', 'true']])}/>`);
  }
  out.push('      </Code>', '    </Codes>', '  </CodeBook>');

  const internal = embedded || opts.videoIncluded === true;
  const sourceGuid = guidFor(roomId, 'video', 'source');
  const path = data.media
    ? internal
      ? `internal://${qdpxVideoEntryPath(input).slice('Sources/'.length)}`
      : `absolute://${data.media.fileName}`
    : null;
  out.push('  <Sources>');
  out.push(
    `    <VideoSource${attrs([
      ['guid', sourceGuid],
      ['name', data.media?.fileName || data.room.title || 'Opname'],
      ['path', path],
      ['creationDateTime', exportedAt],
    ])}>`,
  );
  const duration = data.media?.durationSeconds ?? null;
  for (const o of observations) {
    const r = rangeMs(o.start, o.end, duration);
    out.push(
      `      <VideoSelection${attrs([
        ['guid', guidFor(roomId, 'selection', o.id)],
        ['name', selectionName(o)],
        ['begin', r.begin],
        ['end', r.end],
        ['creatingUser', userGuid.get(o.authorId)],
        ['creationDateTime', isoOrNull(o.createdAt)],
      ])}>`,
    );
    out.push(...codedAs(o, ''), '      </VideoSelection>');
  }
  out.push('    </VideoSource>');

  for (const o of observations) {
    const picture = pictures.get(o.id);
    if (!picture || !o.drawing || o.drawing.length === 0) continue;
    const created = isoOrNull(o.createdAt);
    const name = selectionName(o);
    const box = pictureSelectionBox(o.drawing, picture.width, picture.height);
    out.push(
      `    <PictureSource${attrs([
        ['guid', guidFor(roomId, 'picture', o.id)],
        ['name', `${name} (beeld met tekening)`],
        ['path', `internal://${qdpxPictureEntryPath(input, o.id).slice('Sources/'.length)}`],
        ['creatingUser', userGuid.get(o.authorId)],
        ['creationDateTime', created],
      ])}>`,
      `      <PictureSelection${attrs([
        ['guid', guidFor(roomId, 'picture-selection', o.id)],
        ['name', `${name} (${describeDrawingNl(o.drawing)})`],
        ['firstX', box.firstX],
        ['firstY', box.firstY],
        ['secondX', box.secondX],
        ['secondY', box.secondY],
        ['creatingUser', userGuid.get(o.authorId)],
        ['creationDateTime', created],
      ])}>`,
      ...codedAs(o, 'picture-'),
      '      </PictureSelection>',
      '    </PictureSource>',
    );
  }
  out.push('  </Sources>');

  if (observations.length > 0) {
    out.push('  <Notes>');
    for (const o of observations) {
      out.push(
        `    <Note${attrs([
          ['guid', guidFor(roomId, 'note', o.id)],
          ['name', `${o.kind} ${formatTimecode(o.start)} – ${o.authorName}`],
          ['creatingUser', userGuid.get(o.authorId)],
          ['creationDateTime', isoOrNull(o.createdAt)],
          ['modifyingUser', userGuid.get(o.authorId)],
          ['modifiedDateTime', isoOrNull(o.updatedAt)],
        ])}>`,
        // Also in words: a video selection cannot carry a picture region, and the picture is there only under the download rules.
        `      <PlainTextContent>${xmlText(o.drawing && o.drawing.length > 0 ? `${o.text}\n\n(${describeDrawingNl(o.drawing)})` : o.text)}</PlainTextContent>`,
        '    </Note>',
      );
    }
    out.push('  </Notes>');
  }
  out.push('</Project>');
  return out.join('\n') + '\n';
}

/** ZIP timestamps must lie in 1980–2099. */
const zipTime = (d: Date): Date => {
  const t = d.getTime();
  if (Number.isNaN(t) || t < Date.UTC(1980, 1, 1) || t > Date.UTC(2099, 0, 1)) return new Date(Date.UTC(2000, 0, 1));
  return d;
};

/** The pictures that belong in the zip: a drawn observation's, at most one each. */
function picturesOf(input: ReportInput, pictures: QdpxPictures): [string, QdpxPicture][] {
  return input.observations.filter((o) => o.drawing && o.drawing.length > 0 && pictures.has(o.id)).map((o) => [o.id, pictures.get(o.id)!]);
}

/**
 * The .qdpx zip. Pass `video` to embed the recording (stored uncompressed at
 * `qdpxVideoEntryPath(input)`); or set `opts.videoIncluded` when adding it to the zip yourself.
 * `pictures` are the drawn observations' frames (PNG, stored as they are: already compressed).
 */
export function toQdpx(input: ReportInput, opts: QdpxOptions, video?: Uint8Array | null, pictures: QdpxPictures = new Map()): Uint8Array {
  const embedded = video !== undefined && video !== null && input.media !== null;
  const mtime = zipTime(input.exportedAt);
  const files: Zippable = {
    'project.qde': [strToU8(toQde(input, opts, embedded, pictures)), { level: 6, mtime }],
  };
  for (const [id, picture] of picturesOf(input, pictures)) files[qdpxPictureEntryPath(input, id)] = [picture.png, { level: 0, mtime }];
  if (embedded) files[qdpxVideoEntryPath(input)] = [video, { level: 0, mtime }];
  return zipSync(files, { mtime });
}

/**
 * No ZIP64 here (fflate writes 32-bit sizes and offsets): a recording this large cannot go into a
 * .qdpx. The margin leaves room for project.qde and the zip's own headers.
 */
export const QDPX_MAX_VIDEO_BYTES = 0xffffffff - 64 * 1024 * 1024;

/**
 * The .qdpx zip with the recording (and `pictures`, as `toQdpx`), as a stream: `video` is read chunk by chunk into a stored
 * (uncompressed) entry at `qdpxVideoEntryPath(input)`, and the zip's bytes are yielded as they are
 * made, so a recording of gigabytes never sits in memory. The consumer pulls, so a slow reader
 * slows the reading of `video` down. `input.media` must describe the recording.
 */
export async function* toQdpxStream(input: ReportInput, opts: QdpxOptions, video: AsyncIterable<Uint8Array>, pictures: QdpxPictures = new Map()): AsyncGenerator<Uint8Array> {
  const ready: Uint8Array[] = [];
  let failure = null as Error | null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else ready.push(chunk);
  });
  function* drain(): Generator<Uint8Array> {
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift()!;
  }
  const mtime = zipTime(input.exportedAt);
  const qde = new ZipDeflate('project.qde', { level: 6 });
  qde.mtime = mtime;
  zip.add(qde);
  qde.push(strToU8(toQde(input, opts, true, pictures)), true);
  yield* drain();
  for (const [id, picture] of picturesOf(input, pictures)) {
    const entry = new ZipPassThrough(qdpxPictureEntryPath(input, id));
    entry.mtime = mtime;
    zip.add(entry);
    entry.push(picture.png, true);
    yield* drain();
  }
  const entry = new ZipPassThrough(qdpxVideoEntryPath(input));
  entry.mtime = mtime;
  zip.add(entry);
  for await (const chunk of video) {
    entry.push(chunk);
    yield* drain();
  }
  entry.push(new Uint8Array(0), true);
  zip.end();
  yield* drain();
}
