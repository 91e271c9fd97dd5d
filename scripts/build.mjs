// `npm run build`: the client (Vite) into dist/client and the server (tsc) into dist/server and
// dist/shared, with source maps, plus the SQL migrations the compiled server reads.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

const run = (bin, args) => execFileSync(bin, args, { stdio: 'inherit' });

run('vite', ['build', '--logLevel', 'warn']);
// Sources that were deleted must not live on as stale modules in the build.
rmSync('dist/server', { recursive: true, force: true });
rmSync('dist/shared', { recursive: true, force: true });
run('tsc', ['-p', 'tsconfig.server.json']);
cpSync('server/src/db/migrations', 'dist/server/src/db/migrations', { recursive: true });
