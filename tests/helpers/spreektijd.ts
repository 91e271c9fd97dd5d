import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpreektijdView } from '../../shared/spreektijd/schemas.ts';
import type { HttpClient } from './http.ts';

/** The committed recordings of tests/fixtures/make-spreektijd.mjs. */
export const SPREEKTIJD_FIXTURES = ['same-gender', 'male-female', 'three-voices', 'one-voice'] as const;
export type SpreektijdFixture = (typeof SPREEKTIJD_FIXTURES)[number];

export const spreektijdFixture = (name: SpreektijdFixture): { video: string; reference: string } => ({
  video: fileURLToPath(new URL(`../fixtures/spreektijd/${name}.mp4`, import.meta.url)),
  reference: fileURLToPath(new URL(`../fixtures/spreektijd/${name}.ref.json`, import.meta.url)),
});

export const fixtureBytes = (name: SpreektijdFixture): Buffer => readFileSync(spreektijdFixture(name).video);

/**
 * Small videos for the bad cases, made by ffmpeg: `no-audio` (a picture only), `silence` (a
 * silent audio track), `five-hours` (5 h of silence, tiny because silence compresses to nothing).
 */
export function makeVideo(kind: 'no-audio' | 'silence' | 'five-hours'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'kijkkamer-sp-'));
  const file = join(dir, `${kind}.mp4`);
  const seconds = kind === 'five-hours' ? 18_000 : 20;
  const picture = ['-f', 'lavfi', '-i', `color=c=black:s=64x64:r=${kind === 'five-hours' ? 1 : 5}:d=${seconds}`];
  const audio = kind === 'no-audio' ? [] : ['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', String(seconds), '-c:a', 'aac', '-b:a', '8k'];
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...picture, ...audio, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '600', '-pix_fmt', 'yuv420p', '-shortest', file]);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls the room's spreektijd view until the analysis has finished or failed. */
export async function analysed(http: HttpClient, roomId: string, timeoutMs = 180_000): Promise<SpreektijdView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await http.get<SpreektijdView>(`/api/rooms/${roomId}/spreektijd`);
    if (res.status !== 200) throw new Error(`spreektijd view: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.status.state === 'done' || res.body.status.state === 'failed') return res.body;
    if (Date.now() > end) throw new Error(`analysis still ${res.body.status.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
