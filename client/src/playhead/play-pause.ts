import type { PlayheadCommand } from '../../../shared/playhead/timeline.ts';

/** What the video element shows: paused, and whether it reached the end (MediaElementState). */
export interface ElementPlayback {
  readonly paused: boolean;
  readonly ended: boolean;
}

/**
 * Whether the play/pause control offers to play: when this video has ended, or when both the
 * video and the room are paused. While the room plays and this video is only catching up (a
 * landing seek), it offers to pause, which is what the room is doing.
 */
export const offersPlay = (element: ElementPlayback, roomPaused: boolean): boolean => element.ended || (element.paused && roomPaused);

/** The commands the play/pause control sends: after the end, playing starts again from the beginning. */
export function playPauseCommands(element: ElementPlayback, roomPaused: boolean): PlayheadCommand[] {
  if (!offersPlay(element, roomPaused)) return [{ type: 'pause' }];
  return element.ended ? [{ type: 'seek', position: 0 }, { type: 'play' }] : [{ type: 'play' }];
}
