/**
 * Checks and measures a finished video file before it is attached to a room: container by magic
 * bytes, whole-file SHA-256 and the head/tail fingerprint (both streamed, never buffered), media
 * facts with ffprobe and a poster frame with ffmpeg when those are installed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Playability } from '../../../shared/api/media-schemas.ts';
import { fingerprintFile } from './fingerprint.ts';
import { isBrowserPlayable, MediaProbeError, probeMedia, type MediaFacts } from './probe.ts';
import { sniffContainer, type SniffResult } from './sniff.ts';

/** The file is not something Kijkkamer can use; the message is shown to the host as is. */
export class IngestRefusal extends Error {
  override readonly name = 'IngestRefusal';
}

export interface Inspection extends SniffResult {
  size: number;
  sha256: string;
  headTailSha256: string;
  probed: boolean;
  facts: MediaFacts;
}

const NO_FACTS: MediaFacts = { durationSeconds: null, width: null, height: null, frameRate: null, videoCodec: null, audioCodec: null, pixelFormat: null };

export const NOT_A_VIDEO = 'Dit bestand is geen video. Kijkkamer accepteert MP4, MOV, WebM en MKV. Het bestand is niet bewaard.';

/** Refuses (IngestRefusal) anything that is not a readable video container. */
export async function inspectVideo(path: string): Promise<Inspection> {
  const head = await readHead(path, SNIFF_BYTES);
  const sniffed = sniffContainer(head);
  if (!sniffed) throw new IngestRefusal(NOT_A_VIDEO);

  const [sha256, fingerprint] = await Promise.all([sha256File(path), fingerprintFile(path)]);
  let facts: MediaFacts | null;
  try {
    facts = await probeMedia(path);
  } catch (err) {
    // The magic bytes looked right but ffprobe cannot read it: a damaged or disguised file.
    if (err instanceof MediaProbeError && err.reason === 'failed') {
      throw new IngestRefusal('Dit bestand lijkt een video, maar kan niet worden gelezen (beschadigd of onvolledig). Het bestand is niet bewaard.');
    }
    throw err;
  }
  if (facts && !facts.videoCodec) throw new IngestRefusal('Dit bestand bevat geen beeld (alleen geluid). Het bestand is niet bewaard.');
  return { ...sniffed, size: fingerprint.size, sha256, headTailSha256: fingerprint.headTailSha256, probed: facts !== null, facts: facts ?? NO_FACTS };
}

/** Bytes the container check reads; a staged upload shorter than this cannot be judged yet. */
export const SNIFF_BYTES = 4096;

/** The container check alone, for an upload still under way: refuse early, not after gigabytes. */
export async function looksLikeVideo(path: string): Promise<boolean> {
  return sniffContainer(await readHead(path, SNIFF_BYTES)) !== null;
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Reads through one buffer, reused for every read (the hash copies what it is given): a stream
 * would allocate a fresh buffer per read, 2 048 of them for a 2 GiB video, and that churn of
 * memory outside the JS heap shows up as RSS growth and garbage collection (bench:media).
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafeSlow(1024 * 1024);
  const fh = await open(path, 'r');
  try {
    for (let bytesRead = -1; bytesRead !== 0; ) {
      ({ bytesRead } = await fh.read(buffer, 0, buffer.length, null));
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

export function playability(probed: boolean, facts: MediaFacts): Playability {
  if (!probed) return 'unknown';
  return isBrowserPlayable(facts) ? 'playable' : 'unsupported';
}

/**
 * Writes the first frame as a JPEG scaled to 480 px wide. The player shows it until the first
 * play, under a time display that says 0:00, so it must be the picture at 0:00 (a frame further
 * in would show a moment the display does not name). Resolves false when ffmpeg is missing or
 * fails: a poster is a nicety, never a reason to refuse.
 */
export function makePoster(videoPath: string, posterPath: string, ffmpegPath: string): Promise<boolean> {
  const args = ['-v', 'error', '-i', `file:${videoPath}`, '-frames:v', '1', '-vf', 'scale=480:-2', '-q:v', '4', '-y', `file:${posterPath}`];
  return new Promise((resolve) => {
    execFile(ffmpegPath, args, { timeout: 30_000, killSignal: 'SIGKILL', windowsHide: true }, (error) => resolve(!error));
  });
}
