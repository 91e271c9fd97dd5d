/**
 * What the video element itself is doing, read from its own events: whether it is paused, and
 * whether it has reached the end. The room's intent (the shared playhead) can say "playing" while
 * this video has ended or is still landing; the controls show what the person sees.
 */
export class MediaElementState {
  paused = $state(true);
  ended = $state(false);
  private readonly detach: () => void;

  constructor(video: HTMLVideoElement) {
    const read = () => {
      this.paused = video.paused;
      // A video held on its last frame by the room has ended too, even when the element was paused there.
      this.ended = video.ended || (Number.isFinite(video.duration) && video.duration > 0 && video.currentTime >= video.duration);
    };
    const events = ['play', 'playing', 'pause', 'ended', 'seeking', 'seeked', 'emptied', 'loadedmetadata', 'timeupdate'] as const;
    for (const e of events) video.addEventListener(e, read);
    read();
    this.detach = () => {
      for (const e of events) video.removeEventListener(e, read);
    };
  }

  destroy(): void {
    this.detach();
  }
}
