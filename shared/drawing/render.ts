/**
 * How a drawing looks, once for every place that shows one: the overlay on the video, the
 * thumbnails in the list, the werkblad print page and the server's SVG. Shapes become SVG paths
 * and texts in the pixel space of a picture of `width`×`height`; each is drawn twice, a light
 * halo under the author's colour, so a dark pen stays visible on a dark frame.
 */
import { fromPicture, LABEL_SIZE } from './geometry.ts';
import type { Shape } from './shapes.ts';

export type DrawnElement =
  | { kind: 'path'; id: string; d: string; color: string; width: number; halo: number }
  | { kind: 'text'; id: string; x: number; y: number; size: number; color: string; halo: number; text: string };

const round = (n: number): string => String(Math.round(n * 10) / 10);

/** Line width for a picture drawn this large: thin enough to point precisely, thick enough to see. */
export const lineWidth = (width: number, height: number): number => Math.max(1.25, 0.0045 * Math.max(width, height));
const haloWidth = (line: number): number => line + Math.max(1.5, line * 0.9);

function pathOf(shape: Exclude<Shape, { kind: 'label' }>, width: number, height: number, line: number): string {
  const at = (i: number): [number, number] => fromPicture(shape.points[i]!, shape.points[i + 1]!, width, height);
  switch (shape.kind) {
    case 'stroke': {
      const parts: string[] = [];
      for (let i = 0; i + 1 < shape.points.length; i += 2) {
        const [x, y] = at(i);
        parts.push(`${i === 0 ? 'M' : 'L'}${round(x)} ${round(y)}`);
      }
      return parts.join(' ');
    }
    case 'arrow': {
      const [x0, y0] = at(0);
      const [x1, y1] = at(2);
      const angle = Math.atan2(y1 - y0, x1 - x0);
      // The head grows with the line but never past half the shaft, so a short arrow stays an arrow.
      const head = Math.min(Math.max(line * 4, 8), Math.hypot(x1 - x0, y1 - y0) / 2 || line * 4);
      const wing = (sign: number): string => `${round(x1 - head * Math.cos(angle + sign * 0.5))} ${round(y1 - head * Math.sin(angle + sign * 0.5))}`;
      return `M${round(x0)} ${round(y0)} L${round(x1)} ${round(y1)} M${wing(1)} L${round(x1)} ${round(y1)} L${wing(-1)}`;
    }
    case 'rect': {
      const [ax, ay] = at(0);
      const [bx, by] = at(2);
      const [x, y, w, h] = [Math.min(ax, bx), Math.min(ay, by), Math.abs(bx - ax), Math.abs(by - ay)];
      return `M${round(x)} ${round(y)} h${round(w)} v${round(h)} h${round(-w)} Z`;
    }
    case 'ellipse': {
      const [ax, ay] = at(0);
      const [bx, by] = at(2);
      const rx = Math.abs(bx - ax) / 2;
      const ry = Math.abs(by - ay) / 2;
      const cx = (ax + bx) / 2;
      const cy = (ay + by) / 2;
      // Two half arcs: one arc from a point to itself draws nothing.
      return `M${round(cx - rx)} ${round(cy)} a${round(rx)} ${round(ry)} 0 1 0 ${round(2 * rx)} 0 a${round(rx)} ${round(ry)} 0 1 0 ${round(-2 * rx)} 0 Z`;
    }
  }
}

/** The elements of a drawing on a picture of `width`×`height` pixels, in drawing order. */
export function drawnElements(shapes: readonly Shape[], width: number, height: number): DrawnElement[] {
  const line = lineWidth(width, height);
  return shapes.map((shape): DrawnElement => {
    if (shape.kind === 'label') {
      const [x, y] = fromPicture(shape.points[0], shape.points[1], width, height);
      const size = (LABEL_SIZE / 10_000) * height;
      // The label's point is its top-left corner; SVG places text on its baseline.
      return { kind: 'text', id: shape.id, x, y: y + size * 0.85, size, color: shape.color, halo: Math.max(2, size * 0.18), text: shape.text };
    }
    return { kind: 'path', id: shape.id, d: pathOf(shape, width, height, line), color: shape.color, width: line, halo: haloWidth(line) };
  });
}

/** The colour of every halo: light, so both dark and light pens stand out. */
export const HALO_COLOR = '#ffffff';

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A whole standalone SVG document of a drawing (the server's frame pictures and tests). */
export function drawingSvg(shapes: readonly Shape[], width: number, height: number): string {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`];
  for (const el of drawnElements(shapes, width, height)) {
    if (el.kind === 'path') {
      const common = `d="${el.d}" fill="none" stroke-linecap="round" stroke-linejoin="round"`;
      out.push(`<path ${common} stroke="${HALO_COLOR}" stroke-opacity="0.85" stroke-width="${round(el.halo)}"/>`, `<path ${common} stroke="${el.color}" stroke-width="${round(el.width)}"/>`);
    } else {
      out.push(
        `<text x="${round(el.x)}" y="${round(el.y)}" font-family="sans-serif" font-weight="700" font-size="${round(el.size)}" fill="${el.color}" stroke="${HALO_COLOR}" stroke-width="${round(el.halo)}" paint-order="stroke" stroke-linejoin="round">${escapeXml(el.text)}</text>`,
      );
    }
  }
  out.push('</svg>');
  return out.join('');
}
