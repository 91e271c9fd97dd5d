import { describe, expect, it } from 'vitest';
import { drawingsAt, DRAWING_HOLD_SECONDS, observationOnFrame, showsAt } from '../../shared/drawing/timing.ts';
import type { Observation } from '../../shared/notes/types.ts';
import { arrowStep, isFullscreenKey, toolKeyAction } from '../../client/src/drawing/keys.ts';
import { keyAction } from '../../client/src/playhead/keys.ts';

const obs = (id: string, start: number, drawn = true): Observation => ({
  id,
  start,
  end: null,
  themes: [],
  kind: 'zie',
  text: id,
  authorId: 'p',
  authorName: 'Anna',
  role: 'coach',
  createdAt: 1,
  updatedAt: 1,
  ...(drawn ? { drawing: [{ id: 'a', kind: 'arrow', color: '#000000', points: [0, 0, 10, 10] }] } : {}),
});

describe('when a drawing shows', () => {
  it('paused: exactly on its frame, whatever position inside the frame', () => {
    // Frame 75 of a 25 fps recording runs from 3.00 to 3.04 s.
    expect(showsAt(3.02, 3.0, true, 25)).toBe(true);
    expect(showsAt(3.02, 3.039, true, 25)).toBe(true);
    expect(showsAt(3.02, 3.04, true, 25)).toBe(false);
    expect(showsAt(3.02, 2.999, true, 25)).toBe(false);
    // 29.97 fps: the frame boundary survives floating point.
    expect(showsAt(3 / 29.97, 3 / 29.97 + 0.001, true, 29.97)).toBe(true);
  });

  it('playing: from its frame for a moment, then gone', () => {
    expect(showsAt(3.02, 3.0, false, 25)).toBe(true);
    expect(showsAt(3.02, 3 + DRAWING_HOLD_SECONDS - 0.01, false, 25)).toBe(true);
    expect(showsAt(3.02, 3 + DRAWING_HOLD_SECONDS, false, 25)).toBe(false);
    expect(showsAt(3.02, 2.98, false, 25)).toBe(false);
  });

  it('assumes 25 fps when the frame rate is unknown', () => {
    expect(showsAt(3.02, 3.0, true, null)).toBe(true);
    expect(showsAt(3.02, 3.05, true, 0)).toBe(false);
  });

  it('lists only observations with shapes on the frame, in time order; picks the preferred one to draw on', () => {
    const list = [obs('later', 3.03), obs('eerder', 3.01), obs('leeg', 3.02, false), obs('elders', 9)];
    expect(drawingsAt(list, 3.02, true, 25).map((o) => o.id)).toEqual(['eerder', 'later']);
    expect(observationOnFrame(list, 3.02, 25, 'later')?.id).toBe('later');
    expect(observationOnFrame(list, 3.02, 25, 'elders')?.id).toBe('later');
    expect(observationOnFrame(list, 5, 25, null)).toBeNull();
  });
});

describe('the drawing keys', () => {
  const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, ...mods });
  it('picks a tool by its letter, puts it away with the same letter or Escape, leaves modified keys alone', () => {
    expect(toolKeyAction(press('w'), null)).toEqual({ kind: 'tool', tool: 'pointer' });
    expect(toolKeyAction(press('A'), 'pointer')).toEqual({ kind: 'tool', tool: 'arrow' });
    expect(toolKeyAction(press('a'), 'arrow')).toEqual({ kind: 'off' });
    expect(toolKeyAction(press('Escape'), 'rect')).toEqual({ kind: 'off' });
    expect(toolKeyAction(press('Escape'), null)).toBeNull();
    expect(toolKeyAction(press('a', { ctrlKey: true }), null)).toBeNull();
    expect(toolKeyAction(press('k'), null)).toBeNull();
  });
  it('F is full screen, with either case and without modifiers, and no tool or playhead key', () => {
    expect(isFullscreenKey(press('f'))).toBe(true);
    expect(isFullscreenKey(press('F'))).toBe(true);
    expect(isFullscreenKey(press('f', { ctrlKey: true }))).toBe(false);
    expect(isFullscreenKey(press('w'))).toBe(false);
    expect(toolKeyAction(press('f'), null)).toBeNull();
    expect(keyAction(press('f'), false)).toBeNull();
  });
  it('moves the keyboard cursor by arrows, further with Shift', () => {
    expect(arrowStep('ArrowLeft', false)).toEqual([-100, 0]);
    expect(arrowStep('ArrowDown', true)).toEqual([0, 500]);
    expect(arrowStep('Enter', false)).toBeNull();
  });
});
