/**
 * Spreektijd on the server: queues and runs the analysis of a room's recording (one at a time,
 * in a niced child process), reports progress to the room, stores the result, applies the host's
 * corrections with undo and redo, and resumes whatever a restart interrupted.
 */
import { execFile } from 'node:child_process';
import { applyCorrection, type Correction } from '../../../shared/spreektijd/corrections.ts';
import type { AnalysisStatus, SpreektijdView } from '../../../shared/spreektijd/schemas.ts';
import { MAX_CORRECTIONS } from '../../../shared/spreektijd/schemas.ts';
import { MAX_ANALYSIS_SECONDS, SPEAKER_IDS, type AnalysisFailure, type AnalysisStage, type SpeakerCount } from '../../../shared/spreektijd/types.ts';
import { AppError } from '../http/errors.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import type { SpeakerTrack } from '../../../shared/spreektijd/corrections.ts';
import { ProgressThrottle } from '../media/conversion-progress.ts';
import type { MediaChange } from '../media/service.ts';
import { runAnalysis, type RunningAnalysis, type RunOutcome } from './runner.ts';
import { correctionTurnId, type AnalysisRow, type SpreektijdStore } from './store.ts';

/** One analysis at a time: it keeps one core busy (and the second one part of the time). */
const MAX_RUNNING = 1;
/**
 * How often a process marks the analyses it has queued or runs as alive (their `updated_at`), so
 * that in a cluster only those of a process that died are resumed elsewhere.
 */
export const ANALYSIS_HEARTBEAT_MS = 30_000;

/** Shown to the room as they are (Dutch: the people-facing language of the status). */
export const FAILURE_MESSAGES: Record<AnalysisFailure, string> = {
  no_audio: 'Deze video heeft geen geluidsspoor, dus er valt geen spreektijd te meten.',
  too_long: `De opname is langer dan ${MAX_ANALYSIS_SECONDS / 3600} uur; zo lange opnames analyseert Kijkkamer niet.`,
  unreadable: 'Het geluid van deze video kon niet worden gelezen. De video zelf is ongewijzigd.',
  not_on_server: 'De video staat niet op de server (iedereen gebruikt een eigen kopie), dus de server kan het geluid niet analyseren.',
  crashed: 'De analyse is onverwacht gestopt. Probeer het opnieuw; lukt het dan weer niet, meld het dan aan de beheerder.',
  timeout: 'De analyse duurde te lang en is afgebroken. Probeer het opnieuw.',
};

/** What the analysis needs to know of the room's video. */
export interface AnalysableVideo {
  mediaId: string;
  /** Absolute path; null when everyone uses a local copy (nothing on the server). */
  path: string | null;
  durationSeconds: number | null;
  /** False when ffprobe found no audio stream; null when it could not tell. */
  hasAudio: boolean | null;
}

export interface SpreektijdLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface Running {
  mediaId: string;
  run: RunningAnalysis;
  stage: AnalysisStage;
  percent: number;
  throttle: ProgressThrottle;
}

