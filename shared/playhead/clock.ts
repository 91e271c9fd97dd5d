/**
 * Estimates the offset between a client's clock (performance.now) and the server clock, NTP style,
 * so every client can evaluate the shared timeline at the same server instant.
 *
 * One exchange gives four timestamps; its offset is exact when the two legs take equally long and
 * otherwise off by half their difference, so the error is bounded by RTT / 2. The exchanges with
 * the lowest RTT therefore carry the best estimates (Jellyfin SyncPlay keeps the lowest-delay one
 * of 8); averaging a few of them smooths the millisecond rounding of each timestamp.
 */

export interface ClockSample {
  /** Client clock when the request was sent. */
  readonly t0: number;
  /** Server clock when the request arrived. */
  readonly t1: number;
  /** Server clock when the reply was sent. */
  readonly t2: number;
  /** Client clock when the reply arrived. */
  readonly t3: number;
}

/** Server clock minus client clock, as one exchange sees it. */
export const sampleOffset = ({ t0, t1, t2, t3 }: ClockSample): number => (t1 - t0 + (t2 - t3)) / 2;

/** Time on the wire for one exchange, excluding the server's own handling time. */
export const sampleRtt = ({ t0, t1, t2, t3 }: ClockSample): number => t3 - t0 - (t2 - t1);

export interface ClockEstimatorOptions {
  /** Most recent exchanges considered; older ones drop out so slow clock drift is followed. */
  readonly windowSize: number;
  /** How many of the lowest-RTT exchanges are averaged into the offset. */
  readonly best: number;
  /** Exchanges with an RTT above median × this factor are ignored (a congested or stalled path). */
  readonly outlierFactor: number;
}

export const CLOCK_DEFAULTS: ClockEstimatorOptions = { windowSize: 8, best: 3, outlierFactor: 2 };

interface Measurement {
  readonly offset: number;
  readonly rtt: number;
}

function median(sorted: readonly number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export class ClockEstimator {
  readonly #options: ClockEstimatorOptions;
  #window: Measurement[] = [];
  #offset = 0;
  #rtt = 0;
  #rttSpread = 0;
  #samples = 0;

  constructor(options: Partial<ClockEstimatorOptions> = {}) {
    this.#options = { ...CLOCK_DEFAULTS, ...options };
    const { windowSize, best, outlierFactor } = this.#options;
    // A factor below 1 could reject every exchange, even the median one.
    if (!(Number.isSafeInteger(windowSize) && windowSize >= 1 && Number.isSafeInteger(best) && best >= 1 && outlierFactor >= 1)) {
      throw new RangeError('windowSize and best must be whole numbers of at least 1, outlierFactor at least 1');
    }
  }

  /**
   * Adds one exchange; returns false (and ignores it) when its timestamps cannot be real: not finite,
   * or time running backwards on either side.
   */
  add(sample: ClockSample): boolean {
    const { t0, t1, t2, t3 } = sample;
    if (![t0, t1, t2, t3].every(Number.isFinite) || t3 < t0 || t2 < t1 || sampleRtt(sample) < 0) return false;
    this.#window = [...this.#window, { offset: sampleOffset(sample), rtt: sampleRtt(sample) }].slice(
      -this.#options.windowSize,
    );
    this.#estimate();
    return true;
  }

  #estimate(): void {
    const byRtt = [...this.#window].sort((a, b) => a.rtt - b.rtt);
    const limit = median(byRtt.map((m) => m.rtt)) * this.#options.outlierFactor;
    const accepted = byRtt.filter((m) => m.rtt <= limit);
    const best = accepted.slice(0, this.#options.best);
    this.#offset = best.reduce((sum, m) => sum + m.offset, 0) / best.length;
    const rtts = accepted.map((m) => m.rtt);
    this.#rtt = median(rtts);
    this.#rttSpread = rtts[Math.min(rtts.length - 1, Math.ceil(0.9 * rtts.length) - 1)]! - this.#rtt;
    this.#samples = accepted.length;
  }

  /** Server clock minus client clock (ms); 0 until the first sample, so check `samples` first. */
  get offset(): number {
    return this.#offset;
  }

  /** Typical round trip (median of the accepted exchanges, ms); what `scheduleDelay` wants. */
  get rtt(): number {
    return this.#rtt;
  }

  /**
   * How much slower than typical a round trip gets (90th percentile minus median of the accepted
   * exchanges, ms): the server adds it to a command's lead, so a state still arrives in time on
   * a jittery path.
   */
  get rttSpread(): number {
    return this.#rttSpread;
  }

  /** Exchanges in the window that passed the outlier check. */
  get samples(): number {
    return this.#samples;
  }

  toServerTime(localMs: number): number {
    return localMs + this.#offset;
  }

  toLocalTime(serverMs: number): number {
    return serverMs - this.#offset;
  }
}
