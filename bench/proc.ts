/**
 * Process measurement for the benchmarks, from /proc (Linux): CPU time and peak RSS of a process and
 * its descendants, and helpers to start, pin and stop child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const CLOCK_TICKS_PER_S = 100;

function children(pid: number): number[] {
  const out: number[] = [];
  const taskDir = `/proc/${pid}/task`;
  if (!existsSync(taskDir)) return out;
  for (const tid of readdirSync(taskDir)) {
    try {
      const text = readFileSync(`${taskDir}/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      // thread gone
    }
  }
  return out;
}

/** `pid` and all its descendants that are alive now. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all.filter((p) => existsSync(`/proc/${p}/stat`));
}

/**
 * User + system CPU seconds consumed so far by `pid` and its live descendants; with `reaped`, also
 * by the children `pid` has waited for (`cutime` + `cstime`: a PostgreSQL postmaster's exited
 * backends), so that the figure never drops when a child exits.
 */
export function cpuSeconds(pid: number, reaped = false): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
      if (reaped && p === pid) ticks += Number(fields[13]) + Number(fields[14]); // cutime, cstime (16 and 17)
    } catch {
      // exited
    }
  }
  return ticks / CLOCK_TICKS_PER_S;
}

/** A memory field of /proc/<pid>/status (`VmHWM`, `VmRSS`), MiB, summed over `pid` and its live descendants. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const pattern = new RegExp(`${field}:\\s+(\\d+) kB`);
  let kib = 0;
  for (const p of processTree(pid)) {
    try {
      const m = pattern.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      // exited
    }
  }
  return kib / 1024;
}

/** Peak resident set size (VmHWM), MiB, summed over `pid` and its live descendants. */
export function peakRssMiB(pid: number): number {
  return statusMiB(pid, 'VmHWM');
}

/**
 * Resets the peak resident set size (VmHWM) of `pid` and its live descendants to their current RSS
 * (Linux: `5` written to /proc/<pid>/clear_refs, proc(5)), so that a later {@link peakRssMiB} covers
 * only what ran since.
 */
export function resetPeakRss(pid: number): void {
  for (const p of processTree(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // exited
    }
  }
}

/** Current resident set size (VmRSS), MiB, summed over `pid` and its live descendants (tsx runs the program in a child). */
export function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

/** True when `taskset` exists and the machine has at least two CPUs to pin to. */
export function canPin(cpuCount: number): boolean {
  return cpuCount >= 2 && existsSync('/usr/bin/taskset');
}

/** Pins `pid` (all its threads) to `cpus` (a taskset list such as "0" or "1"); ignores failure. */
export function pin(pid: number, cpus: string): void {
  spawn('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' }).on('error', () => undefined);
}

/**
 * Pins this process (the load generator) to CPU 0 when the machine allows ({@link canPin}; counted
 * with `os.cpus()`, since an earlier benchmark of the run may have pinned it to one CPU already), so
 * that the databases it starts next inherit CPU 0 and CPU 1 stays the server's. Resolves whether it pinned.
 */
export async function pinLoadGeneratorToCpu0(): Promise<boolean> {
  if (!canPin(cpus().length)) return false;
  pin(process.pid, '0');
  await sleep(100); // taskset applies asynchronously
  return true;
}

/**
 * Node options that write a V8 CPU profile of the process to `<dir>/<name>.cpuprofile` when it exits
 * (`node --cpu-prof`, Node's CLI doc); none without `dir`.
 */
export function cpuProfArgs(dir: string | undefined, name: string): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

/** A started child process. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Output seen so far (stdout + stderr), for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `command args`, optionally under `taskset -c cpus`, and resolves once its output matches
 * `ready` (the match is returned) or rejects after `timeoutMs`; without `ready` it resolves at once
 * (the caller polls the service).
 */
export async function startChild(
  command: string,
  args: string[],
  options: { cpus?: string; env?: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number; cwd?: string },
): Promise<{ child: Child; match: RegExpMatchArray }> {
  const [cmd, argv] = options.cpus ? ['taskset', ['-c', options.cpus, command, ...args]] : [command, args];
  const proc = spawn(cmd, argv, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  const child: Child = {
    proc,
    pid: proc.pid ?? -1,
    output: () => output,
    async stop(graceMs = 5_000) {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} not ready in time:\n${output.slice(-2000)}`)), options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 200_000) output = output.slice(-100_000);
      const m = options.ready?.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    if (!options.ready) {
      clearTimeout(timer);
      resolve([] as unknown as RegExpMatchArray);
    }
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before it was ready:\n${output.slice(-2000)}`));
    });
  }).catch(async (err: unknown) => {
    await child.stop(1000);
    throw err;
  });
  return { child, match };
}

/** Waits until `check` resolves true, polling every `everyMs`, up to `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error('timed out waiting for readiness');
    await sleep(everyMs);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the test support's, shared). */
export { freePort } from '../test/support/redis-server';
