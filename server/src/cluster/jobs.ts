/**
 * Jobs that change shared state on a schedule — the retention sweep, expired sessions and uploads,
 * leftover files, interrupted speaker analyses — run in one process of the cluster: the leader.
 * One process (no REDIS_URL) always leads, so it runs them exactly as before there was a cluster.
 * With Redis the leader holds a lease (cluster/redis.ts); when it dies another takes over within
 * a lease time, and a leader that loses its lease stops its jobs between two steps. A job must
 * still be safe to run twice at once: a leader may be cut off from Redis in the middle of a step
 * that it finishes while the next leader starts.
 *
 * What only concerns one process's own connections or memory (checking its live sessions, its
 * rooms' heartbeats, its leases) is not a job: it runs in every process.
 */

export interface ClusterJob {
  /** For logs. */
  readonly name: string;
  /** Runs again this long after each start; null: only when this process starts to lead. */
  readonly everyMs: number | null;
  /** `signal` aborts when this process stops leading (lease lost, shutdown): stop between two steps. */
  run(signal: AbortSignal): Promise<void>;
}

export interface JobLog {
  error(data: Record<string, unknown>, msg: string): void;
}

/** Where leadership comes from: always here (one process) or a Redis lease. */
export interface Leadership {
  /** Called when this process starts and stops leading; `led` resolves once the first runs are done. */
  lead(hooks: { start(): Promise<void>; stop(): Promise<void> }): Promise<void>;
  /** Stops leading for good: the jobs are stopped (and awaited), then the lease is let go. */
  resign(): Promise<void>;
}

/** One process: it leads from the start until it closes. */
export class LocalLeadership implements Leadership {
  #stop: (() => Promise<void>) | null = null;

  async lead(hooks: { start(): Promise<void>; stop(): Promise<void> }): Promise<void> {
    this.#stop = hooks.stop;
    await hooks.start();
  }

  async resign(): Promise<void> {
    await this.#stop?.();
    this.#stop = null;
  }
}

interface Scheduled {
  job: ClusterJob;
  timer: ReturnType<typeof setInterval> | null;
  /** The run in progress: a tick meanwhile is skipped, never queued behind it. */
  running: Promise<void> | null;
}

/**
 * Runs the scheduled jobs while this process leads. `start` (awaited at start-up) runs every job
 * once if this process leads at once, so one process has swept before it serves anyone, as before.
 */
export class ClusterJobs {
  readonly #leadership: Leadership;
  readonly #log: JobLog;
  readonly #jobs: Scheduled[] = [];
  #abort: AbortController | null = null;
  #started = false;

  constructor(leadership: Leadership, log: JobLog) {
    this.#leadership = leadership;
    this.#log = log;
  }

  schedule(job: ClusterJob): void {
    if (this.#started) throw new Error(`job ${job.name} scheduled after the jobs started`);
    this.#jobs.push({ job, timer: null, running: null });
  }

  /** Whether this process leads now (tests, logs). */
  get leading(): boolean {
    return this.#abort !== null;
  }

  async start(): Promise<void> {
    this.#started = true;
    await this.#leadership.lead({ start: () => this.#begin(), stop: () => this.#end() });
  }

  async close(): Promise<void> {
    await this.#leadership.resign();
    await this.#end();
  }

  async #begin(): Promise<void> {
    if (this.#abort) return;
    const abort = new AbortController();
    this.#abort = abort;
    await Promise.all(
      this.#jobs.map((s) => {
        if (s.job.everyMs !== null) {
          s.timer = setInterval(() => void this.#run(s, abort.signal), s.job.everyMs);
          s.timer.unref();
        }
        return this.#run(s, abort.signal);
      }),
    );
  }

  /** Stops leading: timers cleared, runs told to stop, and awaited (they stop between two steps). */
  async #end(): Promise<void> {
    const abort = this.#abort;
    if (!abort) return;
    this.#abort = null;
    abort.abort();
    for (const s of this.#jobs) {
      if (s.timer) clearInterval(s.timer);
      s.timer = null;
    }
    await Promise.all(this.#jobs.map((s) => s.running));
  }

  #run(s: Scheduled, signal: AbortSignal): Promise<void> {
    if (s.running || signal.aborted) return s.running ?? Promise.resolve();
    s.running = s.job
      .run(signal)
      .catch((err: unknown) => this.#log.error({ err, job: s.job.name }, 'a cluster job failed'))
      .finally(() => {
        s.running = null;
      });
    return s.running;
  }
}
