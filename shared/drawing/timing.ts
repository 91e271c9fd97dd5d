/**
 * When a drawing shows over the video. A drawing belongs to the frame at its observation's start:
 * paused, it shows exactly on that frame; playing, it stays a moment after the frame (one frame,
 * 40 ms, is too short to see), and then goes, because the picture under it has moved on.
 */
import { frameIndex } from '../playhead/frames.ts';
import type { Observation } from '../notes/types.ts';

/** Seconds a drawing stays over a playing video after its frame. */
export const DRAWING_HOLD_SECONDS = 2;
/** Assumed when the recording's frame rate is unknown (the playhead assumes the same). */
export const DEFAULT_FRAME_RATE = 25;

/** True when a drawing on the frame at `start` shows at `position`. */
export function showsAt(start: number, position: number, paused: boolean, frameRate: number | null): boolean {
  const fps = frameRate && frameRate > 0 ? frameRate : DEFAULT_FRAME_RATE;
  const frame = frameIndex(start, fps);
  const now = frameIndex(position, fps);
  if (paused) return now === frame;
  return now >= frame && position < frame / fps + DRAWING_HOLD_SECONDS;
}

/** The observations with a drawing that shows at `position`, in time order. */
export function drawingsAt(observations: readonly Observation[], position: number, paused: boolean, frameRate: number | null): Observation[] {
  return observations
    .filter((o) => o.drawing !== undefined && o.drawing.length > 0 && showsAt(o.start, position, paused, frameRate))
    .sort((a, b) => a.start - b.start || a.createdAt - b.createdAt);
}

/** An observation on the frame shown at `position` (to draw on), preferring `preferredId`. */
export function observationOnFrame(observations: readonly Observation[], position: number, frameRate: number | null, preferredId: string | null): Observation | null {
  const onFrame = observations.filter((o) => showsAt(o.start, position, true, frameRate));
  return onFrame.find((o) => o.id === preferredId) ?? onFrame[0] ?? null;
}
