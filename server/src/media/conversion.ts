/**
 * Runs ffmpeg to convert a room's video to H.264/AAC MP4, one room at a time on the whole server,
 * and keeps each room's conversion state in memory (a restart abandons a running conversion; the
 * original is untouched and the host can start again). What happens with the finished file is
 * the caller's `finish` step; this module only guarantees that nothing of a stopped, failed or
 * cancelled conversion is left on disk.
 */
import { execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { setPriority } from 'node:os';
import type { Conversion, ConversionFailure } from '../../../shared/api/media-schemas.ts';
import { AppError } from '../http/errors.ts';
import { conversionArgs, conversionTimeoutMs, ProgressReader, ProgressThrottle } from './conversion-progress.ts';

/** One ffmpeg conversion at a time: it takes every core of a small server for minutes. */
const MAX_RUNNING = 1;
/** Below normal priority, so the rooms' realtime traffic stays responsive meanwhile. */
const NICENESS = 10;

/** Shown to the room as they are (the API's people-facing language for the file is Dutch). */
export const CONVERSION_FAILURE_MESSAGES: Record<ConversionFailure, string> = {
  ffmpeg: 'Het omzetten is mislukt: ffmpeg kon deze video niet verwerken. De oorspronkelijke video is ongewijzigd.',
  timeout: 'Het omzetten duurde te lang en is afgebroken. De oorspronkelijke video is ongewijzigd.',
  output: 'Het omgezette bestand bleek niet af te spelen in browsers en is weggegooid. De oorspronkelijke video is ongewijzigd.',
};

/** The outcome of the caller's finish step: the new file is in place, or why not. */
export type FinishOutcome = 'done' | 'cancelled' | ConversionFailure;

export interface ConversionJob {
  input: string;
  /** The temporary output file; deleted unless `finish` moved it away. */
  output: string;
  durationSeconds: number | null;
  /**
   * Runs once ffmpeg succeeded: checks the output and makes it the room's video. It must look at
   * `signal` before it commits, and clean up what it made when it does not commit.
   */
  finish: (signal: AbortSignal) => Promise<FinishOutcome>;
  /** Told the outcome once the room's state says so (no longer running). */
  ended?: (outcome: FinishOutcome) => void;
}

interface Running {
  percent: number;
  controller: AbortController;
  done: Promise<FinishOutcome>;
}

type RoomState = Pick<Conversion, 'state' | 'percent' | 'error'>;
const IDLE: RoomState = { state: 'idle', percent: 0, error: null };

export function createConverter(deps: {
  ffmpegPath: string;
  /** Told every state change and (throttled) progress of a room's conversion. */
  emit: (roomId: string, conversion: Conversion) => void;
  log: (obj: object, msg: string) => void;
}) {
  const running = new Map<string, Running>();
  const failed = new Map<string, NonNullable<Conversion['error']>>();
  let availability: Promise<boolean> | null = null;

  /** ffmpeg runs and has the libx264 and AAC encoders; asked once per process. */
  function available(): Promise<boolean> {
    availability ??= new Promise((resolve) => {
      execFile(deps.ffmpegPath, ['-hide_banner', '-encoders'], { timeout: 10_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (error, stdout) => {
        resolve(!error && /^\s*V\S*\s+libx264\s/m.test(String(stdout)) && /^\s*A\S*\s+aac\s/m.test(String(stdout)));
      });
    });
    return availability;
  }

  function status(roomId: string): RoomState {
    const job = running.get(roomId);
    if (job) return { state: 'running', percent: job.percent, error: null };
    const error = failed.get(roomId);
    return error ? { state: 'failed', percent: 0, error } : IDLE;
  }

  const announce = (roomId: string): void => deps.emit(roomId, { available: true, ...status(roomId) });

  /** Starts converting in the background; 409 when this room or the server is already converting. */
  function start(roomId: string, job: ConversionJob): void {
    if (running.has(roomId)) throw new AppError('conflict', 'This room’s video is already being converted.');
    if (running.size >= MAX_RUNNING) {
      throw new AppError('conflict', 'The server is converting another video. Try again when that is done (usually a few minutes).');
    }
    failed.delete(roomId);
    const controller = new AbortController();
    const entry: Running = { percent: 0, controller, done: Promise.resolve('cancelled') };
    entry.done = run(roomId, job, entry);
    running.set(roomId, entry);
    announce(roomId);
  }

  async function run(roomId: string, job: ConversionJob, entry: Running): Promise<FinishOutcome> {
    let outcome: FinishOutcome;
    try {
      outcome = await transcode(job, entry.controller.signal, (percent) => {
        entry.percent = percent;
        announce(roomId);
      });
      if (outcome === 'done') outcome = entry.controller.signal.aborted ? 'cancelled' : await job.finish(entry.controller.signal);
    } catch (err) {
      deps.log({ err, roomId }, 'video conversion failed');
      outcome = 'output';
    }
    // After success the file has moved; otherwise this is the only copy of a half-written output.
    await rm(job.output, { force: true }).catch(() => undefined);
    running.delete(roomId);
    if (outcome !== 'done' && outcome !== 'cancelled') failed.set(roomId, { reason: outcome, message: CONVERSION_FAILURE_MESSAGES[outcome] });
    deps.log({ roomId, outcome }, 'video conversion ended');
    announce(roomId);
    job.ended?.(outcome);
    return outcome;
  }

  /** ffmpeg from start to exit: `done` when it wrote the whole output. */
  function transcode(job: ConversionJob, signal: AbortSignal, onProgress: (percent: number) => void): Promise<FinishOutcome> {
    return new Promise((resolve) => {
      const reader = new ProgressReader(job.durationSeconds);
      const throttle = new ProgressThrottle();
      throttle.take(0, Date.now());
      let stderr = '';
      let stopped: 'cancelled' | 'timeout' | null = null;
      const child = spawn(deps.ffmpegPath, conversionArgs(job.input, job.output), { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      const stop = (why: 'cancelled' | 'timeout') => {
        stopped ??= why;
        // SIGKILL: the output is thrown away anyway, so ffmpeg need not finish writing it.
        child.kill('SIGKILL');
      };
      const onAbort = () => stop('cancelled');
      const timer = setTimeout(() => stop('timeout'), conversionTimeoutMs(job.durationSeconds));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) stop('cancelled');
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, NICENESS);
        } catch {
          // Not allowed on this system: it then runs at normal priority.
        }
      }
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const percent = reader.feed(chunk);
        if (percent !== null && throttle.take(percent, Date.now())) onProgress(percent);
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-4096);
      });
      let settled = false;
      const settle = (outcome: FinishOutcome, detail?: object) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (outcome !== 'done' && outcome !== 'cancelled') deps.log({ ...detail, stderr: stderr.trim().split('\n').slice(-3).join('\n') }, 'ffmpeg conversion did not finish');
        resolve(outcome);
      };
      // Only when ffmpeg could not be started at all (removed since the availability check).
      child.on('error', (err) => settle('ffmpeg', { err }));
      child.on('close', (code, sig) => settle(stopped ?? (code === 0 ? 'done' : 'ffmpeg'), { code, signal: sig }));
    });
  }

  /** Stops the room's conversion and waits until it has cleaned up; true if one was stopped. */
  async function cancel(roomId: string): Promise<boolean> {
    const job = running.get(roomId);
    if (!job) return false;
    job.controller.abort();
    return (await job.done) !== 'done';
  }

  return {
    available,
    /** Everything the room may know about its conversion. */
    async conversion(roomId: string): Promise<Conversion> {
      return { available: await available(), ...status(roomId) };
    },
    isRunning: (roomId: string): boolean => running.has(roomId),
    start,
    cancel,
    /** The video is gone: stop converting it and forget an old failure. */
    async drop(roomId: string): Promise<void> {
      await cancel(roomId);
      failed.delete(roomId);
    },
    /** Server shutdown: kill every ffmpeg and remove their output. */
    async stopAll(): Promise<void> {
      await Promise.all([...running.keys()].map((roomId) => cancel(roomId)));
    },
  };
}
export type Converter = ReturnType<typeof createConverter>;
