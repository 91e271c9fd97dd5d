/**
 * vitest globalSetup: the PostgreSQL the store tests run against. KIJKKAMER_TEST_DATABASE_URL if
 * given (its user must be allowed to create databases), else a throwaway cluster from Debian's
 * binaries for the whole run. A missing server is an error that names the package, never a skip.
 */
import type { TestProject } from 'vitest/node';
import { startThrowawayPostgres } from '../helpers/postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const given = process.env.KIJKKAMER_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    return () => {};
  }
  const server = await startThrowawayPostgres();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}
