/**
 * The voice-activity model on its own thread, so it runs on the second core while the feature
 * thread works. It reads the decoded samples from the shared buffer it was given, once decoding
 * is complete. It always ends by releasing the model and closing its port: terminating a thread
 * while onnxruntime is busy aborts the whole process.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromVadThread, ToVadThread } from './messages.ts';
import { createVad } from './vad.ts';

const port = parentPort!;
const audio = new Int16Array(workerData.buffer as SharedArrayBuffer);
const post = (message: FromVadThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

const vad = createVad();
vad.catch(() => undefined);
const finish = (): void => {
  void vad
    .then((v) => v.release())
    .catch(() => undefined)
    .finally(() => port.close());
};

port.on('message', (message: ToVadThread) => {
  switch (message.type) {
    case 'decoded': {
      const started = performance.now();
      vad
        .then((v) => v.probabilities(audio, message.samples, (fraction) => post({ type: 'progress', fraction })))
        .then((probabilities) =>
          post({ type: 'done', probabilities, seconds: Math.round(performance.now() - started) / 1000 }, [probabilities.buffer as ArrayBuffer]),
        )
        .catch((err: unknown) => post({ type: 'failed', detail: err instanceof Error ? err.message : String(err) }))
        .finally(finish);
      break;
    }
    case 'stop':
      finish();
      break;
  }
});
