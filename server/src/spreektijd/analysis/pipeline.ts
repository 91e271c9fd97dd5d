/**
 * One analysis from file to turns. ffmpeg decodes the audio track to 16 kHz mono into a shared
 * buffer; a feature thread follows the decoder; once decoding is done the voice-activity thread
 * runs alongside it (two cores, two threads; this thread only moves bytes); then the speech is
 * split into speakers.
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { AnalysisFailure, AnalysisStage, Turn } from '../../../../shared/spreektijd/types.ts';
import { diarise } from './diarise.ts';
import { frameAt, frameCount, normalise, SAMPLE_RATE, type Features } from './features.ts';
import { DECODED, FINISHED, type AnalysisFacts, type AnalysisJob, type FromFeatureThread, type FromVadThread, type ToVadThread } from './messages.ts';
import { turnsFrom } from './turns.ts';
import { speechSegments, VAD_CHUNK } from './vad.ts';

export class AnalysisError extends Error {
  readonly reason: AnalysisFailure;
  constructor(reason: AnalysisFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

export type Progress = (stage: AnalysisStage, percent: number) => void;

/** Shares of the progress bar: decoding, voices, features, speakers. */
const WEIGHTS = { decode: 5, voices: 40, features: 40, speakers: 15 } as const;

const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const thread = (name: string, data: object): Worker => new Worker(new URL(`./${name}${extension}`, import.meta.url), { workerData: data });

