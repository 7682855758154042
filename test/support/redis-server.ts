/**
 * Starts a real `redis-server` (Debian's package; `.ci/run` installs it) on a free loopback port with
 * persistence off, for the tests. The fault tests stop and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `port` on loopback can be listened on right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** A running redis-server child process. */
export interface RedisServer {
  port: number;
  url: string;
  /** Stops it (SIGTERM: with persistence, Redis writes its append-only file first) and waits for exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after {@link stop}); with persistence it reloads its data. */
  restart(): Promise<void>;
  /** Stops it and deletes its data directory (persistent servers). */
  destroy(): Promise<void>;
}

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /**
   * Append-only persistence (`appendfsync always`) in a temporary directory, so a stop and restart
   * keeps the streams, as a production Redis would (default false: nothing persisted).
   */
  persistent?: boolean;
}

/** Starts redis-server on `port` (default: a free one). */
export async function startRedisServer(port?: number, options: RedisServerOptions = {}): Promise<RedisServer> {
  const p = port ?? (await freePort());
  const dir = options.persistent ? mkdtempSync(join(tmpdir(), 'supergraph-redis-')) : undefined;
  const persistence = dir ? ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' });
    child.on('error', (err) => {
      throw new Error(`Cannot start redis-server (is it installed? .ci/run installs it): ${err.message}`);
    });
    await waitForPort(p, 10_000);
  };
  await launch();
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  const destroy = async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  return { port: p, url: `redis://127.0.0.1:${p}`, stop, restart: launch, destroy };
}
