/**
 * Condition waits for the event path, so tests wait for what they need instead of fixed sleeps.
 * Each throws (through {@link waitUntil}) when the condition is not met in time.
 */
import { Redis } from 'ioredis';
import { waitUntil } from './processes';

/** Waits until consumer group `group` of `stream` has neither pending (unacknowledged) nor unread entries. */
export async function waitForGroupDrained(redisUrl: string, stream: string, group: string, timeoutMs = 15_000): Promise<void> {
  const redis = new Redis(redisUrl, { protocol: 2 });
  try {
    await waitUntil(
      async () => {
        const [pending] = (await redis.xpending(stream, group).catch(() => [1])) as [number];
        const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
        const info = groups.find((g) => g[g.indexOf('name') + 1] === group);
        const lag = info?.[info.indexOf('lag') + 1];
        return pending === 0 && lag === 0;
      },
      `consumer group ${group} of ${stream} to drain`,
      timeoutMs,
    );
  } finally {
    redis.disconnect();
  }
}

/** Waits until every committed outbox row is published (`sql` runs as the owner, past row-level security). */
export async function waitForOutboxDrained(
  sql: (text: string) => Promise<Array<Record<string, unknown>>>,
  timeoutMs = 15_000,
): Promise<void> {
  await waitUntil(
    async () => (await sql('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))[0]!.n === 0,
    'the outbox to be published',
    timeoutMs,
  );
}
