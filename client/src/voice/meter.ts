/**
 * The level of the person's own microphone, for the pre-join check, the speaking indicator on their
 * own tile and voice activity. The remote peers' levels come from the RTP packets instead (see
 * PeerLink.level), which costs nothing to read.
 */
export class LevelMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #samples: Float32Array<ArrayBuffer>;

  constructor(context: AudioContext, track: MediaStreamTrack) {
    this.#source = context.createMediaStreamSource(new MediaStream([track]));
    this.#analyser = context.createAnalyser();
    // 1024 samples are about 21 ms at 48 kHz: one reading per tick of the call's 50 ms loop.
    this.#analyser.fftSize = 1024;
    this.#samples = new Float32Array(this.#analyser.fftSize);
    this.#source.connect(this.#analyser);
  }

  /** RMS of the newest samples, 0 to 1. */
  read(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const s of this.#samples) sum += s * s;
    return Math.sqrt(sum / this.#samples.length);
  }

  disconnect(): void {
    this.#source.disconnect();
  }
}
