// Runs before `npm start` and `npm test` (and in .ci/run): installs the dependencies only when
// package-lock.json changed since the last install, and builds only when an input of the build
// changed since the last build. A second start on an unchanged checkout does neither.
//
// Plain JavaScript on purpose: on a fresh machine this runs on the system's Node (20 on Debian 12)
// before the project's own Node — the npm package `node`, a dependency — is installed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const INSTALL_STAMP = 'node_modules/.kijkkamer-installed';
const BUILD_STAMP = 'dist/.kijkkamer-built';
const BUILD_INPUTS = ['client', 'server/src', 'shared', 'scripts/build.mjs', 'vite.config.ts', 'tsconfig.json', 'tsconfig.server.json', 'package-lock.json'];

const readStamp = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : null);
const say = (text) => console.log(`kijkkamer: ${text}`);
const run = (command, args, env = process.env) => execFileSync(command, args, { stdio: 'inherit', env });

function install() {
  const lockHash = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
  if (readStamp(INSTALL_STAMP) === lockHash && existsSync('node_modules/.bin/node')) return say('dependencies up to date');
  const runtime = JSON.parse(readFileSync('package.json', 'utf8')).dependencies.node;
  const major = Number(process.versions.node.split('.')[0]);
  say(`installing dependencies (npm ci) on Node ${runtime}`);
  // npm checks every package's `engines` against the Node it runs on. On an older system Node,
  // run npm itself on the pinned Node from the registry (npm exec puts it first on PATH), so the
  // install is checked against the Node the app will run on.
  const args = ['ci', '--no-audit', '--no-fund'];
  // onnxruntime-node's postinstall fetches optional GPU binaries from a host outside the npm
  // registry and fails the whole install without it; the CPU binary Kijkkamer uses is in the
  // package itself. `allowScripts` in package.json says the same to npm versions that read it.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  if (major >= Number(runtime.split('.')[0])) run('npm', args, env);
  else run('npm', ['exec', '--yes', `--package=node@${runtime}`, '--', 'npm', ...args], env);
  writeFileSync(INSTALL_STAMP, `${lockHash}\n`);
}

/** Every file under `path` (or `path` itself), in a stable order. */
function* files(path) {
  if (!statSync(path).isDirectory()) {
    yield path;
    return;
  }
  for (const name of readdirSync(path).sort()) if (!name.startsWith('.')) yield* files(join(path, name));
}

function build() {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) for (const file of files(input)) hash.update(`${file}\0`).update(readFileSync(file));
  const inputsHash = hash.digest('hex');
  const complete = existsSync('dist/client/index.html') && existsSync('dist/server/src/main.js');
  if (complete && readStamp(BUILD_STAMP) === inputsHash) return say('build up to date');
  say('building client and server');
  run('npm', ['run', '--silent', 'build']);
  writeFileSync(BUILD_STAMP, `${inputsHash}\n`);
}

install();
if (!process.argv.includes('--install-only')) build();
