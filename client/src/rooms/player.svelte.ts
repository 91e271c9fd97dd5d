/**
 * What the rest of the room (observations, Kijkwijzer, fragments) may ask of the video, without
 * knowing whether it is synced with the group: the playhead feature provides the synced
 * implementation, and this local one serves until a video element is attached.
 */
export interface RoomPlayer {
  /** Seconds: the position this participant currently sees. */
  readonly position: number;
  readonly duration: number | null;
  readonly paused: boolean;
  /** Seeks the room (or only this participant while they look on their own). */
  seek(position: number): void;
  play(): void;
  pause(): void;
}

/** Drives a plain video element directly; the default before the shared playhead takes over. */
export class LocalPlayer implements RoomPlayer {
  video = $state<HTMLVideoElement | null>(null);
  position = $state(0);
  duration = $state<number | null>(null);
  paused = $state(true);
  private detach: (() => void) | null = null;

  attach(video: HTMLVideoElement | null): void {
    this.detach?.();
    this.video = video;
    if (!video) return;
    const sync = () => {
      this.position = video.currentTime;
      this.duration = Number.isFinite(video.duration) ? video.duration : null;
      this.paused = video.paused;
    };
    const events = ['timeupdate', 'seeked', 'play', 'pause', 'loadedmetadata', 'durationchange'] as const;
    for (const e of events) video.addEventListener(e, sync);
    sync();
    this.detach = () => {
      for (const e of events) video.removeEventListener(e, sync);
    };
  }

  seek(position: number): void {
    if (this.video) this.video.currentTime = position;
  }

  play(): void {
    void this.video?.play();
  }

  pause(): void {
    this.video?.pause();
  }
}
