/**
 * The playhead's keyboard shortcuts, as a pure mapping from a key press to an action so it can be
 * tested without a browser: space/K play-pause, J/L ±5 s, ←/→ ±1 s, `,`/`.` one frame, `<`/`>`
 * speed (the keys of common video players).
 */
export type KeyAction =
  | { readonly kind: 'toggle' }
  | { readonly kind: 'jump'; readonly seconds: number }
  | { readonly kind: 'step'; readonly frames: number }
  | { readonly kind: 'speed'; readonly direction: 1 | -1 };

/** Speeds offered in the menu and walked through by `<` and `>`. */
export const SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;

export interface KeyPress {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

/**
 * The action for a key press, or null. `onControl` says focus is on a button, link, slider or menu:
 * there space presses that control and the arrows move it, as everywhere on the web, so those keys
 * are left alone (the letters still work).
 */
export function keyAction(press: KeyPress, onControl: boolean): KeyAction | null {
  // Modified keys are the browser's and the observations' (Ctrl+Z…), never ours.
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  switch (press.key) {
    case ' ':
      return onControl ? null : { kind: 'toggle' };
    case 'k':
    case 'K':
      return { kind: 'toggle' };
    case 'j':
    case 'J':
      return { kind: 'jump', seconds: -5 };
    case 'l':
    case 'L':
      return { kind: 'jump', seconds: 5 };
    case 'ArrowLeft':
      return onControl ? null : { kind: 'jump', seconds: -1 };
    case 'ArrowRight':
      return onControl ? null : { kind: 'jump', seconds: 1 };
    case ',':
      return { kind: 'step', frames: -1 };
    case '.':
      return { kind: 'step', frames: 1 };
    case '<':
      return { kind: 'speed', direction: -1 };
    case '>':
      return { kind: 'speed', direction: 1 };
    default:
      return null;
  }
}

/** The next speed from SPEEDS in `direction`, from any current rate; the same rate at either end. */
export function nextSpeed(rate: number, direction: 1 | -1): number {
  if (direction > 0) return SPEEDS.find((s) => s > rate + 1e-9) ?? SPEEDS[SPEEDS.length - 1]!;
  return [...SPEEDS].reverse().find((s) => s < rate - 1e-9) ?? SPEEDS[0];
}
