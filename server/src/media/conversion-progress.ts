/**
 * Pure parts of converting a video to H.264/AAC MP4: the ffmpeg arguments, reading ffmpeg's
 * `-progress` output as a percentage, throttling what is sent to the room, and the time limit.
 */

/**
 * ffmpeg arguments for a browser-playable MP4: the first real video stream (no cover art) as
 * 8-bit 4:2:0 H.264, the first audio stream (if any) as stereo AAC, the index at the front so
 * playback can start before the whole file has loaded. Progress goes to stdout as key=value lines.
 */
export function conversionArgs(input: string, output: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v', 'error',
    '-nostats',
    '-progress', 'pipe:1',
    // ffmpeg's default is 0.5 s; a little more often keeps the bar lively for short clips.
    '-stats_period', '0.25',
    // `file:` makes names starting with '-' or containing ':' unambiguous (no protocol guessing).
    '-i', `file:${input}`,
    '-map', '0:V:0',
    '-map', '0:a:0?',
    // Phone recordings carry e.g. the GPS location in their metadata; the room needs none of it.
    '-map_metadata', '-1',
    '-map_chapters', '-1',
    '-c:v', 'libx264',
    '-preset', 'veryfast',
    '-crf', '23',
    '-pix_fmt', 'yuv420p',
    // 4:2:0 needs even dimensions; phone video almost always has them, odd sizes lose one pixel.
    '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2',
    '-c:a', 'aac',
    '-b:a', '128k',
    '-ac', '2',
    '-movflags', '+faststart',
    '-f', 'mp4',
    '-y',
    `file:${output}`,
  ];
}

/**
 * Turns ffmpeg's `-progress` output (blocks of key=value lines, each ending in `progress=continue`
 * or `progress=end`) into a percentage of the known duration. Chunks may split lines anywhere.
 */
export class ProgressReader {
  private buffered = '';
  private outTimeUs: number | null = null;

  private readonly durationSeconds: number | null;
  constructor(durationSeconds: number | null) {
    this.durationSeconds = durationSeconds;
  }

  /** Feeds stdout text; returns the percentage after the last complete block in it, or null. */
  feed(chunk: string): number | null {
    this.buffered += chunk;
    const lines = this.buffered.split(/\r?\n/);
    this.buffered = lines.pop() ?? '';
    let percent: number | null = null;
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      // `out_time_ms` is also in microseconds (an old ffmpeg misnomer); `N/A` before the first frame.
      if (key === 'out_time_us' || key === 'out_time_ms') {
        const us = Number(value);
        if (value !== '' && Number.isFinite(us) && us >= 0) this.outTimeUs = us;
      } else if (key === 'out_time' && this.outTimeUs === null) {
        const us = parseClock(value);
        if (us !== null) this.outTimeUs = us;
      } else if (key === 'progress') {
        percent = value === 'end' ? 100 : this.percent();
      }
    }
    return percent;
  }

  /** Below 100 until ffmpeg says `end`: the last frames and the index still have to be written. */
  private percent(): number {
    if (!this.durationSeconds || this.durationSeconds <= 0 || this.outTimeUs === null) return 0;
    return Math.max(0, Math.min(99, Math.floor((this.outTimeUs / (this.durationSeconds * 1e6)) * 100)));
  }
}

/** `00:01:02.500000` → microseconds; null for `N/A` or anything else. */
function parseClock(value: string): number | null {
  const m = /^(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value);
  if (!m || m[1] === '-') return null;
  return Math.round((Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4])) * 1e6);
}

/**
 * Lets a percentage through when it changed and the last one is at least `intervalMs` old, so a
 * room gets a handful of updates a second however fast ffmpeg reports. 100 always passes.
 */
export class ProgressThrottle {
  private last: { percent: number; at: number } | null = null;

  private readonly intervalMs: number;
  constructor(intervalMs = 250) {
    this.intervalMs = intervalMs;
  }

  take(percent: number, now: number): boolean {
    const last = this.last;
    if (last && percent === last.percent) return false;
    if (last && percent < 100 && now - last.at < this.intervalMs) return false;
    this.last = { percent, at: now };
    return true;
  }
}

/**
 * How long a conversion may run: generous for a slow machine (veryfast H.264 on two cores runs
 * about real time for phone video, 4K slower), and bounded so a stuck ffmpeg cannot hold the
 * server's one conversion slot for ever. Without a known duration: six hours.
 */
export function conversionTimeoutMs(durationSeconds: number | null): number {
  if (!durationSeconds || durationSeconds <= 0) return 6 * 3_600_000;
  return 60_000 + Math.ceil(durationSeconds * 10_000);
}
