/**
 * Builds the example dashboard (examples/dashboard, Vite) into examples/dashboard/dist when it is
 * missing or older than its sources, so `npm ci && npm start` serves it without a build step of
 * its own. Vite runs as a child process (it is ESM-only and a devDependency; `npm ci` installs it).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The example dashboard's folder. */
export const DASHBOARD_DIR = join(__dirname, '..', 'examples', 'dashboard');
/** Where its build goes. */
export const DASHBOARD_DIST = join(DASHBOARD_DIR, 'dist');

/** Newest modification time (ms) of the files under `path`. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when dist/ is missing or older than the sources (src/, index.html, the Vite config). */
export function dashboardBuildIsStale(): boolean {
  const built = join(DASHBOARD_DIST, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(...['src', 'index.html', 'vite.config.mts'].map((p) => newest(join(DASHBOARD_DIR, p))));
  return sources > statSync(built).mtimeMs;
}

/**
 * Builds the dashboard when {@link dashboardBuildIsStale}; resolves true when it built.
 * @throws Error with Vite's output when the build fails (for example when devDependencies are missing).
 */
export async function buildDashboardIfStale(): Promise<boolean> {
  if (!dashboardBuildIsStale()) return false;
  const vite = join(__dirname, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error('The example dashboard needs Vite (a devDependency): run `npm ci` without --omit=dev.');
  try {
    await execFileAsync(process.execPath, [vite, 'build', '--config', join(DASHBOARD_DIR, 'vite.config.mts')], { cwd: DASHBOARD_DIR });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`The example dashboard did not build: ${(e.stderr || e.stdout || e.message).trim().slice(0, 2000)}`);
  }
  return true;
}
