/**
 * Runs one analysis in a child process (analysis/process.ts) and turns its messages into a
 * promise with progress. Cancelling or timing out kills the process; so does a crash, which
 * becomes an outcome like any other instead of an exception in the server.
 */
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import type { AnalysisFailure, AnalysisStage, Turn } from '../../../shared/spreektijd/types.ts';
import type { AnalysisFacts, AnalysisJob, FromAnalysis, ToAnalysis } from './analysis/messages.ts';

const ENTRY = new URL(`./analysis/process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
const NICENESS = 10;

export type RunOutcome =
  | { kind: 'done'; turns: Turn[]; speakers: number; facts: AnalysisFacts }
  | { kind: 'failed'; reason: AnalysisFailure; detail: string }
  | { kind: 'cancelled' };

export interface RunningAnalysis {
  outcome: Promise<RunOutcome>;
  cancel(): void;
}

/** Generous: a quarter of real time plus five minutes, far above what the analysis needs. */
export const analysisTimeoutMs = (durationSeconds: number | null): number => 300_000 + Math.max(0, durationSeconds ?? 3600) * 250;

export function runAnalysis(job: AnalysisJob, options: { durationSeconds: number | null; onProgress: (stage: AnalysisStage, percent: number) => void }): RunningAnalysis {
  // execArgv empty: whatever flags the server runs with (a test runner's loaders) are not the child's.
  const child = fork(ENTRY, [], { execArgv: ['--enable-source-maps'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, NICENESS);
    } catch {
      // Not allowed: the child lowers its own priority too.
    }
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  let settled: RunOutcome | null = null;
  let stopped: 'cancelled' | 'timeout' | null = null;

  const outcome = new Promise<RunOutcome>((resolve) => {
    const settle = (result: RunOutcome) => {
      if (settled) return;
      settled = result;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      stopped = 'timeout';
      child.kill('SIGKILL');
    }, analysisTimeoutMs(options.durationSeconds));
    child.on('message', (message: FromAnalysis) => {
      switch (message.type) {
        case 'progress':
          if (!settled) options.onProgress(message.stage, message.percent);
          break;
        case 'done':
          settle({ kind: 'done', turns: message.turns, speakers: message.speakers, facts: message.facts });
          break;
        case 'failed':
          settle({ kind: 'failed', reason: message.reason, detail: message.detail });
          break;
      }
    });
    child.on('error', (err) => settle({ kind: 'failed', reason: 'crashed', detail: err.message }));
    // 'close', not 'exit': by then every message the process sent has been handled.
    child.on('close', (code, signal) => {
      if (stopped === 'cancelled') settle({ kind: 'cancelled' });
      else if (stopped === 'timeout') settle({ kind: 'failed', reason: 'timeout', detail: 'the analysis took too long' });
      else settle({ kind: 'failed', reason: 'crashed', detail: `analysis process ended (${signal ?? code}) ${stderr.trim().split('\n').slice(-3).join(' ')}` });
    });
    child.send({ type: 'start', job } satisfies ToAnalysis);
  });

  return {
    outcome,
    cancel() {
      if (settled) return;
      stopped = 'cancelled';
      child.kill('SIGKILL');
    },
  };
}
