/**
 * Keeps one client's video on the shared timeline while it plays. Feed it one sample per presented
 * frame (requestVideoFrameCallback: mediaTime, and the timeline's expected position at that frame's
 * expectedDisplayTime on the server clock); apply every decision it returns.
 *
 * The bands follow what users complain about most, over-eager correction that stutters or loops:
 * - |error| under the dead band while the video plays at exactly the room's rate: nothing.
 * - up to 1 s: nudge playbackRate in proportion (time constant 1 s), at most 5 % off the target,
 *   which is inaudible on speech, and at least 0.12 % off, because Chrome ignores rates within
 *   about 0.11 % of 1 (timingsrc clamps at 882/881).
 * - 1 s or more: seek, aiming ahead by the learned seek latency, then keep quiet until the video
 *   reports `seeked` and has settled, so the seek's own delay is never read as drift (the
 *   re-seeking loop of Syncplay PR #24).
 *
 * Once nudged, a video at room rate 1 is never set back to exactly 1 until the timeline changes:
 * Chromium plays rate 1 without time-stretching and its media clock stalls by about 20 ms (its
 * 20 ms overlap-add window) whenever it enters any other rate, while changes between two other
 * rates cost next to nothing (measured with the fixture in headless Chromium 156). A controller
 * that returns to 1 pays that stall on every correction and hunts around it; one that stays
 * stretched pays it once and then holds the error within a millisecond or two by switching between
 * 1 + 0.12 % and 1 − 0.12 %, which nobody can hear.
 *
 * Decisions use the median of the last few errors, so one late frame or a jittery sample does not
 * move anything. The controller owns playbackRate while playing: the client sets it only from
 * `rate` decisions, and the room's rate changes reach it as `targetRate`.
 */

export type DriftDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'rate'; readonly rate: number }
  | { readonly kind: 'seek'; readonly position: number };

export interface DriftSample {
  /** Media time of the presented frame (s). */
  readonly mediaTime: number;
  /** The timeline's position when that frame is displayed (s), from expectedPosition. */
  readonly expected: number;
  /** The timeline's rate (PlayheadState.rate). */
  readonly targetRate: number;
  /** Local clock (performance.now, ms), for the seek window. */
  readonly nowMs: number;
}

export interface DriftOptions {
  /** Errors kept for the median. */
  readonly window: number;
  /** Errors needed before correcting anything; until then the video plays at the target rate. */
  readonly minSamples: number;
  /** Seconds of error tolerated without action. */
  readonly deadband: number;
  /** Seconds of error from which the controller seeks instead of nudging. */
  readonly seekThreshold: number;
  /** Seconds in which a nudge would remove the error: fraction off the target = error / timeConstant. */
  readonly timeConstant: number;
  /** Nudges are rounded to multiples of this fraction, so the rate changes only now and then. */
  readonly nudgeStep: number;
  /** Largest nudge, as a fraction of the target rate. */
  readonly maxNudge: number;
  /** Smallest nudge, as a fraction of the target rate; also the dead zone kept around rate 1. */
  readonly minNudge: number;
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
  /**
   * Media time the player loses when a nudge leaves rate 1 (ms; see the class comment); 0 ignores
   * it. The first nudge out of rate 1 is sized to also win it back, so a lead smaller than the loss
   * means speeding up a little, not slowing down.
   */
  readonly nudgeEntryCostMs: number;
  /** Errors smaller than this (s) keep the direction of the current nudge: no switching on noise. */
  readonly hysteresis: number;
  /** A rate is kept at least this long (ms) before the next change, so the player is not fiddled with. */
  readonly minHoldMs: number;
  /** `kick`: the time (s) in which the one nudge after a start removes its miss, and its largest fraction. */
  readonly kickTime: number;
  readonly maxKick: number;
}

export const DRIFT_DEFAULTS: DriftOptions = {
  window: 5,
  minSamples: 3,
  deadband: 0.01,
  seekThreshold: 1,
  timeConstant: 1,
  nudgeStep: 0.005,
  maxNudge: 0.05,
  minNudge: 0.0012,
  settleMs: 300,
  seekTimeoutMs: 5000,
  seekLatencyMs: 150,
  latencySmoothing: 0.3,
  maxSeekLatencyMs: 1000,
  nudgeEntryCostMs: 0,
  hysteresis: 0.001,
  minHoldMs: 0,
  kickTime: 0.4,
  maxKick: 0.08,
};

