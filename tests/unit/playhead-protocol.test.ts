import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyAction, nextSpeed, SPEEDS } from '../../client/src/playhead/keys.ts';
import {
  parseBufferReport,
  parseClockPing,
  parseControlRequest,
  parseMediaReport,
  parseModeRequest,
  parseSoloPosition,
  parseSoloRequest,
} from '../../shared/playhead/protocol.ts';
import { applyCommand, createPlayhead, expectedPosition, frameIndex, withMedia } from '../../shared/playhead/index.ts';

describe('playhead message validation', () => {
  it('accepts the documented shapes', () => {
    expect(parseClockPing({ rtt: null })).toEqual({ ok: true, value: { rtt: null } });
    expect(parseClockPing({ rtt: 12.5 })).toEqual({ ok: true, value: { rtt: 12.5 } });
    expect(parseClockPing({ rtt: 12.5, rttSpread: 3, startLatency: 64.2, seekLatency: 280 })).toEqual({
      ok: true,
      value: { rtt: 12.5, rttSpread: 3, startLatency: 64.2, seekLatency: 280 },
    });
    expect(parseClockPing({ rtt: null, startLatency: 70 })).toEqual({ ok: true, value: { rtt: null, startLatency: 70 } });
    expect(parseBufferReport({ state: 'stalled', version: 3 })).toEqual({ ok: true, value: { state: 'stalled', version: 3 } });
    expect(parseSoloRequest({ solo: false })).toEqual({ ok: true, value: { solo: false } });
    expect(parseSoloPosition({ position: 3.5, paused: false, rate: 2 })).toEqual({ ok: true, value: { position: 3.5, paused: false, rate: 2 } });
    expect(parseModeRequest({ mode: 'presenter' })).toEqual({ ok: true, value: { mode: 'presenter' } });
    expect(parseControlRequest({ action: 'request' })).toEqual({ ok: true, value: { action: 'request' } });
    expect(parseControlRequest({ action: 'handover', to: 'aB3_-x' })).toEqual({ ok: true, value: { action: 'handover', to: 'aB3_-x' } });
    expect(parseMediaReport({ duration: 20.04, frameRate: null })).toEqual({ ok: true, value: { duration: 20.04, frameRate: null } });
  });

  it('returns fresh objects without the extra fields a client sent', () => {
    const parsed = parseBufferReport({ state: 'ready', version: 1, __proto__: { evil: true }, extra: 'x' });
    expect(parsed.ok && Object.keys(parsed.value)).toEqual(['state', 'version']);
  });

  it('refuses anything else, whatever it is, without throwing', () => {
    const parsers = [parseClockPing, parseBufferReport, parseSoloRequest, parseSoloPosition, parseModeRequest, parseControlRequest, parseMediaReport];
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.constantFrom(null, undefined, [], 'x', 0, Number.NaN)), (input) => {
        for (const parse of parsers) {
          const result = parse(input);
          if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
        }
      }),
    );
    expect(parseClockPing({ rtt: Infinity }).ok).toBe(false);
    for (const bad of [{ rtt: 1, rttSpread: -1 }, { rtt: 1, startLatency: null }, { rtt: 1, seekLatency: 1e9 }, { rtt: 1, startLatency: '70' }]) {
      expect(parseClockPing(bad)).toMatchObject({ ok: false, message: expect.stringMatching(/must be left out or a number/) });
    }
    expect(parseBufferReport({ state: 'ready', version: Number.MAX_SAFE_INTEGER + 2 }).ok).toBe(false);
    expect(parseSoloPosition({ position: 1, paused: 'no', rate: 1 }).ok).toBe(false);
    expect(parseControlRequest({ action: 'handover', to: 'x'.repeat(65) }).ok).toBe(false);
    expect(parseMediaReport({ duration: 20, frameRate: 0.5 }).ok).toBe(false);
  });
});

describe('withMedia', () => {
  const unknown = createPlayhead({ duration: null, frameRate: 25, serverTime: 0 });

  it('keeps a playing timeline where it is and clamps it to the new duration', () => {
    const playing = applyCommand(unknown, { type: 'play' }, 0);
    const known = withMedia(playing, { duration: 20, frameRate: 30 }, 5000);
    expect(known).toMatchObject({ version: 2, duration: 20, frameRate: 30, atServerTime: 5000, paused: false });
    expect(expectedPosition(known, 5000)).toBeCloseTo(5, 12);
    expect(expectedPosition(known, 60_000)).toBe(20);
  });

  it('moves a paused position onto a frame of the new frame rate, and never back in time', () => {
    const paused = applyCommand(unknown, { type: 'seek', position: 7.3 }, 100);
    const known = withMedia(paused, { duration: 20, frameRate: 50 }, 50);
    expect(known.atServerTime).toBe(100);
    expect(known.position).toBeCloseTo((frameIndex(7.3, 50) + 0.5) / 50, 12);
    expect(withMedia(unknown, { duration: 20, frameRate: 50 }, 0).position).toBe(0);
  });

  it('refuses facts that cannot be real', () => {
    expect(() => withMedia(unknown, { duration: 0, frameRate: 25 }, 0)).toThrow(RangeError);
    expect(() => withMedia(unknown, { duration: 20, frameRate: Number.NaN }, 0)).toThrow(RangeError);
  });
});

describe('playhead keyboard', () => {
  const press = (key: string, modifiers: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    ...modifiers,
  });

  it('maps the video-player keys', () => {
    expect(keyAction(press(' '), false)).toEqual({ kind: 'toggle' });
    expect(keyAction(press('K'), false)).toEqual({ kind: 'toggle' });
    expect(keyAction(press('j'), false)).toEqual({ kind: 'jump', seconds: -5 });
    expect(keyAction(press('l'), false)).toEqual({ kind: 'jump', seconds: 5 });
    expect(keyAction(press('ArrowLeft'), false)).toEqual({ kind: 'jump', seconds: -1 });
    expect(keyAction(press('ArrowRight'), false)).toEqual({ kind: 'jump', seconds: 1 });
    expect(keyAction(press(','), false)).toEqual({ kind: 'step', frames: -1 });
    expect(keyAction(press('.'), false)).toEqual({ kind: 'step', frames: 1 });
    expect(keyAction(press('<'), false)).toEqual({ kind: 'speed', direction: -1 });
    expect(keyAction(press('>'), false)).toEqual({ kind: 'speed', direction: 1 });
    expect(keyAction(press('n'), false)).toBeNull();
  });

  it('leaves space and arrows to a focused control, and modified keys to the browser', () => {
    expect(keyAction(press(' '), true)).toBeNull();
    expect(keyAction(press('ArrowLeft'), true)).toBeNull();
    expect(keyAction(press('k'), true)).toEqual({ kind: 'toggle' });
    expect(keyAction(press('l', { ctrlKey: true }), false)).toBeNull();
    expect(keyAction(press('.', { metaKey: true }), false)).toBeNull();
    expect(keyAction(press('j', { altKey: true }), false)).toBeNull();
  });

  it('walks the speeds from any rate and stops at either end', () => {
    expect(nextSpeed(1, 1)).toBe(1.25);
    expect(nextSpeed(1, -1)).toBe(0.75);
    expect(nextSpeed(1.1, -1)).toBe(1);
    expect(nextSpeed(2, 1)).toBe(2);
    expect(nextSpeed(0.25, -1)).toBe(0.25);
    expect(SPEEDS[0]).toBe(0.25);
  });
});
