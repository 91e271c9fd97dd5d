import { frameCentre, frameIndex } from '../../../shared/playhead/frames.ts';
import { DEFAULT_FRAME_RATE } from '../../../shared/drawing/timing.ts';

/** Thumbnail width in pixels: twice the shown size, for sharp pictures on high-density screens. */
const WIDTH = 320;

/**
 * Frames for the observation list's thumbnails, grabbed in this browser from the room's own video
 * source with a second, hidden <video> (the shared one must not jump around): seek, draw on a
 * canvas, keep as a blob URL in memory. Nothing derived from the recording is stored on the server
 * or in the browser's storage, so retention and withdrawal leave nothing behind, and whoever may
 * not watch the video gets no frame (their source is refused like the video itself).
 */
export class FrameGrabber {
  /** Blob URLs by `src` and frame, filled as they are grabbed. */
  frames = $state.raw<Record<string, string>>({});
  private readonly queue: { key: string; src: string; seconds: number }[] = [];
  private busy = false;
  private element: HTMLVideoElement | null = null;
  private destroyed = false;

  private static key(src: string, seconds: number, frameRate: number): string {
    return `${src}#${frameIndex(seconds, frameRate)}`;
  }

  /** The frame's URL when it is ready; otherwise null, and it is fetched (once). */
  frame(src: string, seconds: number, frameRate: number | null): string | null {
    const fps = frameRate && frameRate > 0 ? frameRate : DEFAULT_FRAME_RATE;
    const key = FrameGrabber.key(src, seconds, fps);
    const ready = this.frames[key];
    if (ready) return ready;
    if (!this.queue.some((q) => q.key === key)) {
      this.queue.push({ key, src, seconds: frameCentre(frameIndex(seconds, fps), fps) });
      void this.run();
    }
    return null;
  }

  private async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.destroyed) {
        const job = this.queue[0]!;
        const url = await this.grab(job.src, job.seconds).catch(() => null);
        this.queue.shift();
        if (url && !this.destroyed) this.frames = { ...this.frames, [job.key]: url };
      }
    } finally {
      this.busy = false;
    }
  }

  private async grab(src: string, seconds: number): Promise<string | null> {
    const video = (this.element ??= Object.assign(document.createElement('video'), { muted: true, preload: 'auto', playsInline: true }));
    if (video.getAttribute('src') !== src) {
      video.src = src;
      await once(video, 'loadeddata');
    }
    video.currentTime = Math.min(seconds, Number.isFinite(video.duration) ? video.duration : seconds);
    await once(video, 'seeked');
    if (!video.videoWidth || !video.videoHeight) return null;
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH;
    canvas.height = Math.round((WIDTH * video.videoHeight) / video.videoWidth);
    canvas.getContext('2d')!.drawImage(video, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    return blob ? URL.createObjectURL(blob) : null;
  }

  destroy(): void {
    this.destroyed = true;
    for (const url of Object.values(this.frames)) URL.revokeObjectURL(url);
    this.frames = {};
    this.element?.removeAttribute('src');
    this.element?.load();
    this.element = null;
  }
}

/** Resolves on the event, rejects on an error or when nothing comes within 10 s. */
function once(target: HTMLVideoElement, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      target.removeEventListener(event, onEvent);
      target.removeEventListener('error', onError);
      if (ok) resolve();
      else reject(new Error(`no ${event}`));
    };
    const onEvent = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), 10_000);
    target.addEventListener(event, onEvent);
    target.addEventListener('error', onError);
  });
}
