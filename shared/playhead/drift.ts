/**
 * Keeps one client's video on the shared timeline while it plays. Feed it one sample per presented
 * frame (requestVideoFrameCallback: the media clock, and the timeline's expected position at that
 * moment on the server clock); apply every decision it returns.
 *
 * What Chromium's media clock does decides the design (measured with the fixture, five headless
 * pages, bench/sync.ts and the probes described in bench/RESULTS.md):
 * - at exactly rate 1 it is steady to ±0.1–0.4 ms; at any other rate (time-stretched audio, even a
 *   constant 1.0012 or 1.05) currentTime jitters by ±5 ms, and a rate within 0.11 % of 1 is not
 *   honoured reliably;
 * - a new rate shows only after about 150 ms (what the player has buffered still plays at the old
 *   one), in both directions: a nudge of 8 % ended at an error of 0 leaves the video 12 ms ahead;
 * - leaving rate 1 loses about 20 ms of media time at once.
 * So the controller leaves the video at exactly the room's rate while the error stays within the
 * dead band, and corrects a larger error with one nudge that is sized for the loss of entering it,
 * held until the error has come back to where the buffered rest of the nudge takes it to 0 (the
 * last few ms at a fine 1 % nudge, whose rest is small and well known), and then returns to
 * exactly the room's rate. Between corrections nothing touches the player (the
 * Jellyfin complaint: speed correction that keeps fiddling). Errors from before a change has
 * shown are not used for the next decision.
 * - |error| under the dead band (10 ms): nothing. A playing video is best left alone: a correction
 *   costs a 20 ms dip, and the error a client sees moves by a few ms as its clock estimate improves.
 * - up to 1 s: nudge playbackRate in proportion (time constant 1 s), at most 5 % off the target,
 *   which is inaudible on speech, and at least 0.12 % off (Chrome ignores less, see above).
 * - 1 s or more: seek, aiming ahead by the learned seek latency, then keep quiet until the video
 *   reports `seeked` and has settled, so the seek's own delay is never read as drift (the
 *   re-seeking loop of Syncplay PR #24).
 * - right after a start, `kick` corrects the start's own miss (measured from its first frames) at
 *   once, faster (0.4 s, up to 8 %), from 3 ms: a start is where a video is set on the timeline, the
 *   wider dead band is for leaving a playing video alone.
 * Decisions use the median of the last few errors, so one late frame or a jittery sample does not
 * move anything. The controller owns playbackRate while playing: the client sets it only from
 * `rate` decisions, and the room's rate changes reach it as `targetRate`.
 */

export type DriftDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'rate'; readonly rate: number }
  | { readonly kind: 'seek'; readonly position: number };

export interface DriftSample {
  /** The video's media clock (s): currentTime, read in the frame callback. */
  readonly mediaTime: number;
  /** The timeline's position at that moment (s), from expectedPosition. */
  readonly expected: number;
  /** The timeline's rate (PlayheadState.rate). */
  readonly targetRate: number;
  /** Local clock (performance.now, ms): for the seek window, holds and the age of the median. */
  readonly nowMs: number;
}

export interface DriftOptions {
  /** Errors kept for the median. */
  readonly window: number;
  /** Errors needed before correcting anything (after every change of rate the count starts again). */
  readonly minSamples: number;
  /** Seconds of error tolerated at the room's rate without action. */
  readonly deadband: number;
  /** Seconds of a start's miss from which `kick` corrects it. */
  readonly kickMin: number;
  /** Seconds of error from which the controller seeks instead of nudging. */
  readonly seekThreshold: number;
  /** Seconds in which a nudge would remove the error: fraction off the target = error / timeConstant. */
  readonly timeConstant: number;
  /** Largest nudge, as a fraction of the target rate. */
  readonly maxNudge: number;
  /** Smallest nudge, as a fraction of the target rate (Chrome ignores less around 1). */
  readonly minNudge: number;
  /** `kick`: the time (s) in which the nudge after a start removes its miss, and its largest fraction. */
  readonly kickTime: number;
  readonly maxKick: number;
  /** Quiet time after `seeked` before errors count again (ms). */
  readonly settleMs: number;
  /** Give up waiting for `seeked` after this long (ms), so a lost event cannot silence the controller. */
  readonly seekTimeoutMs: number;
  /** Starting estimate of the time from a seek request to `seeked` (ms). */
  readonly seekLatencyMs: number;
  /** Weight of each new latency observation in the exponential average. */
  readonly latencySmoothing: number;
  /** Observed latencies are capped here (ms): a seek held up by buffering says nothing about the next. */
  readonly maxSeekLatencyMs: number;
  /** Media time the player loses when it leaves rate 1 (ms); 0 ignores it. */
  readonly nudgeEntryCostMs: number;
  /** How long after a change of rate the player still plays at the old one (ms); 0 ignores it. */
  readonly bufferMs: number;
  /** A nudge is kept at least this long (ms) before it may end. */
  readonly minHoldMs: number;
  /**
   * A nudge ends at this fraction off the target: it switches to it when the error is `fineSpan`
   * seconds from where to end, so the end depends little on how long the old rate still plays.
   */
  readonly fineNudge: number;
  readonly fineSpan: number;
}

