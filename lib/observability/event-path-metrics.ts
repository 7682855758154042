/**
 * Metrics of the event path and the database, collected when Prometheus scrapes (each a cheap
 * query, cached for `cacheMs` so that several scrapers do not multiply the load):
 *
 * - the outbox: rows not yet published and the age of the oldest one (one indexed query, as the
 *   relay role: `app.outbox_relay = 'on'` in its transaction);
 * - an outbox relay's published rows and failed batches;
 * - a consumer group over a topic's streams: lag (entries not yet delivered), pending (delivered,
 *   not acknowledged) and dead-lettered entries;
 * - connection pools: connections open, idle, waiting callers, per pool kind (`shared`, `tenant`).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { poolUsage, type PrismaClient } from '../db/prisma-client';
import type { TenantDatabase } from '../db/tenant-database';
import type { Topic } from '../events/domain-event';
import type { EventLogStats, GroupStats } from '../events/event-log';
import type { OutboxRelay } from '../events/outbox-relay';
import { METRIC_PREFIX } from './metrics-registry';

/** Caches an async value for `ms` (failures are not cached). */
function cached<T>(ms: number, load: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | undefined;
  return () => {
    if (!value || Date.now() - at > ms) {
      at = Date.now();
      value = load().catch((err: unknown) => {
        value = undefined;
        throw err;
      });
    }
    return value;
  };
}

/**
 * Outbox backlog and the age of its oldest unpublished row, on `registry`: over the databases of
 * `clients` (the shared and each dedicated database's, `TenantDatabase.outboxClients()`: backlogs
 * summed, the oldest age kept; a database that does not answer is left out unless none answers).
 */
export function registerOutboxMetrics(registry: Registry, clients: readonly PrismaClient[], cacheMs = 2000): void {
  const loadOne = async (client: PrismaClient) => {
    const [, rows] = await client.$transaction([
      client.$queryRaw`SELECT set_config('app.outbox_relay', 'on', true)`,
      client.$queryRaw<Array<{ backlog: number; age: number | null }>>`
        SELECT count(*)::int AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
        FROM outbox WHERE published_at IS NULL`,
    ]);
    return rows[0] ?? { backlog: 0, age: null };
  };
  const load = cached(cacheMs, async () => {
    const results = await Promise.allSettled(clients.map(loadOne));
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (answered.length === 0) throw (results[0] as PromiseRejectedResult).reason;
    const ages = answered.map((r) => r.age).filter((a): a is number => a !== null);
    return { backlog: answered.reduce((n, r) => n + r.backlog, 0), age: ages.length ? Math.max(...ages) : null };
  });
  new Gauge({
    name: `${METRIC_PREFIX}outbox_backlog`,
    help: 'Outbox rows committed and not yet published to their stream.',
    registers: [registry],
    async collect() {
      this.set((await load()).backlog);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}outbox_oldest_age_seconds`,
    help: 'Age of the oldest unpublished outbox row, seconds (0 when none).',
    registers: [registry],
    async collect() {
      this.set(Math.max(0, (await load()).age ?? 0));
    },
  });
}

/** A counter that follows a monotonic number read at scrape time. */
function followCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > last) this.inc(now - last);
      last = now;
    },
  });
}

/** Published rows and failed batches of `relay`. */
export function registerRelayMetrics(registry: Registry, relay: Pick<OutboxRelay, 'published' | 'failures'>): void {
  followCounter(
    registry,
    `${METRIC_PREFIX}outbox_published_total`,
    'Outbox rows published to their stream by this process.',
    () => relay.published,
  );
  followCounter(
    registry,
    `${METRIC_PREFIX}outbox_publish_failures_total`,
    'Failed outbox relay batches (retried) in this process.',
    () => relay.failures,
  );
}

/** Lag, pending and dead-lettered entries of consumer group `group` over the streams of `topic`. */
export function registerConsumerGroupMetrics(registry: Registry, stats: EventLogStats, topic: Topic, group: string, cacheMs = 2000): void {
  const load = cached<GroupStats>(cacheMs, () => stats.groupStats(topic, group));
  const labels = { topic, group };
  new Gauge({
    name: `${METRIC_PREFIX}stream_consumer_lag`,
    help: 'Stream entries not yet delivered to a consumer group, summed over the tenant streams of a topic.',
    labelNames: ['topic', 'group'],
    registers: [registry],
    async collect() {
      this.set(labels, (await load()).lag);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}stream_pending_entries`,
    help: 'Stream entries delivered to a consumer group and not yet acknowledged.',
    labelNames: ['topic', 'group'],
    registers: [registry],
    async collect() {
      this.set(labels, (await load()).pending);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}stream_dead_letters`,
    help: "Entries in a topic's dead-letter streams (evt:{<tenant>}:<topic>:dlq).",
    labelNames: ['topic', 'group'],
    registers: [registry],
    async collect() {
      this.set(labels, (await load()).deadLetters);
    },
  });
}

/** Connection pool usage of the shared client and of the tenant pools. */
export function registerDbPoolMetrics(registry: Registry, shared: PrismaClient, database?: TenantDatabase): void {
  new Gauge({
    name: `${METRIC_PREFIX}db_pool_connections`,
    help: 'Database connections by pool kind (shared, tenant) and state (total, idle, waiting = callers waiting, max).',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      const put = (pool: string, u: { total: number; idle: number; waiting: number; max: number } | undefined) => {
        if (!u) return;
        this.set({ pool, state: 'total' }, u.total);
        this.set({ pool, state: 'idle' }, u.idle);
        this.set({ pool, state: 'waiting' }, u.waiting);
        this.set({ pool, state: 'max' }, u.max);
      };
      put('shared', poolUsage(shared));
      put('tenant', database?.tenantPoolUsage());
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}db_tenant_pools`,
    help: 'Per-tenant connection pools open.',
    registers: [registry],
    collect() {
      this.set(database?.tenantPoolUsage()?.pools ?? 0);
    },
  });
}
