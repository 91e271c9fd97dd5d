/**
 * Keeps one client's video on the shared timeline while it plays. Feed it one sample per presented
 * frame (requestVideoFrameCallback: mediaTime, and the timeline's expected position at that frame's
 * expectedDisplayTime on the server clock); apply every decision it returns.
 *
 * The bands follow what users complain about most, over-eager correction that stutters or loops:
 * - |error| < 10 ms: nothing; a frame at 60 Hz is 16.7 ms, so this is below what anyone can see.
 * - 10 ms to 1 s: nudge playbackRate in proportion (time constant 1 s), at most 5 % off the target,
 *   which is inaudible on speech, and at least 0.12 % off, because Chrome ignores rates within
 *   about 0.11 % of 1 (timingsrc clamps at 882/881).
 * - 1 s or more: seek, aiming ahead by the learned seek latency, then keep quiet until the video
 *   reports `seeked` and has settled, so the seek's own delay is never read as drift (the
 *   re-seeking loop of Syncplay PR #24).
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
   * Media time the player loses when a nudge leaves rate 1 (ms); 0 ignores it. Chromium plays rate 1
   * without time-stretching and stalls its media clock by about 20 ms when it enters any other rate,
   * while changes between other rates and back to 1 cost next to nothing (measured with the fixture
   * in headless Chromium 156). A controller that ignores this falls further behind with every
   * nudge and never catches up. With a cost set, a nudge around rate 1 is sized to also win back the
   * loss, and every nudge is held at one rate until the error has crossed zero: two rate changes per
   * correction instead of one per wobble of the error.
   */
  readonly nudgeEntryCostMs: number;
  /**
   * How old the errors fed in are, on average (ms), when the caller smooths them (a moving mean);
   * a held nudge stops that much early, where the error it is heading for will have crossed zero.
   */
  readonly errorLagMs: number;
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
  errorLagMs: 0,
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
  /** The target rate the current nudge corrects around (with a rate-change cost only). */
  #nudgedFor: number | null = null;
  /** The error when the held nudge began. */
  #nudgeStartError = 0;

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
    // A held nudge stays while fresh errors accumulate after its rate change (see nudgeEntryCostMs).
    if (this.#errors.length < this.#options.minSamples) return this.#setRate(this.#nudgedFor === targetRate ? this.#playbackRate : targetRate);
    const error = median(this.#errors);
    if (Math.abs(error) >= this.#options.seekThreshold) {
      this.#errors = [];
      this.#seekRequestedAt = nowMs;
      // The timeline moves on while the video seeks, so aim where it will be when the seek lands.
      return { kind: 'seek', position: expected + (this.#seekLatencyMs / 1000) * targetRate };
    }
    return this.#setRate(this.#rateFor(error, targetRate));
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

  /** Forget the measured errors: call when a new timeline state takes effect or playback resumes. */
  reset(): void {
    this.#errors = [];
    this.#nudgedFor = null;
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
    if (this.#options.nudgeEntryCostMs > 0) return this.#heldRate(error, targetRate);
    if (Math.abs(error) < this.#options.deadband) return targetRate;
    return this.#nudge(Math.sign(error), Math.abs(error), targetRate);
  }

  /** The variant of #rateFor for players that lose time entering a nudge (DriftOptions.nudgeEntryCostMs). */
  #heldRate(error: number, targetRate: number): number {
    // Only leaving rate 1 costs; around any other room rate the player is time-stretching already.
    const cost = targetRate === 1 ? this.#options.nudgeEntryCostMs / 1000 : 0;
    if (this.#playbackRate !== targetRate && this.#nudgedFor === targetRate) {
      // While the error moves at the nudge's pace the full window lags behind it (5 % over 0.3 s is
      // 15 ms of overshoot): whether to stop is read from the newest few errors only.
      const lag = ((this.#playbackRate - targetRate) / targetRate) * (this.#options.errorLagMs / 1000);
      const recent = median(this.#errors.slice(-this.#options.minSamples)) - lag;
      const speedingUp = this.#playbackRate > targetRate;
      if (!(speedingUp ? recent > 0 : recent < 0)) {
        this.#nudgedFor = null;
        return targetRate;
      }
      // A video that fell well behind the plan while nudging (a stall) gets a bigger nudge at once
      // rather than seconds at the small one.
      if (speedingUp && recent > this.#nudgeStartError + cost + this.#options.deadband) {
        const bigger = this.#nudge(1, recent, targetRate);
        if (bigger > this.#playbackRate) {
          this.#nudgeStartError = recent;
          return bigger;
        }
      }
      return this.#playbackRate;
    }
    if (Math.abs(error) < this.#options.deadband) return targetRate;
    this.#nudgedFor = targetRate;
    this.#nudgeStartError = error;
    // Entering the nudge loses `cost` by itself: the nudge makes up the rest, which for a lead
    // smaller than that loss means speeding up a little, not slowing down.
    const gain = error + cost;
    return this.#nudge(gain >= 0 ? 1 : -1, Math.abs(gain), targetRate);
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
    // With a cost, a change shifts the clock: errors from before it mislead the next decision.
    if (this.#options.nudgeEntryCostMs > 0) this.#errors = [];
    return { kind: 'rate', rate };
  }
}