export const DRIFT_DEFAULTS: DriftOptions = {
  window: 5,
  minSamples: 3,
  deadband: 0.01,
  kickMin: 0.003,
  seekThreshold: 1,
  timeConstant: 1,
  maxNudge: 0.05,
  minNudge: 0.0012,
  kickTime: 0.4,
  maxKick: 0.08,
  settleMs: 300,
  seekTimeoutMs: 5000,
  seekLatencyMs: 150,
  latencySmoothing: 0.3,
  maxSeekLatencyMs: 1000,
  nudgeEntryCostMs: 0,
  bufferMs: 0,
  minHoldMs: 300,
  fineNudge: 0.01,
  fineSpan: 0.005,
};

const NONE: DriftDecision = { kind: 'none' };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A nudge under way: which way the error moves, since when, and whether it is in its fine last stretch. */
interface Correction {
  /** +1 while the video catches up (the error falls), −1 while it waits (the error rises). */
  readonly direction: 1 | -1;
  readonly since: number;
  readonly fine: boolean;
}

export class DriftController {
  readonly #options: DriftOptions;
  /** Positive when the video is behind the timeline; with the local time of each. */
  #errors: { error: number; at: number }[] = [];
  #playbackRate: number;
  #seekLatencyMs: number;
  #seekRequestedAt: number | null = null;
  #quietUntil = -Infinity;
  /** Until then (local ms) the last change of rate has not shown yet: its errors are left out. */
  #showsAt = -Infinity;
  #correction: Correction | null = null;

  /** `playbackRate` is the video's rate when the controller takes over (default 1). */
  constructor(options: Partial<DriftOptions> & { readonly playbackRate?: number } = {}) {
    const { playbackRate = 1, ...rest } = options;
    this.#options = { ...DRIFT_DEFAULTS, ...rest };
    this.#playbackRate = playbackRate;
    this.#seekLatencyMs = this.#options.seekLatencyMs;
  }

  /** The rate the controller last asked for. */
  get playbackRate(): number {
    return this.#playbackRate;
  }

  /** Current estimate of seek latency (ms); worth keeping across page loads. */
  get seekLatencyMs(): number {
    return this.#seekLatencyMs;
  }

  /** True while a nudge is under way. */
  get correcting(): boolean {
    return this.#correction !== null;
  }

