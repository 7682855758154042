/**
 * Child processes for the tests that kill things: a gateway replica (`apps/gateway.main.ts`) and an
 * outbox relay (`apps/relay.main.ts`), each run with tsx as its own process, so a
 * test can `kill -9` it and start another.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SubgraphName } from '../../lib/schema/subgraphs';
import { freePort } from './redis-server';

const ROOT = join(__dirname, '..', '..');

/** How a child process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child process. */
export interface ChildHandle {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when it exits. */
  exited: Promise<ExitStatus>;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

/**
 * Starts `node --import tsx <script>` in the repository root with `env` added to this process's
 * environment: one process (not tsx's wrapper plus node), so its pid and exit signal are the script's.
 */
export function spawnTsx(script: string, env: Record<string, string>, args: string[] = []): ChildHandle {
  return spawnChild(process.execPath, ['--import', 'tsx', script, ...args], env);
}

/**
 * Starts `script` through the `tsx` command, as docker-compose.yml runs the services: a tsx parent
 * process that relays signals to the node process running the script.
 */
export function spawnTsxCli(script: string, env: Record<string, string>, args: string[] = []): ChildHandle {
  return spawnChild(join(ROOT, 'node_modules', '.bin', 'tsx'), [script, ...args], env);
}

function spawnChild(command: string, argv: string[], env: Record<string, string>): ChildHandle {
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<ExitStatus>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Resolves when `check` returns true, polling every `everyMs`; rejects after `timeoutMs` with `what`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Options of {@link startGatewayProcess}. */
export interface GatewayProcessOptions {
  redisUrl: string;
  internalSecret: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** Listen port (default: a free one); a restarted replica reuses its port. */
  port?: number;
  env?: Record<string, string>;
}

/** A gateway replica running as its own process. */
export interface GatewayProcess extends ChildHandle {
  port: number;
  url: string;
  wsUrl: string;
}

/**
 * Starts `apps/gateway.main.ts` as a process and waits until `/readyz` answers 200.
 * @throws Error with the process output when it exits or is not ready within 30 s.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = options.port ?? (await freePort());
  const handle = spawnTsx('apps/gateway.main.ts', {
    PORT: String(port),
    REDIS_URL: options.redisUrl,
    INTERNAL_JWT_SECRET: options.internalSecret,
    TENANT_URL: options.subgraphUrls.tenant,
    CATALOG_URL: options.subgraphUrls.catalog,
    ORDERS_URL: options.subgraphUrls.orders,
    NOTIFICATIONS_URL: options.subgraphUrls.notifications,
    ...options.env,
  });
  let exited = false;
  void handle.exited.then(() => (exited = true));
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`gateway exited during start-up:\n${handle.output()}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
        } catch {
          return false;
        }
      },
      `gateway on ${port} to be ready`,
      30_000,
      100,
    );
  } catch (err) {
    await handle.kill();
    throw new Error(`${(err as Error).message}\n${handle.output()}`);
  }
  return { ...handle, port, url: `http://127.0.0.1:${port}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}
