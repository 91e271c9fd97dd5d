import { describe, expect, it } from 'vitest';
import { badRequest, done, inOrder, refuse, toAck, TokenBucket } from '../../server/src/realtime/messages.ts';

describe('socket.io feature primitives', () => {
  it('a token bucket allows its burst at once, then refills at its rate', () => {
    let now = 1000;
    const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token's worth
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 60_000; // never more than the burst, however long it rested
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('answers become acknowledgements: a value only when there is one, a refusal with its code', () => {
    expect(toAck(done(undefined))).toEqual({ ok: true });
    expect(toAck(done({ t1: 1 }))).toEqual({ ok: true, value: { t1: 1 } });
    expect(toAck(refuse('forbidden', 'nee'))).toEqual({ ok: false, error: { code: 'forbidden', message: 'nee' } });
    expect(toAck(badRequest({ message: 'rtt must be a number' }))).toEqual({ ok: false, error: { code: 'bad_request', message: 'rtt must be a number' } });
  });

  it('runs tasks in the order they came, a waiting one holding up the next, a failing one not', async () => {
    const errors: unknown[] = [];
    const inTurn = inOrder((err) => errors.push(err));
    const seen: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    inTurn(() => void seen.push('at once'));
    expect(seen).toEqual(['at once']);
    inTurn(async () => {
      await gate;
      seen.push('slow');
    });
    inTurn(() => {
      throw new Error('boom');
    });
    const last = new Promise<void>((resolve) => inTurn(() => resolve(void seen.push('after'))));
    expect(seen).toEqual(['at once']);
    open();
    await last;
    expect(seen).toEqual(['at once', 'slow', 'after']);
    expect(errors).toHaveLength(1);
  });
});
