/**
 * Media facts via ffprobe, when it is installed. ffprobe is optional: without it
 * `probeMedia` resolves to null and the app relies on the browser to play the file.
 */
import { execFile } from 'node:child_process';

export interface MediaFacts {
  /** Container duration in seconds (falls back to the longest stream), null if unknown. */
  durationSeconds: number | null;
  /** Coded size of the first video stream (cover art excluded); null without video. */
  width: number | null;
  height: number | null;
  /** Average frame rate (e.g. 25, 29.97…); null if unknown or without video. */
  frameRate: number | null;
  /** ffprobe codec names, lower case: 'h264', 'hevc', 'vp9', 'av1'…; null if absent. */
  videoCodec: string | null;
  /** 'aac', 'opus', 'mp3'…; null if there is no audio stream. */
  audioCodec: string | null;
  /** Pixel format of the video stream ('yuv420p', 'yuv420p10le'…), when known. */
  pixelFormat?: string | null;
}

/** ffprobe ran but failed (not a media file, unreadable) or took too long. */
export class MediaProbeError extends Error {
  override readonly name = 'MediaProbeError';
  readonly reason: 'failed' | 'timeout' | 'bad_output';
  constructor(message: string, reason: 'failed' | 'timeout' | 'bad_output', options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export interface ProbeOptions {
  /** ffprobe binary; default `$FFPROBE_PATH` or `ffprobe` from PATH. */
  ffprobePath?: string;
  /** Kill ffprobe after this many ms (default 15000). */
  timeoutMs?: number;
}

/**
 * Runs `ffprobe -v error -print_format json -show_streams -show_format <file>`.
 * Resolves to null when ffprobe is not installed (ENOENT) or not executable (EACCES); never
 * throws for that.
 * Rejects with MediaProbeError when ffprobe fails on the file or times out.
 */
export function probeMedia(filePath: string, options: ProbeOptions = {}): Promise<MediaFacts | null> {
  const bin = options.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';
  const timeout = options.timeoutMs ?? 15_000;
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', `file:${filePath}`];
  // `file:` makes names starting with '-' or containing ':' unambiguous (no protocol guessing)
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      { timeout, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT' || code === 'EACCES') return resolve(null);
          const timedOut =
            (error as { killed?: boolean }).killed === true && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER';
          const detail = String(stderr).trim().split('\n')[0] ?? '';
          return reject(
            new MediaProbeError(
              timedOut ? `ffprobe timed out after ${timeout} ms` : `ffprobe failed: ${detail || error.message}`,
              timedOut ? 'timeout' : 'failed',
              { cause: error },
            ),
          );
        }
        try {
          resolve(parseFfprobeJson(JSON.parse(String(stdout))));
        } catch (cause) {
          reject(new MediaProbeError('ffprobe printed unexpected output', 'bad_output', { cause }));
        }
      },
    );
  });
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  pix_fmt?: string;
  disposition?: { attached_pic?: number };
}

/** Turns ffprobe's `-print_format json -show_streams -show_format` output into MediaFacts. */
export function parseFfprobeJson(json: unknown): MediaFacts {
  if (typeof json !== 'object' || json === null) throw new TypeError('ffprobe output is not an object');
  const { streams = [], format = {} } = json as { streams?: FfprobeStream[]; format?: { duration?: string } };
  if (!Array.isArray(streams)) throw new TypeError('ffprobe output has no streams array');

  const video = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.find((s) => s.codec_type === 'audio');

  let durationSeconds = positive(Number(format.duration));
  if (durationSeconds === null) {
    const durations = streams.map((s) => positive(Number(s.duration))).filter((d): d is number => d !== null);
    durationSeconds = durations.length ? Math.max(...durations) : null;
  }

  return {
    durationSeconds,
    width: video?.width ?? null,
    height: video?.height ?? null,
    frameRate: video ? (rate(video.avg_frame_rate) ?? rate(video.r_frame_rate)) : null,
    videoCodec: video?.codec_name?.toLowerCase() ?? null,
    audioCodec: audio?.codec_name?.toLowerCase() ?? null,
    pixelFormat: video?.pix_fmt ?? null,
  };
}

function positive(n: number): number | null {
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** "25/1" → 25, "30000/1001" → 29.97…, "0/0" → null. */
function rate(value: string | undefined): number | null {
  if (!value) return null;
  const [num, den = '1'] = value.split('/');
  return positive(Number(num) / Number(den));
}

const PLAYABLE_VIDEO = new Set(['h264', 'vp8', 'vp9', 'av1']);
const PLAYABLE_AUDIO = new Set(['aac', 'opus', 'vorbis', 'mp3']);
/** 8-bit 4:2:0 (what every browser decodes for H.264); 'yuvj420p' is the full-range variant. */
const PLAYABLE_H264_PIX = new Set(['yuv420p', 'yuvj420p']);

/**
 * Whether browsers can play the streams as they are: H.264, VP8, VP9 or AV1 video (HEVC is
 * not reliably supported) and AAC, Opus, Vorbis or MP3 audio, or no audio at all. A file
 * without a video stream is not playable here (Kijkkamer reviews videos). H.264 must be
 * 8-bit 4:2:0 when the pixel format is known (10-bit/4:2:2/4:4:4 H.264 fails in browsers).
 */
export function isBrowserPlayable(facts: MediaFacts): boolean {
  const video = facts.videoCodec?.toLowerCase();
  if (!video || !PLAYABLE_VIDEO.has(video)) return false;
  const audio = facts.audioCodec?.toLowerCase();
  if (audio && !PLAYABLE_AUDIO.has(audio)) return false;
  if (video === 'h264' && facts.pixelFormat && !PLAYABLE_H264_PIX.has(facts.pixelFormat)) return false;
  return true;
}
