import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferingBarrier } from '../../shared/playhead/index.ts';

describe('BufferingBarrier', () => {
  it('waits for nobody while everyone plays', () => {
    const barrier = new BufferingBarrier();
    expect(barrier.shouldWait(0)).toBe(false);
    expect(barrier.waitingFor(0)).toEqual([]);
    expect(barrier.nextChangeAt(0)).toBeNull();
  });

  it('ignores a stall shorter than a second', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    expect(barrier.shouldWait(999)).toBe(false);
    barrier.ready('ann', 999);
    expect(barrier.shouldWait(5000)).toBe(false);
  });

  it('waits for a client stalled a second or more, until it is ready', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.stall('bob', 500);
    expect(barrier.waitingFor(1000)).toEqual(['ann']);
    expect(barrier.waitingFor(1500)).toEqual(['ann', 'bob']);
    barrier.ready('ann', 3000);
    expect(barrier.waitingFor(3000)).toEqual(['bob']);
    barrier.ready('bob', 4000);
    expect(barrier.shouldWait(4000)).toBe(false);
  });

  it('counts from the first of repeated stall reports', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.stall('ann', 900);
    expect(barrier.shouldWait(1000)).toBe(true);
  });

  it('releases a stalled client after the timeout so the others play on', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    expect(barrier.shouldWait(10_999)).toBe(true);
    expect(barrier.shouldWait(11_000)).toBe(false);
    barrier.stall('bob', 10_500);
    expect(barrier.waitingFor(11_500)).toEqual(['bob']);
  });

  it('stops waiting for a client that leaves', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.leave('ann');
    expect(barrier.shouldWait(2000)).toBe(false);
    expect(barrier.nextChangeAt(0)).toBeNull();
  });

  it('puts a released client on probation, so it cannot hold the room again and again', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.ready('ann', 12_000);
    barrier.stall('ann', 13_000);
    expect(barrier.shouldWait(15_000)).toBe(false);
    barrier.ready('ann', 16_000);
    barrier.stall('ann', 42_000);
    expect(barrier.shouldWait(43_000)).toBe(true);
  });

  it('does not put a client on probation that recovered in time', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.ready('ann', 5000);
    barrier.stall('ann', 6000);
    expect(barrier.shouldWait(7000)).toBe(true);
  });

  it('ignores ready from a client it does not know as stalled', () => {
    const barrier = new BufferingBarrier();
    barrier.ready('ann', 0);
    barrier.stall('ann', 100);
    expect(barrier.shouldWait(1100)).toBe(true);
  });

  it('tells the server when to look again', () => {
    const barrier = new BufferingBarrier();
    barrier.stall('ann', 0);
    barrier.stall('bob', 400);
    expect(barrier.nextChangeAt(0)).toBe(1000);
    expect(barrier.nextChangeAt(1000)).toBe(1400);
    expect(barrier.nextChangeAt(1400)).toBe(11_000);
    expect(barrier.nextChangeAt(11_000)).toBe(11_400);
    expect(barrier.nextChangeAt(11_400)).toBeNull();
  });

  describe('properties', () => {
    const clients = ['ann', 'bob', 'cem'] as const;
    const eventArb = fc.record({
      kind: fc.constantFrom('stall', 'ready', 'leave'),
      client: fc.constantFrom(...clients),
      gapMs: fc.integer({ min: 0, max: 15_000 }),
    });

    function replay(events: readonly { kind: string; client: string; gapMs: number }[]) {
      const barrier = new BufferingBarrier();
      let now = 0;
      for (const { kind, client, gapMs } of events) {
        now += gapMs;
        if (kind === 'stall') barrier.stall(client, now);
        else if (kind === 'ready') barrier.ready(client, now);
        else barrier.leave(client);
      }
      return { barrier, now };
    }

    it('never waits longer than grace plus timeout after the last report', () => {
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
          const { barrier, now } = replay(events);
          expect(barrier.shouldWait(now + 11_000)).toBe(false);
          expect(barrier.nextChangeAt(now + 11_000)).toBeNull();
        }),
      );
    });

    it('changes only at the times nextChangeAt announces', () => {
      fc.assert(
        fc.property(fc.array(eventArb, { maxLength: 40 }), fc.integer({ min: 0, max: 12_000 }), (events, later) => {
          const { barrier, now } = replay(events);
          const probe = now + later;
          const next = barrier.nextChangeAt(probe);
          const waiting = barrier.waitingFor(probe);
          if (next === null) {
            expect(barrier.waitingFor(probe + 1_000_000)).toEqual(waiting);
          } else {
            expect(next).toBeGreaterThan(probe);
            expect(barrier.waitingFor(next - 1e-6)).toEqual(waiting);
            expect(barrier.waitingFor(next)).not.toEqual(waiting);
          }
        }),
      );
    });
  });
});
