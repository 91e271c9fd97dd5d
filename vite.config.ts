import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));
const devServer = process.env.KIJKKAMER_DEV_SERVER ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: 'client',
  plugins: [svelte()],
  build: { outDir: '../dist/client', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': devServer,
      '/socket.io': { target: devServer, ws: true },
      '/yjs': { target: devServer, ws: true },
      '/files': devServer,
    },
  },
  test: {
    root: here,
    projects: [
      {
        extends: true,
        test: { name: 'unit', root: here, include: ['tests/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          root: here,
          include: ['tests/integration/**/*.test.ts'],
          // The store tests run against SQLite and PostgreSQL: a throwaway server for the run.
          globalSetup: ['tests/setup/postgres.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          root: here,
          include: ['tests/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
