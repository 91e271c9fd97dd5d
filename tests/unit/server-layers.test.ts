import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The server's folders import downward only, so each can be read alone: a capability sees the
 * layers under it and never one above or beside it. app.ts / main.ts / services.ts compose
 * everything and sit on top; config.ts, ids.ts and paths.ts are leaves anyone may use.
 */
const LAYERS: Record<string, number> = {
  db: 0,
  http: 0,
  cluster: 0,
  access: 1,
  rooms: 2,
  realtime: 3,
  notes: 4,
  playhead: 4,
  voice: 4,
  kijkwijzer: 5,
  media: 5,
  reports: 6,
  spreektijd: 6,
  ops: 7,
};
const LEAVES = new Set(['config.ts', 'ids.ts', 'paths.ts']);

const SRC = fileURLToPath(new URL('../../server/src/', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The folder under server/src a path belongs to, or the file name for top-level files. */
const unitOf = (path: string): string => relative(SRC, path).split('/')[0]!;

describe('server layering', () => {
  it('every folder is ranked', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(f in LAYERS))).toEqual([]);
  });

  it('imports go downward only', () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const file of sources(SRC)) {
      const from = unitOf(file);
      if (!(from in LAYERS)) continue;
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\bfrom '(\.[^']+)'/g)) {
        const target = resolve(dirname(file), spec!);
        if (!target.startsWith(SRC)) continue; // shared/ and packages
        checked++;
        const to = unitOf(target);
        if (to === from || LEAVES.has(to)) continue;
        if (!(to in LAYERS) || LAYERS[to]! >= LAYERS[from]!) wrong.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(wrong).toEqual([]);
  });
});
