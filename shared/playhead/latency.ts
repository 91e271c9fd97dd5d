/**
 * Learns how long something takes in this browser on this machine, from its own measurements: a
 * seek (request → `seeked` with the frame there) or a start (play() → the media clock moving). The
 * shared playhead plans with both: a start is called early by the start latency, a preroll aims
 * ahead by the seek latency's 90th percentile, and the server schedules commands so that the
 * slowest client still has its start latency in hand.
 *
 * Chromium measured with five pages on two busy cores: a start takes 44–90 ms (one page alone
 * 5–26 ms) and a seek 130–310 ms, so a fixed guess is wrong for somebody. The typical value is an
 * exponential average (one odd sample moves it by a third of the difference); the spread is the
 * 90th percentile of the last samples. Both are kept within bounds, since one start held up by a
 * page that was busy elsewhere says little about the next.
 */

export interface LatencyOptions {
  /** First guess (ms), until there are samples. */
  readonly seedMs: number;
  /** Samples and the estimate are kept within these (ms). */
  readonly minMs: number;
  readonly maxMs: number;
  /** Weight of each new sample in the average. */
  readonly smoothing: number;
  /** Samples kept for the percentile. */
  readonly window: number;
}

/** What is worth keeping across page loads (localStorage), and what `restore` accepts. */
export interface LatencyMemory {
  readonly estimate: number;
  readonly recent: readonly number[];
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

export class LatencyEstimator {
  readonly #options: LatencyOptions;
  #estimate: number;
  #recent: number[] = [];

  constructor(options: Partial<LatencyOptions> & Pick<LatencyOptions, 'seedMs'>) {
    this.#options = { minMs: 0, maxMs: 10_000, smoothing: 0.3, window: 16, ...options };
    const { seedMs, minMs, maxMs, smoothing, window } = this.#options;
    if (![seedMs, minMs, maxMs, smoothing].every(Number.isFinite) || minMs > maxMs || !(smoothing > 0 && smoothing <= 1) || !(Number.isSafeInteger(window) && window >= 1)) {
      throw new RangeError('latency options out of range');
    }
    this.#estimate = clamp(seedMs, minMs, maxMs);
  }

  /** Adds one measurement (ms); returns false and ignores it when it is not a number. */
  add(sampleMs: number): boolean {
    if (!Number.isFinite(sampleMs)) return false;
    const { minMs, maxMs, smoothing, window } = this.#options;
    const sample = clamp(sampleMs, minMs, maxMs);
    this.#estimate += smoothing * (sample - this.#estimate);
    this.#recent = [...this.#recent, sample].slice(-window);
    return true;
  }

  /** The typical latency (ms). */
  get estimate(): number {
    return this.#estimate;
  }

  /** The 90th percentile of the recent samples (ms); the estimate while there are none. */
  get p90(): number {
    if (this.#recent.length === 0) return this.#estimate;
    const sorted = [...this.#recent].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
  }

  get samples(): number {
    return this.#recent.length;
  }

  memory(): LatencyMemory {
    return { estimate: this.#estimate, recent: [...this.#recent] };
  }

  /**
   * Takes over what an earlier page load learned (untrusted: it comes from storage). Anything
   * that is not a finite number is dropped; numbers are kept within the bounds. Returns whether
   * anything was taken.
   */
  restore(memory: unknown): boolean {
    if (typeof memory !== 'object' || memory === null) return false;
    const { estimate, recent } = memory as Record<string, unknown>;
    if (typeof estimate !== 'number' || !Number.isFinite(estimate)) return false;
    const { minMs, maxMs, window } = this.#options;
    this.#estimate = clamp(estimate, minMs, maxMs);
    this.#recent = Array.isArray(recent)
      ? recent.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).map((x) => clamp(x, minMs, maxMs)).slice(-window)
      : [];
    return true;
  }
}
