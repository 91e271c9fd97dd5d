/**
 * One analysis from file to turns: ffmpeg decodes the audio track to 16 kHz mono into a shared
 * buffer; the voice-activity model runs on a second thread once decoding is done, while this
 * thread extracts features as the samples arrive; then the speech is split into speakers.
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { AnalysisFailure, AnalysisStage, Turn } from '../../../../shared/spreektijd/types.ts';
import { diarise } from './diarise.ts';
import { FeatureExtractor, frameAt, normalise, SAMPLE_RATE } from './features.ts';
import type { AnalysisFacts, AnalysisJob, FromVadThread, ToVadThread } from './messages.ts';
import { turnsFrom } from './turns.ts';
import { speechSegments, VAD_CHUNK } from './vad.ts';

export class AnalysisError extends Error {
  readonly reason: AnalysisFailure;
  constructor(reason: AnalysisFailure, detail: string) {
    super(detail);
    this.reason = reason;
  }
}

export interface Progress {
  (stage: AnalysisStage, percent: number): void;
}

/** Frames extracted per slice before the decoder's pipe is read again (about 10 ms of work). */
const SLICE_FRAMES = 400;
/** Shares of the progress bar: decoding, voices, features, speakers. */
const WEIGHTS = { decode: 5, voices: 45, features: 35, speakers: 15 };

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function analyse(job: AnalysisJob, progress: Progress): Promise<{ turns: Turn[]; speakers: number; facts: AnalysisFacts }> {
  const started = performance.now();
  const seconds = (since: number): number => Math.round(performance.now() - since) / 1000;
  const maxBytes = Math.ceil(job.maxSeconds * SAMPLE_RATE) * 2;
  const buffer = new SharedArrayBuffer(1 << 20, { maxByteLength: maxBytes + (1 << 20) });
  const bytes = new Uint8Array(buffer);
  const audio = new Int16Array(buffer);
  let received = 0;
  const done = { decode: 0, voices: 0, features: 0, speakers: 0 };
  let lastPercent = -1;
  const report = (stage: AnalysisStage): void => {
    const percent = Math.floor(
      (WEIGHTS.decode * done.decode + WEIGHTS.voices * done.voices + WEIGHTS.features * done.features + WEIGHTS.speakers * done.speakers) /
        (WEIGHTS.decode + WEIGHTS.voices + WEIGHTS.features + WEIGHTS.speakers) *
        100,
    );
    if (percent !== lastPercent) {
      lastPercent = percent;
      progress(stage, Math.min(99, percent));
    }
  };
  let stage: AnalysisStage = 'decoding';
  report(stage);

  const thread = new Worker(new URL(`./vad-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url), { workerData: { buffer } });
  const voices = new Promise<{ probabilities: Float32Array; seconds: number }>((resolve, reject) => {
    thread.on('message', (message: FromVadThread) => {
      switch (message.type) {
        case 'progress':
          done.voices = message.fraction;
          if (stage === 'voices') report(stage);
          break;
        case 'done':
          resolve(message);
          break;
        case 'failed':
          reject(new AnalysisError('crashed', `voice activity: ${message.detail}`));
          break;
      }
    });
    thread.on('error', (err) => reject(new AnalysisError('crashed', `voice activity thread: ${err.message}`)));
  });
  // Never unhandled: awaited below, but decoding may fail first.
  voices.catch(() => undefined);

  try {
    const decodeStarted = performance.now();
    const extractor = new FeatureExtractor(() => audio);
    let decodeFinished = false;
    const decoded = new Promise<void>((resolve, reject) => {
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
        if (received + chunk.length > buffer.byteLength) buffer.grow(Math.min(buffer.maxByteLength, Math.max(received + chunk.length, buffer.byteLength * 2)));
        bytes.set(chunk, received);
        received += chunk.length;
      });
      ffmpeg.on('error', (err) => reject(new AnalysisError('unreadable', `ffmpeg could not be started: ${err.message}`)));
      ffmpeg.on('close', (code) => {
        if (tooLong) reject(new AnalysisError('too_long', `more than ${job.maxSeconds} s of audio`));
        else if (code !== 0 && /matches no streams|does not contain any stream/i.test(stderr)) reject(new AnalysisError('no_audio', 'no audio track'));
        else if (code !== 0) reject(new AnalysisError('unreadable', stderr.trim().split('\n').slice(-2).join(' ') || `ffmpeg exited with ${code}`));
        else resolve();
      });
    });
    decoded.catch(() => undefined).finally(() => (decodeFinished = true));
    decoded.then(
      () => {
        done.decode = 1;
        stage = 'voices';
        thread.postMessage({ type: 'decoded', samples: received >> 1 } satisfies ToVadThread);
        report(stage);
      },
      () => undefined,
    );

    // Features as the samples arrive; the pipe is read between slices.
    const expectedSamples = () => received >> 1;
    while (!decodeFinished) {
      if (extractor.advance(expectedSamples(), SLICE_FRAMES) === 0) await Promise.race([decoded.catch(() => undefined), new Promise((r) => setTimeout(r, 5))]);
      else await nextTurn();
      if (stage === 'voices') report(stage);
    }
    await decoded;
    const decodeSeconds = seconds(decodeStarted);
    const total = expectedSamples();
    if (total < VAD_CHUNK) throw new AnalysisError('no_audio', 'the audio track is empty');
    const featuresStarted = performance.now();
    while (extractor.advance(total, SLICE_FRAMES) > 0) {
      done.features = extractor.framesDone / Math.max(1, frameAt(total / SAMPLE_RATE));
      report(stage);
      await nextTurn();
    }
    done.features = 1;
    const features = extractor.finish();
    const featureSeconds = seconds(featuresStarted) + decodeSeconds;

    const { probabilities, seconds: voiceSeconds } = await voices;
    done.voices = 1;
    const speech = speechSegments(probabilities);
    const isSpeech = new Uint8Array(features.frames);
    for (const s of speech) isSpeech.fill(1, Math.max(0, frameAt(s.start)), Math.min(features.frames, frameAt(s.end)));
    normalise(features, (f) => isSpeech[f] === 1);

    stage = 'speakers';
    report(stage);
    const speakersStarted = performance.now();
    const result = diarise(features, speech, job.speakers, (fraction) => {
      done.speakers = fraction;
      report(stage);
    });
    const turns = turnsFrom(result.segments);
    return {
      turns,
      speakers: result.speakers,
      facts: {
        audioSeconds: total / SAMPLE_RATE,
        speechSeconds: speech.reduce((sum, s) => sum + s.end - s.start, 0),
        speakers: result.speakers,
        purity: result.purity,
        timing: { decode: decodeSeconds, voices: voiceSeconds, features: featureSeconds, speakers: seconds(speakersStarted), total: seconds(started) },
      },
    };
  } finally {
    await thread.terminate();
  }
}