/** The reply of a worker as a promise; an error or an early exit rejects. */
function outcome<T>(worker: Worker, what: string, onMessage: (message: T, resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
  const result = new Promise<T>((resolve, reject) => {
    worker.on('message', (message: T) => onMessage(message, resolve, reject));
    worker.on('error', (err: Error) => reject(new AnalysisError('crashed', `${what}: ${err.message}`)));
    worker.on('exit', (code) => reject(new AnalysisError('crashed', `${what} stopped (${code})`)));
  });
  // Awaited later; a failure before then must not count as unhandled.
  result.catch(() => undefined);
  return result;
}

/** ffmpeg → the shared buffer; resolves with the number of samples once ffmpeg is done. */
function decode(job: AnalysisJob, buffer: SharedArrayBuffer, counters: Int32Array): Promise<number> {
  const bytes = new Uint8Array(buffer);
  const maxBytes = buffer.byteLength;
  let received = 0;
  return new Promise<number>((resolve, reject) => {
    const args = ['-nostdin', '-v', 'error', '-i', `file:${job.input}`, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-'];
    const ffmpeg = spawn(job.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stderr = '';
    let tooLong = false;
    ffmpeg.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      if (tooLong) return;
      if (received + chunk.length > maxBytes) {
        tooLong = true;
        ffmpeg.kill('SIGKILL');
        return;
      }
      bytes.set(chunk, received);
      received += chunk.length;
      Atomics.store(counters, DECODED, received >> 1);
      Atomics.notify(counters, DECODED);
    });
    ffmpeg.on('error', (err) => reject(new AnalysisError('unreadable', `ffmpeg could not be started: ${err.message}`)));
    ffmpeg.on('close', (code) => {
      Atomics.store(counters, FINISHED, 1);
      Atomics.notify(counters, DECODED);
      if (tooLong) reject(new AnalysisError('too_long', `more than ${job.maxSeconds} s of audio`));
      else if (code !== 0 && /matches no streams|does not contain any stream/i.test(stderr)) reject(new AnalysisError('no_audio', 'no audio track'));
      else if (code !== 0) reject(new AnalysisError('unreadable', stderr.trim().split('\n').slice(-2).join(' ') || `ffmpeg exited with ${code}`));
      else resolve(received >> 1);
    });
  });
}

export async function analyse(job: AnalysisJob, progress: Progress): Promise<{ turns: Turn[]; speakers: number; facts: AnalysisFacts }> {
  const started = performance.now();
  const since = (at: number): number => Math.round(performance.now() - at) / 1000;
  // Room for the longest recording analysed; the operating system only commits the pages ffmpeg
  // writes. (Not a growable buffer: V8 reads length-tracking views of one about 20 times slower.)
  const buffer = new SharedArrayBuffer(Math.ceil(job.maxSeconds * SAMPLE_RATE) * 2);
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const done = { decode: 0, voices: 0, features: 0, speakers: 0 };
  let stage = 'decoding' as AnalysisStage;
  let lastPercent = -1;
  let expectedFrames = 0;
  const report = (): void => {
    const sum = WEIGHTS.decode * done.decode + WEIGHTS.voices * done.voices + WEIGHTS.features * done.features + WEIGHTS.speakers * done.speakers;
    const percent = Math.min(99, Math.floor(sum));
    if (percent === lastPercent) return;
    lastPercent = percent;
    progress(stage, percent);
  };
  report();

  const featureThread = thread('feature-thread', { buffer, progress: counters.buffer });
  const vadThread = thread('vad-thread', { buffer });
  const vadExited = new Promise<void>((resolve) => vadThread.once('exit', () => resolve()));
  const features = outcome<FromFeatureThread>(featureThread, 'feature thread', (message, resolve) => {
    switch (message.type) {
      case 'progress':
        if (expectedFrames > 0) {
          done.features = Math.min(1, message.frames / expectedFrames);
          report();
        }
        break;
      case 'done':
        resolve(message);
        break;
    }
  });
  const voices = outcome<FromVadThread>(vadThread, 'voice activity thread', (message, resolve, reject) => {
    switch (message.type) {
      case 'progress':
        done.voices = message.fraction;
        report();
        break;
      case 'done':
        resolve(message);
        break;
      case 'failed':
        reject(new AnalysisError('crashed', `voice activity: ${message.detail}`));
        break;
    }
  });

  try {
    const decodeStarted = performance.now();
    const samples = await decode(job, buffer, counters);
    const decodeSeconds = since(decodeStarted);
    if (samples < VAD_CHUNK) throw new AnalysisError('no_audio', 'the audio track is empty');
    expectedFrames = frameCount(samples);
    done.decode = 1;
    stage = 'voices';
    report();
    vadThread.postMessage({ type: 'decoded', samples } satisfies ToVadThread);

    const [vad, made] = await Promise.all([voices, features]);
    if (vad.type !== 'done' || made.type !== 'done') throw new AnalysisError('crashed', 'a thread answered out of turn');
    done.voices = 1;
    done.features = 1;
    const frames: Features = { frames: made.frames, mfcc: made.mfcc, logPitch: made.logPitch };
    const speech = speechSegments(vad.probabilities);
    const isSpeech = new Uint8Array(frames.frames);
    for (const s of speech) isSpeech.fill(1, Math.max(0, frameAt(s.start)), Math.min(frames.frames, frameAt(s.end)));
    normalise(frames, (f) => isSpeech[f] === 1);

    stage = 'speakers';
    report();
    const speakersStarted = performance.now();
    const result = diarise(frames, speech, job.speakers, (fraction) => {
      done.speakers = fraction;
      report();
    });
    return {
      turns: turnsFrom(result.segments),
      speakers: result.speakers,
      facts: {
        audioSeconds: samples / SAMPLE_RATE,
        speechSeconds: speech.reduce((sum, s) => sum + s.end - s.start, 0),
        speakers: result.speakers,
        purity: result.purity,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        timing: { decode: decodeSeconds, voices: vad.seconds, features: made.seconds, speakers: since(speakersStarted), total: since(started) },
      },
    };
  } finally {
    // The model's thread ends itself (terminating it mid-inference would abort the process).
    vadThread.postMessage({ type: 'stop' } satisfies ToVadThread);
    await Promise.all([featureThread.terminate(), vadExited]);
  }
}
