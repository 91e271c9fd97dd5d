/**
 * Frames of the recording for the exports: the picture an observation's drawing was made on,
 * extracted by ffmpeg on demand and never written to disk. So nothing derived from the recording
 * outlives it: once the video is withdrawn, past its retention date or removed, there is no file
 * to extract from and no copy to delete. Who may have one is decided by the caller (the
 * download rules, routes.ts).
 *
 * The drawing goes to ffmpeg as an SVG file in a private temporary folder, removed when ffmpeg is
 * done: ffmpeg 5's svg_pipe reads no SVG from a pipe. It holds only the drawing, nothing of the
 * recording.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameIndex } from '../../../shared/playhead/frames.ts';

/** Largest picture width an export gets: enough for A4 and a QDA tool, small enough to send. */
export const FRAME_MAX_WIDTH = 1280;
/** ffmpeg runs at once, server-wide; more requests wait their turn. */
const CONCURRENT = 2;
const TIMEOUT_MS = 20_000;
/** A PNG of FRAME_MAX_WIDTH is a few MB at most; anything larger is not a frame. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export interface FrameSize {
  width: number;
  height: number;
}

/** The size a frame of a `width`×`height` video is exported at (even numbers, as encoders like). */
export function frameSize(width: number | null, height: number | null): FrameSize | null {
  if (!width || !height || width <= 0 || height <= 0) return null;
  const scale = Math.min(1, FRAME_MAX_WIDTH / width);
  const even = (n: number) => Math.max(2, 2 * Math.round((n * scale) / 2));
  return { width: even(width), height: even(height) };
}

/**
 * Where to ask ffmpeg to start so that it returns the frame a player shows at `seconds`: a player
 * shows frame n from n / fps until the next, while ffmpeg keeps the first frame whose timestamp is
 * at or after the position, so the position is put a quarter frame before frame n begins.
 */
export function seekPosition(seconds: number, frameRate: number | null): number {
  if (!frameRate || frameRate <= 0) return Math.max(0, seconds);
  return Math.max(0, (frameIndex(seconds, frameRate) - 0.25) / frameRate);
}

export interface FrameRequest {
  /** Absolute path of the video file. */
  path: string;
  seconds: number;
  frameRate: number | null;
  size: FrameSize;
  /** An SVG of exactly `size` to put over the frame (librsvg in ffmpeg); none: the frame alone. */
  overlay?: string;
}

export class FrameError extends Error {}

export function createFrameExtractor(ffmpegPath: string) {
  let running = 0;
  const waiting: (() => void)[] = [];

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (running >= CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  }

  async function run(request: FrameRequest): Promise<Buffer> {
    if (request.overlay === undefined) return ffmpeg(request, null);
    const dir = await mkdtemp(join(tmpdir(), 'kijkkamer-drawing-'));
    try {
      const svg = join(dir, 'drawing.svg');
      await writeFile(svg, request.overlay, { mode: 0o600 });
      return await ffmpeg(request, svg);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  function ffmpeg(request: FrameRequest, svgPath: string | null): Promise<Buffer> {
    const { width, height } = request.size;
    const scale = `scale=${width}:${height}`;
    const args = ['-v', 'error', '-nostdin', '-ss', seekPosition(request.seconds, request.frameRate).toFixed(6), '-i', `file:${request.path}`];
    if (svgPath !== null) {
      args.push('-f', 'svg_pipe', '-i', `file:${svgPath}`, '-filter_complex', `[0:v]${scale},format=rgb24[f];[1:v]format=rgba[d];[f][d]overlay=0:0:format=auto`);
    } else {
      args.push('-vf', scale);
    }
    args.push('-frames:v', '1', '-an', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1');
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      let bytes = 0;
      let errors = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
        else out.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-2000)));
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new FrameError(`ffmpeg did not start: ${err.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const png = Buffer.concat(out);
        if (code === 0 && png.byteLength > 8 && png.subarray(1, 4).toString('latin1') === 'PNG') resolve(png);
        else reject(new FrameError(`ffmpeg gave no frame (exit ${code}): ${errors.trim().slice(0, 300)}`));
      });
    });
  }

  return {
    /** The PNG of one frame; FrameError when ffmpeg is missing or the file gives no frame there. */
    extract: (request: FrameRequest): Promise<Buffer> => slot(() => run(request)),
  };
}
export type FrameExtractor = ReturnType<typeof createFrameExtractor>;
