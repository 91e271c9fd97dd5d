import { describe, expect, it } from 'vitest';
import { PointerThrottle, PointerTrack, POINTER_FADE_MS, POINTER_INTERVAL_MS, POINTER_SETTLE_MS, readPointerUpdate } from '../../shared/drawing/pointer.ts';

describe('the pointer messages', () => {
  it('accepts exactly a move in picture coordinates or a hide', () => {
    expect(readPointerUpdate({ kind: 'move', x: 0, y: 10_000 })).toEqual({ kind: 'move', x: 0, y: 10_000 });
    expect(readPointerUpdate({ kind: 'hide' })).toEqual({ kind: 'hide' });
    for (const bad of [null, [], 'move', { kind: 'move', x: 1 }, { kind: 'move', x: 1.5, y: 2 }, { kind: 'move', x: NaN, y: 1 }, { kind: 'move', x: -1, y: 1 }, { kind: 'move', x: 1, y: 10_001 }, { kind: 'move', x: 1, y: 1, name: 'Anna' }, { kind: 'hide', x: 1 }, { kind: 'jump' }]) {
      expect(readPointerUpdate(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('a remote pointer on the receiving side', () => {
  it('glides between samples one interval behind, never ahead of the newest', () => {
    const track = new PointerTrack(40);
    track.push(1000, 0, 0);
    track.push(1040, 400, 200);
    expect(track.at(1040)).toEqual({ x: 0, y: 0 });
    expect(track.at(1060)).toEqual({ x: 200, y: 100 });
    expect(track.at(1080)).toEqual({ x: 400, y: 200 });
    expect(track.at(5000)).toEqual({ x: 400, y: 200 });
  });

  it('after a pause starts from where it rested instead of replaying the old path', () => {
    const track = new PointerTrack(40);
    track.push(0, 0, 0);
    track.push(40, 100, 0);
    track.push(2000, 900, 0);
    expect(track.at(2000)).toEqual({ x: 100, y: 0 });
    expect(track.at(2020)).toEqual({ x: 500, y: 0 });
    expect(track.at(2040)).toEqual({ x: 900, y: 0 });
  });

  it('keeps no backlog: a burst of late samples lands on the newest at once', () => {
    const track = new PointerTrack(40);
    for (let i = 0; i < 100; i++) track.push(500, i, i);
    expect(track.at(540)).toEqual({ x: 99, y: 99 });
  });

  it('fades out after a while without movement', () => {
    const track = new PointerTrack();
    expect(track.at(0)).toBeNull();
    track.push(100, 1, 1);
    expect(track.opacity(200)).toBe(1);
    expect(track.opacity(100 + POINTER_FADE_MS - 500)).toBeCloseTo(0.5);
    expect(track.opacity(100 + POINTER_FADE_MS)).toBe(0);
  });
});

describe('the sender throttle', () => {
  function clock() {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const sent: [number, number, number][] = [];
    const throttle = new PointerThrottle({
      send: (x, y) => sent.push([now, x, y]),
      now: () => now,
      schedule: (fn, ms) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return t;
      },
      cancel: (t) => timers.splice(timers.indexOf(t as (typeof timers)[number]), 1),
    });
    const advance = (ms: number) => {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          timers.splice(timers.indexOf(t), 1);
          t.fn();
        }
      }
    };
    return { throttle, sent, advance };
  }

  it('sends at most once per interval, always the newest position, and the last one of a burst', () => {
    const { throttle, sent, advance } = clock();
    for (let i = 0; i < 10; i++) {
      throttle.offer(i, i);
      advance(5);
    }
    advance(100);
    // 7 is the newest when the interval is up at 40 ms; 9 the last of the burst.
    expect(sent.map(([, x]) => x)).toEqual([0, 7, 9]);
    for (let i = 1; i < sent.length; i++) expect(sent[i]![0] - sent[i - 1]![0]).toBeGreaterThanOrEqual(POINTER_INTERVAL_MS);
    // At rest: the last position once more, and then nothing.
    advance(POINTER_SETTLE_MS);
    advance(5000);
    expect(sent.map(([, x]) => x)).toEqual([0, 7, 9, 9]);
  });

  it('sends nothing after stop', () => {
    const { throttle, sent, advance } = clock();
    throttle.offer(1, 1);
    throttle.offer(2, 2);
    throttle.stop();
    advance(1000);
    expect(sent.map(([, x]) => x)).toEqual([1]);
  });
});
