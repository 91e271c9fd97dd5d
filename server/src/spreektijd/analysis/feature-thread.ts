/**
 * Feature extraction on its own thread, following the decoder: it reads the samples from the
 * shared buffer as far as `progress[DECODED]` says, and sleeps on that counter when it has caught
 * up, so the analysis process's main thread only moves bytes and the decoder never waits for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FeatureExtractor } from './features.ts';
import { DECODED, FINISHED, type FromFeatureThread } from './messages.ts';

const port = parentPort!;
const audio = new Int16Array(workerData.buffer as SharedArrayBuffer);
const progress = new Int32Array(workerData.progress as SharedArrayBuffer);
const started = performance.now();
const extractor = new FeatureExtractor(() => audio);
let lastReport = 0;

for (;;) {
  const finished = Atomics.load(progress, FINISHED) === 1;
  const available = Atomics.load(progress, DECODED);
  const made = extractor.advance(available, 2000, finished);
  if (made > 0) {
    if (extractor.framesDone - lastReport >= 5000) {
      lastReport = extractor.framesDone;
      port.postMessage({ type: 'progress', frames: extractor.framesDone } satisfies FromFeatureThread);
    }
    continue;
  }
  if (finished) break;
  Atomics.wait(progress, DECODED, available, 50);
}
const features = extractor.finish();
// Copies of exactly the used length, so the transfer carries no slack.
const mfcc = features.mfcc.slice();
const logPitch = features.logPitch.slice();
port.postMessage({ type: 'done', frames: features.frames, mfcc, logPitch, seconds: Math.round(performance.now() - started) / 1000 } satisfies FromFeatureThread, [
  mfcc.buffer,
  logPitch.buffer,
]);
