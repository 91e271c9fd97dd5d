/**
 * Pure geometry of drawing on a video: where the picture sits inside a player (letterboxing),
 * picture-relative coordinates from a pointer position and back, simplifying a freehand line, and
 * the outline of each shape. Nothing here touches the DOM, so every size and aspect is testable.
 */
import { COORD_MAX, MAX_STROKE_POINTS, type Shape } from './shapes.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a picture of `videoWidth`×`videoHeight` is drawn inside a box (a <video> element, which
 * shows its picture like `object-fit: contain`): as large as fits, centred, with bars left and
 * right (pillarbox) or above and below (letterbox). Without a known picture size, the whole box.
 */
export function pictureRect(box: Rect, videoWidth: number, videoHeight: number): Rect {
  if (!(videoWidth > 0 && videoHeight > 0 && box.width > 0 && box.height > 0)) return { ...box };
  const scale = Math.min(box.width / videoWidth, box.height / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}

const clampCoord = (v: number): number => Math.min(COORD_MAX, Math.max(0, Math.round(v)));

/** A point on screen as picture coordinates (0…COORD_MAX), clamped to the picture's edges. */
export function toPicture(picture: Rect, clientX: number, clientY: number): [number, number] {
  if (!(picture.width > 0 && picture.height > 0)) return [0, 0];
  return [clampCoord(((clientX - picture.x) / picture.width) * COORD_MAX), clampCoord(((clientY - picture.y) / picture.height) * COORD_MAX)];
}

/** True when a screen point lies on the picture (not on a letterbox bar or outside the player). */
export const onPicture = (picture: Rect, clientX: number, clientY: number): boolean =>
  clientX >= picture.x && clientX <= picture.x + picture.width && clientY >= picture.y && clientY <= picture.y + picture.height;

/** Picture coordinates as a point in a drawing box of `width`×`height` (the picture's size there). */
export const fromPicture = (x: number, y: number, width: number, height: number): [number, number] => [(x / COORD_MAX) * width, (y / COORD_MAX) * height];

/** Moves a picture point by a step (keyboard drawing), staying on the picture. */
export const nudge = (x: number, y: number, dx: number, dy: number): [number, number] => [clampCoord(x + dx), clampCoord(y + dy)];

// ---- freehand lines -------------------------------------------------------------------------------

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Ramer–Douglas–Peucker on a flat `[x0, y0, x1, y1, …]` list: drops points that lie within
 * `tolerance` of the line through their neighbours. Iterative (a long stroke must not recurse
 * thousands deep); the first and last point always stay.
 */
export function simplify(points: readonly number[], tolerance: number): number[] {
  const n = points.length / 2;
  if (n <= 2) return [...points];
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack: [number, number][] = [[0, n - 1]];
  while (stack.length > 0) {
    const [first, last] = stack.pop()!;
    let worst = -1;
    let worstDistance = tolerance;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(points[2 * i]!, points[2 * i + 1]!, points[2 * first]!, points[2 * first + 1]!, points[2 * last]!, points[2 * last + 1]!);
      if (d > worstDistance) {
        worst = i;
        worstDistance = d;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(points[2 * i]!, points[2 * i + 1]!);
  return out;
}

/**
 * Every k-th point (and the last), so at most `max` remain: Douglas–Peucker costs the square of
 * the points on a zigzag, and a minute of scribbling must not stall the page.
 */
function thinned(points: readonly number[], max: number): number[] {
  const n = points.length / 2;
  if (n <= max) return [...points];
  const step = Math.ceil(n / (max - 1));
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += step) out.push(points[2 * i]!, points[2 * i + 1]!);
  out.push(points[2 * n - 2]!, points[2 * n - 1]!);
  return out;
}

/** A quarter of a per mille of the picture: invisible at any size a room shows. */
export const STROKE_TOLERANCE = 4;

/**
 * A drawn line as it is stored: repeated points dropped, simplified, and, if still longer than
 * MAX_STROKE_POINTS, simplified harder until it fits. A dot (one point) becomes a tiny line, so a
 * click still leaves a mark.
 */
export function strokePoints(raw: readonly number[]): number[] {
  const deduped: number[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const x = clampCoord(raw[i]!);
    const y = clampCoord(raw[i + 1]!);
    // Points closer than the tolerance to the last one kept add nothing the eye could see.
    if (deduped.length === 0 || Math.hypot(x - deduped.at(-2)!, y - deduped.at(-1)!) >= STROKE_TOLERANCE) deduped.push(x, y);
  }
  if (deduped.length === 0) return [];
  if (deduped.length === 2) return [deduped[0]!, deduped[1]!, clampCoord(deduped[0]! + 1), deduped[1]!];
  let tolerance = STROKE_TOLERANCE;
  let out = simplify(thinned(deduped, MAX_STROKE_POINTS * 4), tolerance);
  // Each harder pass works on the last one's result: a long scribble costs a few passes, not many.
  while (out.length > MAX_STROKE_POINTS * 2) {
    tolerance *= 2;
    out = simplify(out, tolerance);
  }
  return out;
}

// ---- outlines -------------------------------------------------------------------------------------

/** The box two corners span, in whatever order they were dragged. */
export function normalizeBox(x0: number, y0: number, x1: number, y1: number): [number, number, number, number] {
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

/** The part of the picture a shape covers (picture coordinates), e.g. for a picture selection. */
export function shapeBounds(shape: Shape, labelWidth = (text: string) => Math.min(COORD_MAX, text.length * 220)): [number, number, number, number] {
  if (shape.kind === 'label') {
    const [x, y] = shape.points;
    return [x, y, Math.min(COORD_MAX, x + labelWidth(shape.text)), Math.min(COORD_MAX, y + LABEL_SIZE)];
  }
  let [minX, minY, maxX, maxY] = [COORD_MAX, COORD_MAX, 0, 0];
  for (let i = 0; i + 1 < shape.points.length; i += 2) {
    minX = Math.min(minX, shape.points[i]!);
    maxX = Math.max(maxX, shape.points[i]!);
    minY = Math.min(minY, shape.points[i + 1]!);
    maxY = Math.max(maxY, shape.points[i + 1]!);
  }
  return [minX, minY, maxX, maxY];
}

/** The box around all shapes, or null for none. */
export function drawingBounds(shapes: readonly Shape[]): [number, number, number, number] | null {
  if (shapes.length === 0) return null;
  const boxes = shapes.map((s) => shapeBounds(s));
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

/** A label's text height, in picture coordinates of the height (5 % of the picture). */
export const LABEL_SIZE = 500;
