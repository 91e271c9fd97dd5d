/**
 * The live pointer ("wijs aan"): its socket.io messages, their check, the rates, and the
 * interpolation a receiver draws it with. Positions are picture coordinates (shapes.ts), so every
 * window size, letterbox and full screen shows the pointer on the same spot of the picture.
 */
import { COORD_MAX } from './shapes.ts';

/** A sender sends at most this many positions a second: one per frame of a 25 fps recording. */
export const POINTER_HZ = 25;
export const POINTER_INTERVAL_MS = 1000 / POINTER_HZ;
/**
 * A sender repeats its last position once when the pointer has rested this long: the server
 * relays positions as volatile messages (a busy receiver skips one rather than queue it), so the
 * place where a pointer comes to rest must not depend on one message.
 */
export const POINTER_SETTLE_MS = 200;
/** A pointer nobody moved for this long fades out on the other screens. */
export const POINTER_FADE_MS = 2500;
/** The server's cap per connection: twice the send rate, a burst of two seconds' worth. */
export const POINTER_RATE = { perSecond: POINTER_HZ * 2, burst: POINTER_HZ * 4 } as const;

/** Client → server: where my pointer is now, or that I stopped pointing. */
export type PointerUpdate = { kind: 'move'; x: number; y: number } | { kind: 'hide' };

/** Server → the others in the room: the same, with who it is (from the connection, never the payload). */
export type PointerEvent = PointerUpdate & { participantId: string; name: string };

const isCoord = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= COORD_MAX;

/** The payload as a PointerUpdate, or null when it is not exactly one. */
export function readPointerUpdate(value: unknown): PointerUpdate | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v).sort().join(',');
  if (v.kind === 'move' && keys === 'kind,x,y' && isCoord(v.x) && isCoord(v.y)) return { kind: 'move', x: v.x, y: v.y };
  if (v.kind === 'hide' && keys === 'kind') return { kind: 'hide' };
  return null;
}

interface Sample {
  at: number;
  x: number;
  y: number;
}

/**
 * One remote pointer as a receiver draws it: samples are stamped with their local arrival time,
 * and the pointer is shown where the sender was one send interval ago, interpolated between the
 * two samples around that moment. So it glides along the sender's path instead of jumping 25
 * times a second, at the price of one interval (40 ms) of delay; it never runs ahead of what was
 * sent (no extrapolation), and only the last few samples are kept (no backlog: a late burst
 * catches up at once).
 */
export class PointerTrack {
  private samples: Sample[] = [];
  /** Local time of the last sample: the fade counts from here. */
  lastAt = 0;
  private readonly delay: number;

  constructor(delay = POINTER_INTERVAL_MS) {
    this.delay = delay;
  }

  push(at: number, x: number, y: number): void {
    // A sample after a pause starts a new glide from where the pointer rests, not from long ago.
    const last = this.samples.at(-1);
    if (last && at - last.at > this.delay * 3) this.samples = [{ at: at - this.delay, x: last.x, y: last.y }];
    this.samples.push({ at, x, y });
    if (this.samples.length > 4) this.samples.splice(0, this.samples.length - 4);
    this.lastAt = at;
  }

  /** Where to draw the pointer at local time `now`, or null before the first sample. */
  at(now: number): { x: number; y: number } | null {
    const s = this.samples;
    if (s.length === 0) return null;
    const t = now - this.delay;
    const last = s.at(-1)!;
    if (t >= last.at) return { x: last.x, y: last.y };
    if (t <= s[0]!.at) return { x: s[0]!.x, y: s[0]!.y };
    for (let i = 1; i < s.length; i++) {
      const a = s[i - 1]!;
      const b = s[i]!;
      if (t <= b.at) {
        const f = b.at === a.at ? 1 : (t - a.at) / (b.at - a.at);
        return { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
      }
    }
    return { x: last.x, y: last.y };
  }

  /** 1 while fresh, falling to 0 over the last second before POINTER_FADE_MS. */
  opacity(now: number): number {
    const idle = now - this.lastAt;
    return Math.max(0, Math.min(1, (POINTER_FADE_MS - idle) / 1000));
  }
}

/**
 * A sender's throttle: `offer` a position whenever the pointer moves; `send` is called at most
 * once per interval, always with the newest position (the last one of a burst is never lost),
 * and once more POINTER_SETTLE_MS after the pointer came to rest. `now` and `schedule` are passed
 * in so it runs the same under test.
 */
export class PointerThrottle {
  private lastSent = -Infinity;
  private pending: { x: number; y: number } | null = null;
  private timer: unknown = null;
  private settleTimer: unknown = null;
  private readonly send: (x: number, y: number) => void;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => unknown;
  private readonly cancel: (timer: unknown) => void;
  private readonly interval: number;

  constructor(opts: {
    send: (x: number, y: number) => void;
    now: () => number;
    schedule: (fn: () => void, ms: number) => unknown;
    cancel: (timer: unknown) => void;
    interval?: number;
  }) {
    this.send = opts.send;
    this.now = opts.now;
    this.schedule = opts.schedule;
    this.cancel = opts.cancel;
    this.interval = opts.interval ?? POINTER_INTERVAL_MS;
  }

  offer(x: number, y: number): void {
    this.pending = { x, y };
    this.cancelSettle();
    if (this.timer !== null) return;
    const wait = this.lastSent + this.interval - this.now();
    if (wait <= 0) this.flush();
    else this.timer = this.schedule(() => this.flush(), wait);
  }

  /** Stops pointing: nothing more is sent until the next offer. */
  stop(): void {
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
    this.pending = null;
    this.cancelSettle();
  }

  private flush(): void {
    this.timer = null;
    if (!this.pending) return;
    const { x, y } = this.pending;
    this.pending = null;
    this.lastSent = this.now();
    this.send(x, y);
    this.settleTimer = this.schedule(() => {
      this.settleTimer = null;
      this.lastSent = this.now();
      this.send(x, y);
    }, POINTER_SETTLE_MS);
  }

  private cancelSettle(): void {
    if (this.settleTimer !== null) this.cancel(this.settleTimer);
    this.settleTimer = null;
  }
}
