import { describe, expect, it } from 'vitest';
import { menuAction } from '../../client/src/lib/menu.ts';
import { checkText, counterFor, textLength } from '../../client/src/lib/validation.ts';
import { offersPlay, playPauseCommands } from '../../client/src/playhead/play-pause.ts';

describe('checking a text field before it is sent', () => {
  it('tells empty from only spaces, and says how much is too long without cutting anything', () => {
    expect(checkText('', { required: true })).toEqual({ kind: 'missing' });
    expect(checkText('  \n ', { required: true })).toEqual({ kind: 'blank' });
    expect(checkText('   ', {})).toBeNull();
    expect(checkText('x'.repeat(121), { required: true, max: 120 })).toEqual({ kind: 'tooLong', max: 120, over: 1 });
    expect(checkText('x'.repeat(120), { required: true, max: 120 })).toBeNull();
    expect(checkText('kort', { min: 10 })).toEqual({ kind: 'tooShort', min: 10 });
    expect(checkText('geen-mail', { email: true })).toEqual({ kind: 'email' });
    expect(checkText(' naam@voorbeeld.nl ', { email: true })).toBeNull();
  });

  it('counts characters as the server does: an emoji is one', () => {
    expect(textLength('😀😀')).toBe(2);
    expect(checkText('😀'.repeat(60), { max: 60 })).toBeNull();
  });

  it('shows the counter near the limit and past it', () => {
    expect(counterFor('x'.repeat(100), 120)).toBeNull();
    expect(counterFor('x'.repeat(108), 120)).toEqual({ left: 12 });
    expect(counterFor('x'.repeat(123), 120)).toEqual({ over: 3 });
    expect(counterFor('x'.repeat(1800), 2000)).toEqual({ left: 200 });
    expect(counterFor('x'.repeat(1799), 2000)).toBeNull();
  });
});

describe('the menu pattern’s keys', () => {
  const labels = ['Emotie', 'Weerstand', 'Feedback', 'Echtheid', 'Meta-communicatie'];
  const press = (key: string) => ({ key, ctrlKey: false, metaKey: false, altKey: false });

  it('moves with the arrows (wrapping), Home and End', () => {
    expect(menuAction(press('ArrowDown'), 0, labels, '').action).toEqual({ kind: 'move', index: 1 });
    expect(menuAction(press('ArrowDown'), 4, labels, '').action).toEqual({ kind: 'move', index: 0 });
    expect(menuAction(press('ArrowUp'), 0, labels, '').action).toEqual({ kind: 'move', index: 4 });
    expect(menuAction(press('End'), 1, labels, '').action).toEqual({ kind: 'move', index: 4 });
    expect(menuAction(press('Home'), 3, labels, '').action).toEqual({ kind: 'move', index: 0 });
  });

  it('toggles with Space (staying open) and Enter (closing); Escape and Tab close', () => {
    expect(menuAction(press(' '), 2, labels, '').action).toEqual({ kind: 'toggle', index: 2, close: false });
    expect(menuAction(press('Enter'), 2, labels, '').action).toEqual({ kind: 'toggle', index: 2, close: true });
    expect(menuAction(press('Escape'), 2, labels, '').action).toEqual({ kind: 'close', refocus: true });
    expect(menuAction(press('Tab'), 2, labels, '').action).toEqual({ kind: 'close', refocus: false });
  });

  it('goes to the next item starting with what is typed; a repeated letter cycles, more letters refine', () => {
    expect(menuAction(press('e'), 0, labels, '')).toEqual({ action: { kind: 'move', index: 3 }, typed: 'e' });
    expect(menuAction(press('e'), 3, labels, '')).toEqual({ action: { kind: 'move', index: 0 }, typed: 'e' });
    expect(menuAction(press('m'), 3, labels, 'e')).toEqual({ action: { kind: 'move', index: 0 }, typed: 'em' });
    expect(menuAction(press('x'), 0, labels, '').action).toBeNull();
    expect(menuAction({ ...press('e'), ctrlKey: true }, 0, labels, '').action).toBeNull();
  });
});

describe('the play/pause control', () => {
  it('offers to play when the video ended, even while the room still says it plays', () => {
    expect(offersPlay({ paused: true, ended: true }, false)).toBe(true);
    expect(playPauseCommands({ paused: true, ended: true }, false)).toEqual([{ type: 'seek', position: 0 }, { type: 'play' }]);
  });

  it('offers to pause while the room plays, also while this video is still landing', () => {
    expect(offersPlay({ paused: false, ended: false }, false)).toBe(false);
    expect(offersPlay({ paused: true, ended: false }, false)).toBe(false);
    expect(playPauseCommands({ paused: false, ended: false }, true)).toEqual([{ type: 'pause' }]);
  });

  it('offers to play when video and room are paused', () => {
    expect(playPauseCommands({ paused: true, ended: false }, true)).toEqual([{ type: 'play' }]);
  });
});
