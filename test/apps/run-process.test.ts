/**
 * How every process runs (apps/run-process.ts), checked on the gateway entry point started the way
 * docker-compose.yml starts it (the `tsx` command in front of node): a SIGTERM to the front process
 * stops the service cleanly and exits 0; a malformed variable stops the start-up with one line
 * naming it.
 */
import { randomBytes } from 'node:crypto';
import { freePort } from '../support/redis-server';
import { spawnTsxCli, waitUntil } from '../support/processes';

describe('runProcess', () => {
  it('stops the gateway cleanly on SIGTERM sent to the tsx front process, and exits 0', async () => {
    const port = await freePort();
    const gateway = spawnTsxCli('apps/gateway.main.ts', {
      PORT: String(port),
      REDIS_URL: process.env.TEST_REDIS_URL!,
      INTERNAL_JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'info',
    });
    try {
      await waitUntil(() => gateway.output().includes('"gateway listening"'), 'the gateway to listen', 30_000);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      gateway.child.kill('SIGTERM');
      const exit = await gateway.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(gateway.output()).toContain('"msg":"shutting down"');
      expect(gateway.output()).toContain('"msg":"stopped"');
    } finally {
      await gateway.kill();
    }
  });

  it('refuses a malformed variable at start-up with one line naming it, and exits 1', async () => {
    const gateway = spawnTsxCli('apps/gateway.main.ts', { PORT: 'http', REDIS_URL: process.env.TEST_REDIS_URL! });
    const exit = await gateway.exited;
    expect(exit.code).toBe(1);
    expect(gateway.output().trim()).toBe('gateway: Invalid configuration:\n- PORT: must be a non-negative integer, got "http"');
  });

  it('names a missing requirement in its start-up failure', async () => {
    const gateway = spawnTsxCli('apps/gateway.main.ts', { PORT: '0', REDIS_URL: '', INTERNAL_JWT_SECRET: '' });
    expect((await gateway.exited).code).toBe(1);
    expect(gateway.output().trim()).toBe(
      'gateway: start-up failed: REDIS_URL (or REDIS_CLUSTER_NODES) is required to run the gateway on its own.',
    );
  });
});
