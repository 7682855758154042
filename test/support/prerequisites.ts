/**
 * What `npm test` needs from the machine besides node_modules: `redis-server` and `redis-cli` (the
 * Redis server and Cluster of the tests), `pgbouncer` and Debian's Chromium (the browser tests).
 * All come from apt; `.ci/run` installs them.
 */
import { spawnSync } from 'node:child_process';
import { CHROMIUM_PATH, chromiumInstalled } from './browser';

/** One line naming what to install, or undefined when everything is there. */
export function missingPrerequisites(): string | undefined {
  const packages: string[] = [];
  const missing = (program: string) => Boolean(spawnSync(program, ['--version'], { stdio: 'ignore' }).error);
  if (missing('redis-server') || missing('redis-cli')) packages.push('redis-server');
  if (missing('pgbouncer')) packages.push('pgbouncer');
  if (!chromiumInstalled()) packages.push('chromium');
  if (packages.length === 0) return undefined;
  return `npm test needs ${packages.join(', ')} (not found${packages.includes('chromium') ? `; Chromium is looked for at ${CHROMIUM_PATH}` : ''}): apt-get install -y ${packages.join(' ')}   (.ci/run installs them)`;
}
