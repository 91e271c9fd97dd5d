/**
 * Entry of the analysis child process (forked by ../runner.ts). A process of its own, not a
 * thread of the server: it runs at lower priority (so rooms stay responsive), a crash in the
 * native model runtime cannot take the server down, and all its memory is returned when it exits.
 */
import { setPriority } from 'node:os';
import type { FromAnalysis, ToAnalysis } from './messages.ts';
import { analyse, AnalysisError } from './pipeline.ts';

/** The same niceness as video conversion. Threads and ffmpeg started later inherit it. */
const NICENESS = 10;

try {
  setPriority(NICENESS);
} catch {
  // Not allowed here: it then runs at normal priority.
}

const send = (message: FromAnalysis): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

process.once('message', (message: ToAnalysis) => {
  switch (message.type) {
    case 'start':
      analyse(message.job, (stage, percent) => void send({ type: 'progress', stage, percent }))
        .then((result) => send({ type: 'done', ...result }))
        .catch((err: unknown) =>
          send(err instanceof AnalysisError ? { type: 'failed', reason: err.reason, detail: err.message } : { type: 'failed', reason: 'crashed', detail: String(err) }),
        )
        .finally(() => process.disconnect?.());
      break;
  }
});
// The server went away: nothing is waiting for the result.
process.on('disconnect', () => process.exit(0));
