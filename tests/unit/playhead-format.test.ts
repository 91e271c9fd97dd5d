import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimecode, frameIndex, parseTimecode } from '../../shared/playhead/index.ts';

const FRAME_RATES = [23.976, 24, 25, 29.97, 30, 50, 59.94, 60] as const;

describe('formatTimecode', () => {
  it.each([
    [0, '0:00'],
    [5, '0:05'],
    [65, '1:05'],
    [754, '12:34'],
    [754.99, '12:34'],
    [753.9996, '12:34'],
    [3600, '1:00:00'],
    [3723, '1:02:03'],
    [36_000 + 59 * 60 + 59, '10:59:59'],
    [-5, '-0:05'],
  ])('shows %s s as %s', (seconds, text) => {
    expect(formatTimecode(seconds)).toBe(text);
  });

  it('shows milliseconds', () => {
    expect(formatTimecode(754.5, { millis: true })).toBe('12:34.500');
    expect(formatTimecode(3723.0456, { millis: true })).toBe('1:02:03.046');
    expect(formatTimecode(59.9996, { millis: true })).toBe('1:00.000');
  });

  it('shows frames, with two-digit minutes', () => {
    expect(formatTimecode(754.2, { frames: 25 })).toBe('12:34:05');
    expect(formatTimecode(5, { frames: 25 })).toBe('00:05:00');
    expect(formatTimecode(3723 + 24 / 25, { frames: 25 })).toBe('1:02:03:24');
    expect(formatTimecode(1 - 1e-9, { frames: 25 })).toBe('00:01:00');
    expect(formatTimecode(0.999, { frames: 120 })).toBe('00:00:119');
  });

  it('counts frames from the first one in each second at 29.97 fps', () => {
    // Frame 29 starts at 0.968 s, frame 30 at 1.001 s: second 0 holds 30 frames, frame 30 is 1 s + 0.
    expect(formatTimecode(29 / 29.97, { frames: 29.97 })).toBe('00:00:29');
    expect(formatTimecode(30 / 29.97, { frames: 29.97 })).toBe('00:01:00');
  });

  it('refuses what is not a time or a frame rate', () => {
    expect(() => formatTimecode(Number.NaN)).toThrow(RangeError);
    expect(() => formatTimecode(Infinity)).toThrow(RangeError);
    expect(() => formatTimecode(1, { frames: 0 })).toThrow(RangeError);
  });
});

describe('parseTimecode', () => {
  it.each([
    ['754', 754],
    ['12:34', 754],
    ['12:34.5', 754.5],
    ['12:34,5', 754.5],
    ['1:02:03', 3723],
    ['1:02:03.25', 3723.25],
    ['0:05', 5],
    [' 2:05 ', 125],
    ['90', 90],
    ['-0:05', -5],
    ['-0', 0],
  ])('reads %j as %s s', (text, seconds) => {
    expect(parseTimecode(text)).toBe(seconds);
  });

  it('reads frames when given the frame rate', () => {
    expect(parseTimecode('12:34:05', { frames: 25 })).toBeCloseTo(754.2, 12);
    expect(parseTimecode('1:02:03:24', { frames: 25 })).toBeCloseTo(3723.96, 12);
    expect(parseTimecode('00:01:00', { frames: 29.97 })).toBeCloseTo(30 / 29.97, 12);
  });

  it.each(['', 'abc', '12:', ':34', '1:60', '1:2:3:4', '12:345', '1.2.3', '--5', '5-', '1e3', '12:34.'])('rejects %j', (text) => {
    expect(parseTimecode(text)).toBeNull();
  });

  it('rejects a frame number the frame rate does not have, and fractions with frames', () => {
    expect(parseTimecode('12:34:25', { frames: 25 })).toBeNull();
    expect(parseTimecode('12:34:05.5', { frames: 25 })).toBeNull();
    expect(parseTimecode('754', { frames: 25 })).toBeNull();
  });

  it('round-trips whole seconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 * 3600 }), (seconds) => {
        expect(parseTimecode(formatTimecode(seconds))).toBe(seconds);
      }),
    );
  });

  it('round-trips milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100 * 3600 * 1000, max: 100 * 3600 * 1000 }), (millis) => {
        const parsed = parseTimecode(formatTimecode(millis / 1000, { millis: true }));
        expect(parsed).not.toBeNull();
        expect(Math.round(parsed! * 1000)).toBe(millis);
      }),
    );
  });

  it('round-trips frames: the parsed time shows the same frame', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FRAME_RATES), fc.integer({ min: 0, max: 10 * 3600 * 60 }), (frameRate, frame) => {
        const text = formatTimecode(frame / frameRate, { frames: frameRate });
        const parsed = parseTimecode(text, { frames: frameRate });
        expect(parsed).not.toBeNull();
        expect(frameIndex(parsed!, frameRate)).toBe(frame);
        expect(formatTimecode(parsed!, { frames: frameRate })).toBe(text);
      }),
    );
  });

  it('formats any time back to the same text after parsing', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 360_000, noNaN: true }), (seconds) => {
        const text = formatTimecode(seconds, { millis: true });
        expect(formatTimecode(parseTimecode(text)!, { millis: true })).toBe(text);
      }),
    );
  });
});
