/**
 * Voice activity from an audio level, smoothed so that a cough does not count as talking and the
 * short pauses between words do not count as silence. Pure: feed it (level, time) samples a few
 * dozen times a second; it answers whether the person is speaking.
 *
 * Levels are linear amplitudes from 0 to 1 (RMS of the samples, or the RTP audio level that
 * `RTCRtpReceiver.getSynchronizationSources()` reports, which is the same scale). The smoothed
 * level is an exponential moving average in dBFS; speech starts once it has been above `onDb` for
 * `attackMs`, and ends once it has been below `offDb` for `releaseMs` (hysteresis: onDb > offDb).
 */
export interface ActivityOptions {
  onDb: number;
  offDb: number;
  /** Time constant of the moving average (ms). */
  smoothingMs: number;
  attackMs: number;
  releaseMs: number;
}

/**
 * Speech through a browser's echo canceller and noise suppressor sits around −30 to −15 dBFS;
 * room noise that gets past the suppressor stays under −50. 400 ms bridges the gaps between words.
 */
export const DEFAULT_ACTIVITY: ActivityOptions = { onDb: -42, offDb: -50, smoothingMs: 60, attackMs: 80, releaseMs: 450 };

/** The quietest level taken into account; silence is −100 dBFS, not −Infinity. */
const FLOOR_DB = -100;

export const toDb = (level: number): number => (level > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(level)) : FLOOR_DB);

export class ActivityDetector {
  readonly #o: ActivityOptions;
  #smoothed = FLOOR_DB;
  #at: number | null = null;
  #speaking = false;
  /** Since when the smoothed level has been on the other side of the threshold that would flip the state. */
  #crossedAt: number | null = null;

  constructor(options: Partial<ActivityOptions> = {}) {
    this.#o = { ...DEFAULT_ACTIVITY, ...options };
    if (this.#o.onDb <= this.#o.offDb) throw new RangeError('onDb must be above offDb');
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  /** One sample at `now` (ms, any monotonic clock); returns whether the person speaks. */
  update(level: number, now: number): boolean {
    const db = toDb(Number.isFinite(level) ? level : 0);
    const dt = this.#at === null ? Infinity : Math.max(0, now - this.#at);
    this.#at = now;
    // Rising is followed at once and falling smoothed, so onsets are caught without delay and the
    // dips inside a word do not pull the level down.
    this.#smoothed = db >= this.#smoothed ? db : db + (this.#smoothed - db) * Math.exp(-dt / this.#o.smoothingMs);
    const crossing = this.#speaking ? this.#smoothed < this.#o.offDb : this.#smoothed >= this.#o.onDb;
    if (!crossing) {
      this.#crossedAt = null;
      return this.#speaking;
    }
    this.#crossedAt ??= now;
    if (now - this.#crossedAt >= (this.#speaking ? this.#o.releaseMs : this.#o.attackMs)) {
      this.#speaking = !this.#speaking;
      this.#crossedAt = null;
    }
    return this.#speaking;
  }

  /** Forget everything, e.g. when the microphone is muted: the next sample starts from silence. */
  reset(): void {
    this.#smoothed = FLOOR_DB;
    this.#at = null;
    this.#speaking = false;
    this.#crossedAt = null;
  }
}