export function createSpreektijd(deps: {
  store: SpreektijdStore;
  video: (roomId: string) => Promise<AnalysableVideo | null>;
  ffmpegPath: string;
  onProgress: (roomId: string, status: AnalysisStatus) => void;
  onChanged: (roomId: string, revision: number) => void;
  /** Whether this participant may watch the room's video: the turns are derived from it. */
  canWatch: (access: RoomAccess) => Promise<boolean>;
  log: SpreektijdLog;
}) {
  const { store, log } = deps;
  const queue: string[] = [];
  const running = new Map<string, Running>();
  const heartbeat = setInterval(() => {
    const mine = [...running].map(([roomId, job]) => store.touch(roomId, job.mediaId));
    for (const roomId of queue) mine.push(store.get(roomId).then((row) => (row ? store.touch(roomId, row.mediaId) : undefined)));
    Promise.all(mine).catch((err: unknown) => log.error({ err }, 'marking speaker analyses alive failed'));
  }, ANALYSIS_HEARTBEAT_MS);
  heartbeat.unref();
  const settled = new Set<() => void>();
  let closed = false;
  let ffmpeg: boolean | null = null;
  const ffmpegChecked = new Promise<void>((resolve) => {
    execFile(deps.ffmpegPath, ['-hide_banner', '-version'], { timeout: 10_000, windowsHide: true }, (error) => {
      ffmpeg = !error;
      resolve();
    });
  });

  const available = async (roomId: string): Promise<boolean> => ffmpeg !== false && (await deps.video(roomId))?.path != null;
  /** Work started from a callback that cannot wait for it: failures go to the log. */
  const meanwhile = (work: Promise<unknown>, what: string): void => {
    work.catch((err: unknown) => log.error({ err }, what));
  };

  async function status(roomId: string): Promise<AnalysisStatus> {
    const row = await store.get(roomId);
    const base = { available: await available(roomId), speakerCount: row?.speakerCount ?? 'auto', stage: null, percent: 0, error: null };
    if (!row) return { ...base, state: 'none' };
    const job = running.get(roomId);
    switch (row.state) {
      case 'queued':
        return { ...base, state: 'queued' };
      case 'running':
        return { ...base, state: 'running', stage: job?.stage ?? 'decoding', percent: job?.percent ?? 0 };
      case 'done':
        return { ...base, state: 'done', percent: 100 };
      case 'failed': {
        const reason = row.failure ?? 'crashed';
        return { ...base, state: 'failed', error: { reason, message: FAILURE_MESSAGES[reason] } };
      }
    }
  }

  const announce = async (roomId: string): Promise<void> => deps.onProgress(roomId, await status(roomId));
  const changed = async (roomId: string): Promise<void> => deps.onChanged(roomId, (await store.get(roomId))?.revision ?? 0);

  async function view(roomId: string): Promise<SpreektijdView> {
    const row = await store.get(roomId);
    const track = row ? await store.track(row) : null;
    const corrections = row?.state === 'done' ? await store.corrections(roomId) : [];
    return {
      status: await status(roomId),
      speakers: track?.speakers ?? [],
      turns: track?.turns ?? [],
      revision: row?.revision ?? 0,
      canUndo: corrections.some((c) => !c.undone),
      canRedo: corrections.some((c) => c.undone),
    };
  }

  /** Queues an analysis of the room's video; failures known in advance are stored at once. */
  async function start(roomId: string, speakerCount: SpeakerCount): Promise<AnalysisStatus> {
    await ffmpegChecked;
    const video = await deps.video(roomId);
    if (!video) throw new AppError('not_found', 'This room has no video to analyse.');
    if (!video.path) throw new AppError('conflict', FAILURE_MESSAGES.not_on_server);
    if (!ffmpeg) throw new AppError('conflict', 'Analysing speaking time is not available on this server: it needs ffmpeg (see FFMPEG_PATH).');
    await cancel(roomId);
    await store.queue(roomId, video.mediaId, speakerCount);
    const known: AnalysisFailure | null =
      video.hasAudio === false ? 'no_audio' : video.durationSeconds !== null && video.durationSeconds > MAX_ANALYSIS_SECONDS ? 'too_long' : null;
    if (known) {
      await store.fail(roomId, video.mediaId, known);
      log.info({ roomId, reason: known }, 'speaker analysis refused');
    } else queue.push(roomId);
    await announce(roomId);
    await changed(roomId);
    kick();
    return status(roomId);
  }

  /** The queue's runner while it looks up rows; a kick meanwhile makes it look once more. */
  let kicking: Promise<void> | null = null;
  let kickAgain = false;
  const isIdle = (): boolean => kicking === null && running.size === 0 && queue.length === 0;

  function kick(): void {
    if (kicking) {
      kickAgain = true;
      return;
    }
    kicking = (async () => {
      do {
        kickAgain = false;
        while (!closed && running.size < MAX_RUNNING && queue.length > 0) {
          const roomId = queue.shift()!;
          const row = await store.get(roomId);
          const video = await deps.video(roomId);
          if (!row || row.state !== 'queued' || !video?.path || video.mediaId !== row.mediaId) continue;
          if (!(await store.markRunning(roomId, row.mediaId))) continue;
          begin(row, video.path, video.durationSeconds);
        }
      } while (kickAgain && !closed);
    })()
      .catch((err: unknown) => log.error({ err }, 'starting a speaker analysis failed'))
      .finally(() => {
        kicking = null;
        if (isIdle()) for (const resolve of settled) resolve();
      });
  }

  function begin(row: AnalysisRow, path: string, durationSeconds: number | null): void {
    const { roomId, mediaId } = row;
    const speakers = row.speakerCount === 'auto' ? 'auto' : (Number(row.speakerCount) as 1 | 2 | 3);
    const job: Running = {
      mediaId,
      stage: 'decoding',
      percent: 0,
      throttle: new ProgressThrottle(),
      run: runAnalysis(
        { input: path, ffmpegPath: deps.ffmpegPath, speakers, maxSeconds: MAX_ANALYSIS_SECONDS },
        {
          durationSeconds,
          onProgress: (stage, percent) => {
            const stageChanged = stage !== job.stage;
            job.stage = stage;
            job.percent = percent;
            if (job.throttle.take(percent, Date.now()) || stageChanged) meanwhile(announce(roomId), 'announcing analysis progress failed');
          },
        },
      ),
    };
    running.set(roomId, job);
    log.info({ roomId, mediaId, speakers }, 'speaker analysis started');
    meanwhile(announce(roomId), 'announcing analysis progress failed');
    meanwhile(
      job.run.outcome.then((outcome) => end(roomId, job, outcome)),
      'storing a speaker analysis failed',
    );
  }

  async function end(roomId: string, job: Running, outcome: RunOutcome): Promise<void> {
    try {
      await record(roomId, job, outcome);
    } finally {
      running.delete(roomId);
      kick();
    }
  }

  async function record(roomId: string, job: Running, outcome: RunOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'done': {
        const row = await store.get(roomId);
        const speakers = SPEAKER_IDS.filter((id) => outcome.turns.some((t) => t.speaker === id));
        const stored = await store.finish(roomId, job.mediaId, { speakers, turns: outcome.turns, speakerCount: row?.speakerCount === 'auto' ? 'auto' : 'host' });
        log.info({ roomId, stored, turns: outcome.turns.length, ...outcome.facts }, 'speaker analysis done');
        break;
      }
      case 'failed':
        await store.fail(roomId, job.mediaId, outcome.reason);
        log.error({ roomId, reason: outcome.reason, detail: outcome.detail }, 'speaker analysis failed');
        break;
      case 'cancelled':
        break;
    }
    if (outcome.kind !== 'cancelled') {
      await announce(roomId);
      await changed(roomId);
    }
  }

  /** Stops the room's analysis (running or queued); its row stays as it is. */
  async function cancel(roomId: string): Promise<void> {
    const at = queue.indexOf(roomId);
    if (at >= 0) queue.splice(at, 1);
    const job = running.get(roomId);
    if (!job) return;
    job.run.cancel();
    await job.run.outcome;
  }

  async function requireDone(roomId: string): Promise<AnalysisRow> {
    const row = await store.get(roomId);
    if (!row || row.state !== 'done') throw new AppError('conflict', 'There are no speaker turns to correct yet: the analysis has not finished.');
    return row;
  }

  return {
    status,
    view,
    start,
    /** The corrected turns for an export, or null (no finished analysis, or not allowed to watch). */
    async trackFor(access: RoomAccess): Promise<SpeakerTrack | null> {
      const row = await store.get(access.room.id);
      return row?.state === 'done' && (await deps.canWatch(access)) ? await store.track(row) : null;
    },
    /** The host corrects a turn or names a speaker; everyone hears `spreektijd:changed`. */
    async correct(roomId: string, correction: Correction, participantId: string | null): Promise<SpreektijdView> {
      const row = await requireDone(roomId);
      const kept = (await store.corrections(roomId)).filter((c) => !c.undone);
      if (kept.length >= MAX_CORRECTIONS) throw new AppError('too_large', `At most ${MAX_CORRECTIONS} corrections per analysis: analyse again to start afresh.`);
      const seq = await store.nextSeq(roomId);
      const result = applyCorrection((await store.track(row))!, correction, correctionTurnId(seq));
      if (!result.ok) throw new AppError('conflict', result.message);
      await store.addCorrection(roomId, seq, correction, participantId);
      await changed(roomId);
      return view(roomId);
    },
    async undo(roomId: string): Promise<SpreektijdView> {
      await requireDone(roomId);
      const last = (await store.corrections(roomId)).filter((c) => !c.undone).at(-1);
      if (!last) throw new AppError('conflict', 'There is no correction to undo.');
      await store.setUndone(roomId, last.seq, true);
      await changed(roomId);
      return view(roomId);
    },
    async redo(roomId: string): Promise<SpreektijdView> {
      await requireDone(roomId);
      const next = (await store.corrections(roomId)).find((c) => c.undone);
      if (!next) throw new AppError('conflict', 'There is no undone correction to redo.');
      await store.setUndone(roomId, next.seq, false);
      await changed(roomId);
      return view(roomId);
    },
    /** Hooked to the media service: a new video is analysed; a gone video's analysis stops. */
    async mediaChanged(roomId: string, reason: MediaChange['reason']): Promise<void> {
      switch (reason) {
        case 'uploaded':
        case 'converted': {
          const video = await deps.video(roomId);
          const row = await store.get(roomId);
          // A finished analysis of the same recording stays (a conversion keeps the audio and the row follows the new id).
          if (!video?.path || (row?.state === 'done' && row.mediaId === video.mediaId)) return;
          await start(roomId, row?.speakerCount ?? 'auto').catch((err: unknown) => log.error({ err, roomId }, 'speaker analysis could not start'));
          return;
        }
        case 'withdrawn':
        case 'expired':
        case 'deleted':
          await cancel(roomId);
          // The rows went with the video (foreign key); this removes them if a video row was kept.
          await store.remove(roomId);
          await announce(roomId);
          await changed(roomId);
          return;
        case 'downloads':
          return;
      }
    },
    /** The room is gone: stop its analysis (its rows went by cascade). */
    dropRoom: (roomId: string): Promise<void> => cancel(roomId),
    /**
     * Analyses a restart interrupted are started again from the beginning: at start-up, all of them
     * (one process); in a cluster, by the leader, those no live process has marked for `settledMs`.
     */
    async resume(settledMs = 0, signal?: AbortSignal): Promise<void> {
      await ffmpegChecked;
      for (const row of await store.unfinished(Date.now() - settledMs)) {
        if (signal?.aborted) break;
        if (await store.markQueued(row.roomId, row.mediaId) && !queue.includes(row.roomId)) queue.push(row.roomId);
      }
      kick();
    },
    /** Resolves once nothing is queued or running (tests and the benchmark wait on it). */
    idle(): Promise<void> {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          settled.delete(done);
          resolve();
        };
        settled.add(done);
      });
    },
    /** Server shutdown: kill the analysis; its row stays `running` and is resumed at the next start. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(heartbeat);
      queue.length = 0;
      const jobs = [...running.values()];
      for (const job of jobs) job.run.cancel();
      await Promise.all(jobs.map((job) => job.run.outcome));
    },
  };
}
export type Spreektijd = ReturnType<typeof createSpreektijd>;
