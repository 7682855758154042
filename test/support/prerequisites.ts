/**
 * What `npm test` needs from the machine besides node_modules: `redis-server` on the PATH and
 * Debian's Chromium (the browser tests). Both come from apt; `.ci/run` installs them.
 */
import { spawnSync } from 'node:child_process';
import { CHROMIUM_PATH, chromiumInstalled } from './browser';

/** One line naming what to install, or undefined when everything is there. */
export function missingPrerequisites(): string | undefined {
  const packages: string[] = [];
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error) packages.push('redis-server');
  if (!chromiumInstalled()) packages.push('chromium');
  if (packages.length === 0) return undefined;
  return `npm test needs ${packages.join(' and ')} (not found${packages.includes('chromium') ? `; Chromium is looked for at ${CHROMIUM_PATH}` : ''}): apt-get install -y ${packages.join(' ')}   (.ci/run installs them)`;
}
