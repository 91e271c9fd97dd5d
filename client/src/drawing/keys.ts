/**
 * The drawing tools and their keys, as a pure mapping so it can be tested without a browser:
 * W wijs aan (point), D vrije lijn, A pijl, O ellips, R rechthoek, B bijschrift (a text label),
 * Escape puts the tool away; F full screen. None of these letters is taken by the playhead (space, K, J, L,
 * arrows, comma, full stop, < >), the observations (N, [, ], 1–4, T, Delete), the call (M, P) or
 * the help (?).
 */
import type { ShapeKind } from '../../../shared/drawing/shapes.ts';

export type Tool = 'pointer' | ShapeKind;

export const TOOLS: readonly { tool: Tool; key: string }[] = [
  { tool: 'pointer', key: 'W' },
  { tool: 'stroke', key: 'D' },
  { tool: 'arrow', key: 'A' },
  { tool: 'ellipse', key: 'O' },
  { tool: 'rect', key: 'R' },
  { tool: 'label', key: 'B' },
];

export interface ToolKeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export type ToolKeyAction = { kind: 'tool'; tool: Tool } | { kind: 'off' };

/** What a key does to the tools: pick one (pressing its key again puts it away), or none. */
export function toolKeyAction(press: ToolKeyPress, current: Tool | null): ToolKeyAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  if (press.key === 'Escape') return current === null ? null : { kind: 'off' };
  const found = TOOLS.find((t) => t.key === press.key.toUpperCase());
  if (!found) return null;
  return found.tool === current ? { kind: 'off' } : { kind: 'tool', tool: found.tool };
}

/** How far an arrow key moves the keyboard cursor on the picture (picture coordinates); Shift: further. */
export const KEY_STEP = 100;
export const KEY_STEP_LARGE = 500;

/** The step of an arrow key, or null for any other key. */
export function arrowStep(key: string, shift: boolean): [number, number] | null {
  const step = shift ? KEY_STEP_LARGE : KEY_STEP;
  switch (key) {
    case 'ArrowLeft':
      return [-step, 0];
    case 'ArrowRight':
      return [step, 0];
    case 'ArrowUp':
      return [0, -step];
    case 'ArrowDown':
      return [0, step];
    default:
      return null;
  }
}

/** F puts the video area in full screen and back (the key of common video players); not taken above. */
export const FULLSCREEN_KEY = 'F';

export function isFullscreenKey(press: ToolKeyPress): boolean {
  return !press.ctrlKey && !press.metaKey && !press.altKey && press.key.toUpperCase() === FULLSCREEN_KEY;
}
