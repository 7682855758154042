/**
 * lib/runtime/idle-memory-release.ts on this process's real V8 heap: garbage of a few hundred MiB
 * keeps RSS up after ordinary collections, and the release gives it back, only once the event loop
 * is idle and only once per growth.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { releaseMemory, startIdleMemoryRelease } from '../../../lib/runtime/idle-memory-release';
import { noteWork } from '../../../lib/runtime/work-signal';
import { waitUntil } from '../../support/processes';

const MiB = 1024 * 1024;

/** Allocates about 300 MiB of small objects and drops them: garbage V8 keeps pages for. */
function makeGarbage(): number {
  let junk: { n: number; s: string; a: number[] }[] | null = [];
  for (let i = 0; i < 2_500_000; i++) junk.push({ n: i, s: `item ${i}`, a: [i] });
  const count = junk.length;
  junk = null;
  return count;
}

describe('releaseMemory', () => {
  it('gives back the pages that garbage left resident', () => {
    expect(makeGarbage()).toBe(2_500_000);
    const release = releaseMemory();
    expect(release.rssBeforeBytes - release.rssAfterBytes).toBeGreaterThan(100 * MiB);
    expect(release.pauseMs).toBeGreaterThan(0);
  });
});

describe('startIdleMemoryRelease', () => {
  it('releases after growth only once the event loop is idle, and only once per growth, and counts it', async () => {
    const registry = new Registry();
    const idle = startIdleMemoryRelease({ idleMs: 200, checkIntervalMs: 50, minGrowthBytes: 64 * MiB, registry });
    const busy = setInterval(() => {
      const end = performance.now() + 40;
      while (performance.now() < end); // keeps the loop about 90% busy
    }, 45);
    try {
      makeGarbage();
      const grown = process.memoryUsage.rss();
      await waitUntil(() => idle.checks >= 12, 'checks while busy', 10_000);
      expect(idle.releases).toBe(0);

      clearInterval(busy);
      await waitUntil(() => idle.releases === 1, 'a release once idle', 10_000);
      expect(process.memoryUsage.rss()).toBeLessThan(grown - 100 * MiB);

      const checks = idle.checks;
      await waitUntil(() => idle.checks >= checks + 12, 'more idle checks', 10_000);
      expect(idle.releases).toBe(1);
      const metrics = await registry.metrics();
      expect(metrics).toMatch(/^supergraph_memory_releases_total 1$/m);
      expect(Number(/^supergraph_memory_release_pause_seconds_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      clearInterval(busy);
      idle.stop();
    }
  });
});

describe('startIdleMemoryRelease under light traffic', () => {
  /** Makes garbage, then runs `work` every 30 ms (the loop stays nearly idle): no release while it runs, one once it stops. */
  async function expectNoReleaseWhile(work: () => void): Promise<void> {
    const idle = startIdleMemoryRelease({ idleMs: 200, checkIntervalMs: 50, minGrowthBytes: 64 * MiB, registry: new Registry() });
    const timer = setInterval(work, 30);
    try {
      makeGarbage();
      await waitUntil(() => idle.checks >= 12, 'checks while work arrives', 10_000);
      expect(idle.releases).toBe(0);
      clearInterval(timer);
      await waitUntil(() => idle.releases === 1, 'a release once no work arrives', 10_000);
    } finally {
      clearInterval(timer);
      idle.stop();
    }
  }

  it('never pauses a process that receives HTTP requests, however low its utilization', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    let answered = 0;
    try {
      await expectNoReleaseWhile(
        () =>
          void fetch(url).then(
            (r) => r.text().then(() => answered++),
            () => undefined,
          ),
      );
      expect(answered).toBeGreaterThan(10);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('still releases while only probes and metric scrapes arrive', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const idle = startIdleMemoryRelease({ idleMs: 200, checkIntervalMs: 50, minGrowthBytes: 64 * MiB, registry: new Registry() });
    let probe = 0;
    const paths = ['/healthz', '/readyz?verbose=1', '/metrics'];
    const timer = setInterval(
      () =>
        void fetch(base + paths[probe++ % paths.length]).then(
          (r) => r.text(),
          () => undefined,
        ),
      30,
    );
    try {
      makeGarbage();
      await waitUntil(() => idle.releases === 1, 'a release while only probes arrive', 10_000);
      expect(probe).toBeGreaterThan(6);
    } finally {
      clearInterval(timer);
      idle.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never pauses a process that delivers live updates or consumes events (noteWork)', async () => {
    await expectNoReleaseWhile(noteWork);
  });
});