  sample({ mediaTime, expected, targetRate, nowMs }: DriftSample): DriftDecision {
    if (![mediaTime, expected, targetRate, nowMs].every(Number.isFinite) || !(targetRate > 0) || this.#quiet(nowMs)) return NONE;
    if (nowMs < this.#showsAt) return NONE;
    this.#errors = [...this.#errors, { error: expected - mediaTime, at: nowMs }].slice(-this.#options.window);
    if (this.#errors.length < this.#options.minSamples) return NONE;
    const error = median(this.#errors.map((e) => e.error));
    if (Math.abs(error) >= this.#options.seekThreshold) {
      this.#errors = [];
      this.#correction = null;
      this.#seekRequestedAt = nowMs;
      // The timeline moves on while the video seeks, so aim where it will be when the seek lands.
      return { kind: 'seek', position: expected + (this.#seekLatencyMs / 1000) * targetRate };
    }
    const correction = this.#correction;
    if (!correction) {
      // The room's rate changed under the controller: follow it before anything else.
      if (this.#playbackRate !== targetRate) return this.#setRate(targetRate, nowMs);
      if (Math.abs(error) < this.#options.deadband) return NONE;
      return this.#correct(error, targetRate, nowMs, this.#options.timeConstant, this.#options.maxNudge);
    }
    if (nowMs - correction.since < this.#options.minHoldMs) return NONE;
    // The median is about half a window old: project it to now at the current nudge.
    const lagSeconds = (nowMs - median(this.#errors.map((e) => e.at))) / 1000;
    const projected = error + (targetRate - this.#playbackRate) * lagSeconds;
    const { direction } = correction;
    const reached = (mark: number) => (direction > 0 ? projected <= mark : projected >= mark);
    if (correction.fine) {
      // After the return the buffered rest still plays at the nudge: end where that takes it to 0.
      if (!reached(this.#landing(this.#playbackRate, targetRate))) return NONE;
      this.#correction = null;
      return this.#setRate(targetRate, nowMs);
    }
    // The coarse nudge hands over to the fine one early enough that its own buffered rest and the
    // fine nudge's last `fineSpan` still lie ahead; only the fine nudge ends a correction, so how
    // much entering cost (20 ms, at times nothing) or how long the old rate plays matters little.
    const fineRate = targetRate * (1 + direction * this.#options.fineNudge);
    if (!reached(this.#landing(this.#playbackRate, targetRate) + this.#landing(fineRate, targetRate) + direction * this.#options.fineSpan)) return NONE;
    this.#correction = { ...correction, since: nowMs, fine: true };
    return this.#setRate(fineRate, nowMs);
  }

  /** Where the error must be when the nudge at `rate` ends, so that its buffered rest lands it on 0. */
  #landing(rate: number, targetRate: number): number {
    return (rate - targetRate) * (this.#options.bufferMs / 1000);
  }

  /**
   * A start just measured its own miss (`error`, s of timeline, positive when behind) from its
   * first frames: correct it at once with one nudge sized to remove it in `kickTime` (at most
   * `maxKick`), instead of waiting for the window to fill and nudging at the usual pace. A start
   * misses by 8–40 ms on a busy machine; at 5 % and a 1 s time constant that took seconds.
   */
  kick(error: number, targetRate: number, nowMs: number): DriftDecision {
    if (![error, targetRate, nowMs].every(Number.isFinite) || !(targetRate > 0)) return NONE;
    this.#errors = [];
    if (this.#correction || Math.abs(error) < this.#options.kickMin) return NONE;
    return this.#correct(error, targetRate, nowMs, this.#options.kickTime, this.#options.maxKick);
  }

  /**
   * Call on every `seeked` event. Learns the latency of a seek the controller asked for, and for
   * any seek (also one the client made itself) drops the errors measured before it and stays quiet
   * for the settle time.
   */
  notifySeeked(nowMs: number): void {
    if (this.#seekRequestedAt !== null) {
      const observed = Math.min(this.#options.maxSeekLatencyMs, Math.max(0, nowMs - this.#seekRequestedAt));
      const weight = this.#options.latencySmoothing;
      this.#seekLatencyMs = (1 - weight) * this.#seekLatencyMs + weight * observed;
      this.#seekRequestedAt = null;
    }
    this.#errors = [];
    this.#quietUntil = nowMs + this.#options.settleMs;
  }

  /** Forget the measured errors and any nudge under way: call when a new timeline state takes effect or playback resumes. */
  reset(): void {
    this.#errors = [];
    this.#correction = null;
  }

  /**
   * A new timeline state took effect: `reset`, and the rate the video should play at from now on,
   * so a change of the room's speed applies at once rather than after the next few frames.
   */
  retarget(targetRate: number): DriftDecision {
    this.reset();
    this.#showsAt = -Infinity;
    return Number.isFinite(targetRate) && targetRate > 0 ? this.#setRate(targetRate, -Infinity) : NONE;
  }

  /** True while a seek is in flight or settling; gives up on a seek whose `seeked` never came. */
  #quiet(nowMs: number): boolean {
    if (this.#seekRequestedAt !== null) {
      if (nowMs - this.#seekRequestedAt < this.#options.seekTimeoutMs) return true;
      this.#seekRequestedAt = null;
    }
    return nowMs < this.#quietUntil;
  }

  /** Only leaving rate 1 costs: at any other rate the player stretches already. */
  #entryCost(targetRate: number): number {
    return targetRate === 1 ? this.#options.nudgeEntryCostMs / 1000 : 0;
  }

  /**
   * Starts a nudge that takes `error` (and the loss of entering it) to 0 in about `time` seconds,
   * at most `max` off the target.
   */
  #correct(error: number, targetRate: number, nowMs: number, time: number, max: number): DriftDecision {
    const needed = error + this.#entryCost(targetRate);
    const direction = needed >= 0 ? 1 : -1;
    const fraction = Math.min(max, Math.max(this.#options.minNudge, Math.abs(needed) / time));
    const rate = targetRate * (1 + direction * fraction);
    this.#correction = { direction, since: nowMs, fine: fraction <= this.#options.fineNudge };
    // Near rate 1 Chrome would play the nudge at exactly 1, so step over its dead zone, still in
    // the correcting direction.
    return this.#setRate(Math.abs(rate - 1) < this.#options.minNudge ? 1 + direction * this.#options.minNudge : rate, nowMs);
  }

  #setRate(rate: number, nowMs: number): DriftDecision {
    if (rate === this.#playbackRate) return NONE;
    this.#playbackRate = rate;
    // Errors from before a change, and until it shows, describe the old rate.
    this.#errors = [];
    this.#showsAt = nowMs + this.#options.bufferMs;
    return { kind: 'rate', rate };
  }
}
