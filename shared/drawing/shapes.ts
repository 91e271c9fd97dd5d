/**
 * The drawing data model: what one observation's drawing holds, its limits, and the one check
 * both the server (on every Yjs update) and every reader (documents stored before the check) use.
 *
 * Coordinates are relative to the video's *picture* — the frame as decoded, without the letterbox
 * bars a player adds — as whole numbers from 0 to COORD_MAX on each axis (x: left to right, y: top
 * to bottom). Whole numbers because Yjs stores a small integer in two or three bytes and a float in
 * nine, and a ten-thousandth of the width is under half a pixel even on a 4K frame.
 */

/** The field of an observation entry that holds its drawing (a Y.Array of shapes). */
export const DRAWING_FIELD = 'drawing';
/** One axis runs from 0 to this (the picture's right or bottom edge). */
export const COORD_MAX = 10_000;
/** Shapes on one observation's frame. */
export const MAX_SHAPES = 50;
/** Points of one freehand stroke, after simplification (shared/drawing/geometry.ts). */
export const MAX_STROKE_POINTS = 400;
/** Characters of a text label: a word or two on the picture, not a note (the note is the text). */
export const MAX_LABEL_LENGTH = 80;
/** Shape ids are short random strings: unique within one observation is enough. */
export const MAX_SHAPE_ID_LENGTH = 32;

export const SHAPE_KINDS = ['stroke', 'arrow', 'ellipse', 'rect', 'label'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

interface ShapeBase {
  id: string;
  /** The author's colour (`#rrggbb`), the same as their presence colour in the room. */
  color: string;
}

/** A freehand line through its points: `[x0, y0, x1, y1, …]`, 2 to MAX_STROKE_POINTS points. */
export interface StrokeShape extends ShapeBase {
  kind: 'stroke';
  points: number[];
}
/** From the tail `[x0, y0]` to the head `[x1, y1]`. */
export interface ArrowShape extends ShapeBase {
  kind: 'arrow';
  points: [number, number, number, number];
}
/** Two opposite corners of the box the ellipse or rectangle fills. */
export interface BoxShape extends ShapeBase {
  kind: 'ellipse' | 'rect';
  points: [number, number, number, number];
}
/** A short text whose top-left corner is at `[x, y]`. */
export interface LabelShape extends ShapeBase {
  kind: 'label';
  points: [number, number];
  text: string;
}
export type Shape = StrokeShape | ArrowShape | BoxShape | LabelShape;

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
/** Anything that would move the cursor or hide text: control characters and bidi overrides. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const isCoord = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= COORD_MAX;
const isCoords = (v: unknown, min: number, max: number): v is number[] =>
  Array.isArray(v) && v.length >= min && v.length <= max && v.length % 2 === 0 && v.every(isCoord);

export const isShapeId = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) && v.length <= MAX_SHAPE_ID_LENGTH;
export const isLabelText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= MAX_LABEL_LENGTH && !UNPRINTABLE.test(v);

const KEYS: Readonly<Record<ShapeKind, readonly string[]>> = {
  stroke: ['id', 'kind', 'color', 'points'],
  arrow: ['id', 'kind', 'color', 'points'],
  ellipse: ['id', 'kind', 'color', 'points'],
  rect: ['id', 'kind', 'color', 'points'],
  label: ['id', 'kind', 'color', 'points', 'text'],
};

/** True for exactly a well-formed shape: known kind, exactly its fields, coordinates in range. */
export function isShape(value: unknown): value is Shape {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const s = value as Record<string, unknown>;
  const kind = s.kind as ShapeKind;
  if (!(SHAPE_KINDS as readonly unknown[]).includes(kind)) return false;
  const keys = Object.keys(s);
  if (keys.length !== KEYS[kind].length || !keys.every((k) => KEYS[kind].includes(k))) return false;
  if (!isShapeId(s.id) || typeof s.color !== 'string' || !HEX_COLOR.test(s.color)) return false;
  switch (kind) {
    case 'stroke':
      return isCoords(s.points, 4, MAX_STROKE_POINTS * 2);
    case 'arrow':
    case 'ellipse':
    case 'rect':
      return isCoords(s.points, 4, 4);
    case 'label':
      return isCoords(s.points, 2, 2) && isLabelText(s.text);
  }
}

/** The well-formed shapes of a list read from a document, at most MAX_SHAPES, each id once. */
export function readShapes(list: readonly unknown[]): Shape[] {
  const out: Shape[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    if (out.length === MAX_SHAPES) break;
    if (!isShape(item) || seen.has(item.id)) continue;
    seen.add(item.id);
    // A copy field by field: the caller gets nothing a peer added beside the schema.
    out.push(copyShape(item));
  }
  return out;
}

export function copyShape(shape: Shape): Shape {
  switch (shape.kind) {
    case 'stroke':
      return { id: shape.id, kind: shape.kind, color: shape.color, points: [...shape.points] };
    case 'arrow':
    case 'ellipse':
    case 'rect':
      return { id: shape.id, kind: shape.kind, color: shape.color, points: [...shape.points] as BoxShape['points'] };
    case 'label':
      return { id: shape.id, kind: shape.kind, color: shape.color, points: [shape.points[0], shape.points[1]], text: shape.text };
  }
}

/** How many shapes of each kind, in SHAPE_KINDS order (for the exports' "met tekening: 1 pijl"). */
export function countKinds(shapes: readonly Shape[]): { kind: ShapeKind; count: number }[] {
  return SHAPE_KINDS.map((kind) => ({ kind, count: shapes.filter((s) => s.kind === kind).length })).filter((c) => c.count > 0);
}

/** Dutch names of the kinds, for exports (the UI has its own catalogues). */
export const SHAPE_NAMES_NL: Readonly<Record<ShapeKind, { one: string; other: string }>> = {
  stroke: { one: 'lijn', other: 'lijnen' },
  arrow: { one: 'pijl', other: 'pijlen' },
  ellipse: { one: 'ellips', other: 'ellipsen' },
  rect: { one: 'rechthoek', other: 'rechthoeken' },
  label: { one: 'label', other: 'labels' },
};

const DUTCH_PLURALS = new Intl.PluralRules('nl');
const dutchForm = (count: number, forms: { one: string; other: string }): string => (DUTCH_PLURALS.select(count) === 'one' ? forms.one : forms.other);

/** "tekening: 1 pijl, 2 ellipsen" — what the werkblad and the QDA note say about a drawing. */
export function describeDrawingNl(shapes: readonly Shape[]): string {
  const parts = countKinds(shapes).map(({ kind, count }) => `${count} ${dutchForm(count, SHAPE_NAMES_NL[kind])}`);
  const labels = shapes.filter((s): s is LabelShape => s.kind === 'label').map((s) => `“${s.text}”`);
  return `tekening: ${parts.join(', ')}${labels.length > 0 ? ` (${labels.join(', ')})` : ''}`;
}

/**
 * "[tekening: 3 vormen]" — a line of its own that a drawn observation gets in the subtitle-like
 * exports (WebVTT cue, ELAN annotation), where a picture cannot go but a reader should know one exists.
 * The importers recognise it (DRAWING_NOTE_LINE) and drop it, so a round trip keeps the text.
 */
export function drawingNoteNl(shapeCount: number): string {
  return `[tekening: ${shapeCount} ${dutchForm(shapeCount, { one: 'vorm', other: 'vormen' })}]`;
}
export const DRAWING_NOTE_LINE = /^\[tekening: \d+ vorm(?:en)?\]$/;
