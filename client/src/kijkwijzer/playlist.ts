/**
 * The fragments playlist's pause-at-the-end logic as a pure step function, so it is tested
 * without a browser. It is fed every position update of `room.player` on the driver's client.
 */
export type PlaylistPhase = 'idle' | 'seeking' | 'playing' | 'ended';

/** Pause this close before the end (s): position updates come every 100–250 ms, never exactly on it. */
const END_MARGIN = 0.05;
/** The seek to the start has arrived once the position is this close before the start (s), or in the fragment. */
const START_TOLERANCE = 0.25;
/** Further than this past the end (s) is not overshoot but someone taking the room elsewhere. */
const JUMP_AWAY = 1;

export interface PlaylistStep {
  phase: PlaylistPhase;
  /** Pause the room and put it on this position (the fragment's end); null: leave it alone. */
  pauseAt: number | null;
}

export function playlistStep(phase: PlaylistPhase, fragment: { start: number; end: number }, position: number, paused: boolean): PlaylistStep {
  const stay = { phase, pauseAt: null };
  switch (phase) {
    case 'seeking':
      // Until the seek lands, the old position (maybe past this end) must not trigger the pause.
      return position >= fragment.start - START_TOLERANCE && position < fragment.end - END_MARGIN ? { phase: 'playing', pauseAt: null } : stay;
    case 'playing':
      if (position > fragment.end + JUMP_AWAY || position < fragment.start - JUMP_AWAY) return { phase: 'idle', pauseAt: null };
      if (position < fragment.end - END_MARGIN) return stay;
      // Already paused by hand at the end: nothing to do, but this run is over.
      return { phase: 'ended', pauseAt: paused ? null : fragment.end };
    default:
      return stay;
  }
}
