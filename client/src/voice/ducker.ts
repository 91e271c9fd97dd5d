import { DEFAULT_DUCKING, duckedVolume, nextGain } from '../../../shared/voice/ducking.ts';

/**
 * Ducks one video element: its volume becomes the person's own choice times the ducking gain. A
 * change on the video's own volume control is the person's choice (taken as meant for the
 * un-ducked level); the volume changes the ducker writes itself are recognised and ignored.
 */
export class VideoDucker {
  #video: HTMLVideoElement | null = null;
  #chosen = 1;
  #gain = 1;
  #written: number | null = null;
  readonly #onVolume = () => {
    const video = this.#video;
    if (!video || (this.#written !== null && Math.abs(video.volume - this.#written) < 1e-3)) return;
    this.#chosen = Math.min(1, video.volume / this.#gain);
  };

  attach(video: HTMLVideoElement | null): void {
    this.detach();
    this.#video = video;
    if (!video) return;
    this.#chosen = video.volume;
    this.#written = null;
    video.addEventListener('volumechange', this.#onVolume);
    this.#apply();
  }

  /** One step of the ducking curve, `dtMs` after the previous one. */
  update(speaking: boolean, dtMs: number): void {
    const gain = nextGain(this.#gain, speaking, dtMs, DEFAULT_DUCKING);
    if (gain === this.#gain) return;
    this.#gain = gain;
    this.#apply();
  }

  /** Gives the element back its chosen volume. */
  detach(): void {
    const video = this.#video;
    if (!video) return;
    video.removeEventListener('volumechange', this.#onVolume);
    video.volume = this.#chosen;
    this.#video = null;
  }

  #apply(): void {
    if (!this.#video) return;
    const volume = duckedVolume(this.#chosen, this.#gain);
    this.#written = volume;
    this.#video.volume = volume;
  }
}
