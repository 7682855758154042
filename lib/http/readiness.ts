/**
 * Readiness: what `/readyz` answers. A process registers one check per dependency it needs (the
 * database with the app role, Redis, the supergraph, a worker loop); `/readyz` runs them all at
 * once, each within a short timeout, and answers 200 only when every critical one passed, with a
 * JSON body naming the failing ones. A non-critical check (a dependency the process can serve
 * without, such as Redis for the gateway, whose queries and mutations do not need it) that fails
 * makes the status `degraded`, still 200 and still named: taking every replica out of the load
 * balancer for it would turn a partial outage into a total one. During shutdown the process calls {@link Readiness.startDraining} first,
 * so readiness turns false before connections drain and load balancers stop sending traffic.
 */

/** A dependency check: resolves when the dependency answers, rejects (or returns a reason) otherwise. */
export type ReadinessCheckFn = () => Promise<void | string>;

/** A named check. */
export interface ReadinessCheck {
  /** Dependency name in the JSON body (`database`, `redis`, `supergraph`, `outbox-relay`, ...). */
  name: string;
  check: ReadinessCheckFn;
  /** False when the process still serves without this dependency (default true). */
  critical?: boolean;
}

/** The body of `/readyz`. */
export interface ReadinessReport {
  /** `ready`, `degraded` (a non-critical check failed), `not ready` (a critical one failed) or `draining` (shutting down). */
  status: 'ready' | 'degraded' | 'not ready' | 'draining';
  /** Each check's result: `ok`, or why it failed. */
  checks: Record<string, string>;
  /** Names of the failing checks (empty when ready). */
  failing: string[];
}

/** Default time a check may take before it counts as failed, ms. */
export const READINESS_TIMEOUT_MS = 2000;

/** See module doc. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private draining = false;

  /** @param timeoutMs time each check may take before it counts as failed (default {@link READINESS_TIMEOUT_MS}). */
  constructor(private readonly timeoutMs = READINESS_TIMEOUT_MS) {}

  /** Adds checks (a later check with the same name replaces the earlier one). */
  add(...checks: ReadinessCheck[]): this {
    for (const c of checks) {
      const at = this.checks.findIndex((x) => x.name === c.name);
      if (at >= 0) this.checks[at] = c;
      else this.checks.push(c);
    }
    return this;
  }

  /** From now on readiness is false (`draining`): call before the process stops accepting work. */
  startDraining(): void {
    this.draining = true;
  }

  /** True once {@link startDraining} was called. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Runs every check at once, each within the timeout. */
  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await this.run(c.check)] as const));
    const checks = Object.fromEntries(results);
    const failing = results.filter(([, r]) => r !== 'ok').map(([n]) => n);
    const critical = this.checks.some((c) => c.critical !== false && failing.includes(c.name));
    const status = this.draining ? 'draining' : critical ? 'not ready' : failing.length ? 'degraded' : 'ready';
    return { status, checks, failing };
  }

  private async run(check: ReadinessCheckFn): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`timed out after ${this.timeoutMs} ms`), this.timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([
        check().then(
          (reason) => (typeof reason === 'string' && reason ? reason : 'ok'),
          (err: unknown) => `failed: ${err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err)}`,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
