/**
 * Timecodes as people read and type them in the room: "12:34", "1:02:03"; with frames "12:34:05"
 * (minutes and seconds always two digits, as in SMPTE) for pointing at one frame; with milliseconds
 * "12:34.567" where precision matters. Without milliseconds a time is cut down to the whole second,
 * as video players show it.
 *
 * Frames count from the first frame that starts in each second, so the scheme also works for
 * 29.97 fps and the like, where seconds hold a varying number of frames (no drop-frame codes).
 * A frames timecode is ambiguous without its frame rate ("12:34:05" also reads as h:mm:ss), so
 * parsing one needs the same `frames` option as formatting it.
 */
import { firstFrameFrom, frameIndex, secondOfFrame } from './frames.ts';

export type TimecodeOptions =
  | { readonly frames: number; readonly millis?: never }
  | { readonly millis: true; readonly frames?: never };

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function checkFrameRate(frameRate: number): void {
  if (!(Number.isFinite(frameRate) && frameRate > 0)) throw new RangeError('frames must be a positive frame rate');
}

function clock(wholeSeconds: number, padMinutes: boolean): string {
  const hours = Math.floor(wholeSeconds / 3600);
  const minutes = Math.floor((wholeSeconds % 3600) / 60);
  const seconds = pad(wholeSeconds % 60, 2);
  if (hours > 0) return `${hours}:${pad(minutes, 2)}:${seconds}`;
  return `${padMinutes ? pad(minutes, 2) : minutes}:${seconds}`;
}

export function formatTimecode(seconds: number, options?: TimecodeOptions): string {
  if (!Number.isFinite(seconds)) throw new RangeError('seconds must be a finite number');
  const sign = seconds < 0 ? '-' : '';
  const magnitude = Math.abs(seconds);
  if (options?.frames !== undefined) {
    const frameRate = options.frames;
    checkFrameRate(frameRate);
    const frame = frameIndex(magnitude, frameRate);
    const second = secondOfFrame(frame, frameRate);
    const width = Math.max(2, String(Math.ceil(frameRate) - 1).length);
    return `${sign}${clock(second, true)}:${pad(frame - firstFrameFrom(second, frameRate), width)}`;
  }
  // Whole milliseconds first, so 753.9996 s shows as 12:34 rather than 12:33.
  const millis = Math.round(magnitude * 1000);
  const text = clock(Math.floor(millis / 1000), false);
  return `${sign}${options?.millis ? `${text}.${pad(millis % 1000, 3)}` : text}`;
}

/** [h:][m:]s with an optional fraction after "." or "," (Dutch keyboards type a comma). */
const CLOCK_PATTERN = /^(-?)(\d+(?::\d{1,2}){0,2})(?:[.,](\d+))?$/;
/** [[h:]m:]s:ff */
const FRAMES_PATTERN = /^(-?)(\d+(?::\d{1,2}){0,2}):(\d{1,3})$/;

/**
 * Seconds for a typed timecode: "754", "12:34", "12:34.5", "1:02:03"; with `frames`, "12:34:05"
 * (giving the start of that frame). Null when the text is not a timecode, including a minutes or
 * seconds field of 60 or more and a frame number beyond the frame rate.
 */
export function parseTimecode(text: string, options?: { readonly frames?: number }): number | null {
  const frameRate = options?.frames;
  if (frameRate !== undefined) checkFrameRate(frameRate);
  const match = (frameRate === undefined ? CLOCK_PATTERN : FRAMES_PATTERN).exec(text.trim());
  if (match === null) return null;
  const [, sign, clockPart, tail] = match;
  const fields = clockPart!.split(':').map(Number);
  if (fields.slice(1).some((field) => field >= 60)) return null;
  const wholeSeconds = fields.reduce((total, field) => total * 60 + field, 0);
  let value: number;
  if (frameRate === undefined) {
    value = wholeSeconds + (tail === undefined ? 0 : Number(`0.${tail}`));
  } else {
    const frame = Number(tail);
    if (frame >= Math.ceil(frameRate)) return null;
    value = (firstFrameFrom(wholeSeconds, frameRate) + frame) / frameRate;
  }
  return sign === '-' && value > 0 ? -value : value;
}
