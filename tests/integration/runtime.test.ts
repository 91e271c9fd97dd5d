import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };

describe('runtime and build', () => {
  it('runs on the pinned, maintained Node from the npm registry', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(process.versions.node).toBe(pkg.dependencies.node);
  });

  it('starts the compiled server with plain node: no TypeScript loader', () => {
    expect(pkg.scripts.start).toMatch(/^node (--enable-source-maps )?dist\/server\/src\/main\.js$/);
    expect(pkg.scripts.start).not.toMatch(/tsx|ts-node|--loader|--import|strip-types/);
  });

  it('maps stack traces of the compiled server to the TypeScript lines', async () => {
    const script = "const { loadConfig } = await import('./dist/server/src/config.js'); try { loadConfig({ PORT: 'none' }); } catch (e) { console.log(e.stack); }";
    const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: ROOT });
    expect(stdout).toMatch(/server\/src\/config\.ts:\d+:\d+/);
  });

  it('installs and builds nothing when nothing changed (the second npm start)', async () => {
    const before = statSync(new URL('dist/server/src/main.js', ROOT)).mtimeMs;
    const { stdout } = await run(process.execPath, ['scripts/ensure.mjs'], { cwd: ROOT });
    expect(stdout).toContain('dependencies up to date');
    expect(stdout).toContain('build up to date');
    expect(statSync(new URL('dist/server/src/main.js', ROOT)).mtimeMs).toBe(before);
  });
});
