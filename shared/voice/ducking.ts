/**
 * Ducking: while anyone in the call speaks, the recording plays softer on every client, and comes
 * back gently afterwards. The recording plays locally in each browser (it is never sent through the
 * call), so each client ducks its own video element from the voice activity it hears.
 *
 * The gain moves exponentially towards its target, fast going down (the first words must not be
 * drowned) and slowly coming back (no pumping between sentences), like a broadcast ducker.
 */
export interface DuckingOptions {
  /** Gain while someone speaks: 0.25 is −12 dB, softer but still following the recording. */
  duckedGain: number;
  /** Time constant going down (ms). */
  attackMs: number;
  /** Time constant coming back (ms). */
  releaseMs: number;
}

export const DEFAULT_DUCKING: DuckingOptions = { duckedGain: 0.25, attackMs: 80, releaseMs: 600 };

/** Gains this close to their target are the target: the element's volume stops changing. */
const SETTLED = 0.005;

/** The gain `dtMs` after `gain`, heading for the ducked gain while someone speaks and for 1 otherwise. */
export function nextGain(gain: number, speaking: boolean, dtMs: number, options: DuckingOptions = DEFAULT_DUCKING): number {
  const target = speaking ? options.duckedGain : 1;
  const tau = target < gain ? options.attackMs : options.releaseMs;
  const next = target + (gain - target) * Math.exp(-Math.max(0, dtMs) / tau);
  return Math.abs(next - target) < SETTLED ? target : next;
}

/**
 * The element's volume: the person's own choice (the video's volume control) times the ducking
 * gain, kept within the 0–1 a media element accepts.
 */
export const duckedVolume = (chosen: number, gain: number): number => Math.min(1, Math.max(0, chosen * gain));
