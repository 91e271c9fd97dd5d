/**
 * Frame arithmetic shared by the timeline (paused frame, frame steps) and timecode formatting.
 *
 * A position that is meant to sit exactly on a frame boundary, such as 3 / 29.97, does not survive
 * the trip through floating point: (3 / 29.97) * 29.97 can come out as 2.9999999999999996, and
 * a plain floor would land one frame early. A tolerance of a millionth of a frame absorbs that
 * rounding while staying far below anything a decoder can tell apart.
 */
const FRAME_TOLERANCE = 1e-6;

/** Index of the frame shown at `seconds` (frame n covers [n / fps, (n + 1) / fps)). */
export const frameIndex = (seconds: number, frameRate: number): number =>
  Math.floor(seconds * frameRate + FRAME_TOLERANCE);

/** Index of the first frame that starts at or after `seconds`. */
export const firstFrameFrom = (seconds: number, frameRate: number): number =>
  Math.ceil(seconds * frameRate - FRAME_TOLERANCE);

/**
 * The middle of frame `index`. Browsers disagree about which frame a currentTime exactly on a
 * boundary shows (and round currentTime differently), so the middle is the only position every
 * client is sure to render as the same frame.
 */
export const frameCentre = (index: number, frameRate: number): number => (index + 0.5) / frameRate;

/** The whole second in which frame `index` starts (for timecodes in seconds plus frames). */
export const secondOfFrame = (index: number, frameRate: number): number =>
  Math.floor((index + FRAME_TOLERANCE) / frameRate);