const NONE: DriftDecision = { kind: 'none' };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export class DriftController {
  readonly #options: DriftOptions;
  /** Positive when the video is behind the timeline. */
  #errors: number[] = [];
  #playbackRate: number;
  #seekLatencyMs: number;
  #seekRequestedAt: number | null = null;
  #quietUntil = -Infinity;
  #rateChangedAt = -Infinity;
  /** The room rate the current nudge is around; null while the video plays at exactly the room rate. */
  #nudgedAround: number | null = null;

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

  sample({ mediaTime, expected, targetRate, nowMs }: DriftSample): DriftDecision {
    if (![mediaTime, expected, targetRate, nowMs].every(Number.isFinite) || this.#quiet(nowMs)) return NONE;
    this.#errors = [...this.#errors, expected - mediaTime].slice(-this.#options.window);
    if (this.#errors.length < this.#options.minSamples) return NONE;
    const error = median(this.#errors);
    if (Math.abs(error) >= this.#options.seekThreshold) {
      this.#errors = [];
      this.#seekRequestedAt = nowMs;
      // The timeline moves on while the video seeks, so aim where it will be when the seek lands.
      return { kind: 'seek', position: expected + (this.#seekLatencyMs / 1000) * targetRate };
    }
    if (nowMs - this.#rateChangedAt < this.#options.minHoldMs) return NONE;
    const decision = this.#setRate(this.#rateFor(error, targetRate));
    if (decision.kind === 'rate') this.#rateChangedAt = nowMs;
    return decision;
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

  /** Forget the measured errors and the nudge: call when a new timeline state takes effect or playback resumes. */
  reset(): void {
    this.#errors = [];
    this.#nudgedAround = null;
    this.#rateChangedAt = -Infinity;
  }

  /**
   * A start just measured its own miss (`error`, s of timeline, positive when behind) from its
   * first frames: correct it at once with one nudge sized to remove it in `kickTime` (at most
   * `maxKick`), instead of waiting for the window to fill and nudging at the usual pace. A start
   * misses by 8–40 ms on a busy machine; at 5 % and a 1 s time constant that took seconds.
   */
  kick(error: number, targetRate: number, nowMs: number): DriftDecision {
    if (![error, targetRate, nowMs].every(Number.isFinite) || !(targetRate > 0)) return NONE;
    const { deadband, kickTime, maxKick, minNudge, nudgeStep, nudgeEntryCostMs } = this.#options;
    this.#errors = [];
    if (Math.abs(error) < deadband) return NONE;
    const gain = error + (this.#playbackRate === 1 ? nudgeEntryCostMs / 1000 : 0);
    const fraction = Math.min(maxKick, Math.max(minNudge, Math.round(Math.abs(gain) / kickTime / nudgeStep) * nudgeStep));
    const direction = gain >= 0 ? 1 : -1;
    const rate = targetRate * (1 + direction * fraction);
    this.#nudgedAround = targetRate;
    const decision = this.#setRate(Math.abs(rate - 1) < minNudge ? 1 + direction * minNudge : rate);
    if (decision.kind === 'rate') this.#rateChangedAt = nowMs;
    return decision;
  }

  /**
   * A new timeline state took effect: `reset`, and the rate the video should play at from now on,
   * so a change of the room's speed applies at once rather than after the next few frames.
   */
  retarget(targetRate: number): DriftDecision {
    this.reset();
    return Number.isFinite(targetRate) && targetRate > 0 ? this.#setRate(targetRate) : NONE;
  }

  /** True while a seek is in flight or settling; gives up on a seek whose `seeked` never came. */
  #quiet(nowMs: number): boolean {
    if (this.#seekRequestedAt !== null) {
      if (nowMs - this.#seekRequestedAt < this.#options.seekTimeoutMs) return true;
      this.#seekRequestedAt = null;
    }
    return nowMs < this.#quietUntil;
  }

  #rateFor(error: number, targetRate: number): number {
    const { deadband, hysteresis, nudgeEntryCostMs } = this.#options;
    if (this.#nudgedAround !== targetRate || this.#playbackRate === targetRate) {
      if (Math.abs(error) < deadband) return targetRate;
      // Only leaving rate 1 costs; at any other rate the player is time-stretching already.
      const gain = error + (this.#playbackRate === 1 ? nudgeEntryCostMs / 1000 : 0);
      this.#nudgedAround = targetRate;
      return this.#nudge(gain >= 0 ? 1 : -1, Math.abs(gain), targetRate);
    }
    const direction = Math.abs(error) < hysteresis ? Math.sign(this.#playbackRate - targetRate) : Math.sign(error);
    return this.#nudge(direction, Math.abs(error), targetRate);
  }

  /** A rate `direction` of the target that removes `amount` seconds in about the time constant. */
  #nudge(direction: number, amount: number, targetRate: number): number {
    const { timeConstant, nudgeStep, maxNudge, minNudge } = this.#options;
    const proportional = Math.round(amount / timeConstant / nudgeStep) * nudgeStep;
    const rate = targetRate * (1 + direction * Math.min(maxNudge, Math.max(minNudge, proportional)));
    // Near rate 1 Chrome would play the nudge at exactly 1, so step over its dead zone, still in the
    // correcting direction; for a target within 5 % of 1 this can add up to 2 × minNudge to the cap.
    return Math.abs(rate - 1) < minNudge ? 1 + direction * minNudge : rate;
  }

  #setRate(rate: number): DriftDecision {
    if (rate === this.#playbackRate) return NONE;
    this.#playbackRate = rate;
    // Errors from before a change describe the old rate.
    this.#errors = [];
    return { kind: 'rate', rate };
  }
}
