/**
 * Capacity on paper, from measurements: `npm run capacity [-- --tenants N --sockets N --orders N]`.
 * Sizes a deployment for a workload (default: 10,000 tenants, 100,000 concurrent dashboard sockets,
 * 1,000 orders per second) from the per-request CPU costs the benchmarks measure, and prints the
 * replicas of each process, PostgreSQL servers, PgBouncer pools and Redis shards, with every
 * assumption stated. It reads the latest outputs in bench/results/ (`tenants.json` from
 * `npm run bench:tenants`, `subscriptions.json` from a full `npm run bench`); a figure whose
 * file is missing falls back to the last measured value written below (the README's figures), and
 * the output says which. Writes the table to bench/results/capacity.md as well.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from '../bench/report';

const RESULTS = join(__dirname, '..', 'bench', 'results');

/** A measured input and where it came from. */
export interface Measured {
  value: number;
  source: string;
}

/** The workload to size for; every field can be set on the command line (`--name value`). */
export interface Workload {
  tenants: number;
  /** Concurrent dashboard sockets (graphql-ws or SSE), each with an order and a notification subscription. */
  sockets: number;
  /** Orders placed per second, all tenants together. */
  orders: number;
  /** Seconds between two dashboard queries of one open dashboard (load, refresh, navigation). */
  refreshSeconds: number;
  /** Events per order delivered to subscribers: the order event and its notification. */
  eventsPerOrder: number;
  /** CPU utilisation to plan for (the rest is headroom for peaks and failover). */
  utilisation: number;
  /**
   * Gateway replicas holding the sockets of one tenant: each runs one shared execution per event for
   * them (route a tenant's sockets to few replicas, e.g. by hashing the tenant at the load balancer).
   */
  gatewaysPerTenant: number;
  /** Share of the service CPU spent in the gateway (assumed: the benchmarks run gateway and subgraphs in one process). */
  gatewayCpuShare: number;
  /** Cores of one service replica and of one PostgreSQL server. */
  replicaCores: number;
  postgresCores: number;
  /** Server memory of one gateway replica given to sockets, MiB. */
  socketMemoryMiB: number;
  /** Approximate bytes of one stream entry in Redis (event JSON plus stream overhead; assumed). */
  streamEntryBytes: number;
  /** Entries kept per tenant stream (`STREAM_RETENTION`). */
  streamRetention: number;
  /** Redis operations per second one shard serves at the planned utilisation (assumed, single-threaded Redis). */
  redisOpsPerShard: number;
  /** Usable memory of one Redis shard, GiB. */
  redisShardGiB: number;
}

/** The default workload: 10,000 tenants, 100,000 sockets, 1,000 orders/s, with the assumptions of the README. */
export const DEFAULT_WORKLOAD: Workload = {
  tenants: 10_000,
  sockets: 100_000,
  orders: 1_000,
  refreshSeconds: 60,
  eventsPerOrder: 2,
  utilisation: 0.6,
  gatewaysPerTenant: 3,
  gatewayCpuShare: 0.5,
  replicaCores: 2,
  postgresCores: 16,
  socketMemoryMiB: 2_048,
  streamEntryBytes: 600,
  streamRetention: 10_000,
  redisOpsPerShard: 50_000,
  redisShardGiB: 8,
};

interface TenantsJson {
  rows: Array<{ path: string; tenants: number; cpuMs?: { supergraphMs: number; postgresMs: number } }>;
  orders: Array<{ path: string; cpuMs?: { supergraphMs: number; postgresMs: number } }>;
  at: string;
}
interface SubscriptionsJson {
  at: string;
  cores: number;
  /** Per mode: deliveries per second, the supergraph's CPU ms per delivery, server RSS per idle socket (KiB). */
  results: Array<{ mode: string; perSecond: number; serverCpuMsPerDelivery?: number; rssPerConnectionKiB?: number }>;
}

function readJson<T>(name: string): T | undefined {
  const file = join(RESULTS, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** CPU ms per dashboard request, per order (service, PostgreSQL), per subscription execution and delivery; KiB per socket. */
export type MeasuredCosts = Record<
  'dashboardServiceMs' | 'dashboardPostgresMs' | 'orderServiceMs' | 'orderPostgresMs' | 'deliveryMs' | 'executionMs' | 'socketKiB',
  Measured
>;

/** The per-unit costs the model needs, from the latest benchmark outputs or the last measured values. */
export function measuredCosts(): MeasuredCosts {
  const tenants = readJson<TenantsJson>('tenants.json');
  const subs = readJson<SubscriptionsJson>('subscriptions.json');
  const fromTenants = (pick: (t: TenantsJson) => number[], fallback: number): Measured => {
    const values = tenants ? pick(tenants).filter(Number.isFinite) : [];
    return values.length
      ? { value: median(values), source: `bench/results/tenants.json (${tenants!.at})` }
      : { value: fallback, source: 'last measured (README)' };
  };
  const spread = (t: TenantsJson) => t.rows.filter((r) => r.path === 'PgBouncer' && r.tenants > 2 && r.cpuMs);
  const placed = (t: TenantsJson) => t.orders.filter((o) => o.path === 'PgBouncer' && o.cpuMs);
  const mode = (name: string) => subs?.results.find((r) => r.mode === name);
  const fromSubs = (value: number | undefined, fallback: number): Measured =>
    value !== undefined && Number.isFinite(value)
      ? { value, source: `bench/results/subscriptions.json (${subs!.at})` }
      : { value: fallback, source: 'last measured (README)' };
  return {
    dashboardServiceMs: fromTenants((t) => spread(t).map((r) => r.cpuMs!.supergraphMs), 6.21),
    dashboardPostgresMs: fromTenants((t) => spread(t).map((r) => r.cpuMs!.postgresMs), 2.33),
    orderServiceMs: fromTenants((t) => placed(t).map((o) => o.cpuMs!.supergraphMs), 6.11),
    orderPostgresMs: fromTenants((t) => placed(t).map((o) => o.cpuMs!.postgresMs), 3.21),
    // The supergraph process's own CPU per delivery (its placeOrder, relay and execution work included,
    // so an upper bound for the gateway alone); without shared executions each delivery is one execution.
    deliveryMs: fromSubs(mode('shared')?.serverCpuMsPerDelivery, 0.061),
    executionMs: fromSubs(mode('unshared')?.serverCpuMsPerDelivery, 2.225),
    // Server side only: the supergraph's RSS growth per idle subscription socket (clients in another process).
    socketKiB: fromSubs(mode('shared')?.rssPerConnectionKiB, 30.8),
  };
}

/** One line of the sizing: what, how many, and the arithmetic behind it. */
export interface SizingLine {
  what: string;
  count: string;
  because: string;
}

/** Sizes `w` with the measured costs `c` (see the module doc). */
export function size(w: Workload, c: MeasuredCosts): SizingLine[] {
  const perTenantSockets = w.sockets / w.tenants;
  const dashboardRate = w.sockets / w.refreshSeconds;
  const events = w.orders * w.eventsPerOrder;
  // Shared executions: one per event on each gateway replica holding subscribers of that tenant.
  const replicasPerTenant = Math.min(perTenantSockets, w.gatewaysPerTenant);
  const executions = events * replicasPerTenant;
  const deliveries = events * perTenantSockets;
  const serviceCpu =
    (dashboardRate * c.dashboardServiceMs.value +
      w.orders * c.orderServiceMs.value +
      executions * c.executionMs.value +
      deliveries * c.deliveryMs.value) /
    1000;
  const serviceCores = serviceCpu / w.utilisation;
  const socketReplicas = Math.ceil((w.sockets * c.socketKiB.value) / 1024 / w.socketMemoryMiB);
  const gatewayReplicas = Math.max(2, socketReplicas, Math.ceil((serviceCores * w.gatewayCpuShare) / w.replicaCores));
  const subgraphReplicas = Math.max(2, Math.ceil((serviceCores * (1 - w.gatewayCpuShare)) / 4 / w.replicaCores));
  const postgresCpu = (dashboardRate * c.dashboardPostgresMs.value + w.orders * c.orderPostgresMs.value) / 1000;
  const postgresServers = Math.max(1, Math.ceil(postgresCpu / w.utilisation / w.postgresCores));
  const serverPool = 2 * w.postgresCores;
  // Per event: the relay's XADD, the consumer's XREADGROUP and XACK, one XREAD per gateway replica of the tenant.
  const redisOps = events * (3 + replicasPerTenant);
  const streamGiB = (w.tenants * w.eventsPerOrder * w.streamRetention * w.streamEntryBytes) / 1024 ** 3;
  const redisShards = Math.max(3, Math.ceil(redisOps / w.redisOpsPerShard), Math.ceil(streamGiB / w.redisShardGiB));
  const n = (x: number, d = 0) => x.toLocaleString('en', { maximumFractionDigits: d });
  return [
    {
      what: 'load',
      count: `${n(dashboardRate)} dashboard queries/s, ${n(w.orders)} orders/s, ${n(executions)} subscription executions/s, ${n(deliveries)} deliveries/s`,
      because: `${n(w.sockets)} dashboards each querying every ${w.refreshSeconds} s; ${w.eventsPerOrder} events per order; ${n(perTenantSockets, 1)} sockets per tenant on up to ${n(replicasPerTenant)} gateway replicas (one shared execution per event on each)`,
    },
    {
      what: 'service CPU (gateway and subgraphs)',
      count: `${n(serviceCores, 1)} cores`,
      because: `(${n(dashboardRate)} × ${n(c.dashboardServiceMs.value, 1)} ms + ${n(w.orders)} × ${n(c.orderServiceMs.value, 1)} ms + ${n(executions)} × ${n(c.executionMs.value, 1)} ms + ${n(deliveries)} × ${n(c.deliveryMs.value, 2)} ms) per second at ${w.utilisation * 100}% utilisation`,
    },
    {
      what: 'gateway replicas',
      count: n(gatewayReplicas),
      because: `${n(w.sockets)} sockets × ${n(c.socketKiB.value)} KiB in ${n(w.socketMemoryMiB)} MiB each: ${socketReplicas}; CPU: ${w.gatewayCpuShare * 100}% of the service cores on ${w.replicaCores}-core replicas; two at least`,
    },
    {
      what: 'subgraph replicas (each of four)',
      count: n(subgraphReplicas),
      because: `${(1 - w.gatewayCpuShare) * 100}% of the service cores over four subgraphs on ${w.replicaCores}-core replicas; two at least`,
    },
    {
      what: 'outbox relays, notification consumers',
      count: '2 each',
      because: 'streams are leased per tenant, so any number share the work; two for failover',
    },
    {
      what: 'PostgreSQL servers (primaries)',
      count: `${postgresServers} of ${w.postgresCores} cores`,
      because: `(${n(dashboardRate)} × ${n(c.dashboardPostgresMs.value, 1)} ms + ${n(w.orders)} × ${n(c.orderPostgresMs.value, 1)} ms) = ${n(postgresCpu, 1)} cores busy, ${n(postgresCpu / w.utilisation, 1)} at ${w.utilisation * 100}%; the largest tenants on dedicated databases beyond that`,
    },
    {
      what: 'PgBouncer (transaction mode), per PostgreSQL server',
      count: `2 instances, server pool ${serverPool}`,
      because: `about 2 server connections per PostgreSQL core; clients: every replica's DB_CONNECTION_BUDGET (services run DB_TENANT_POOLS=false behind it)`,
    },
    {
      what: 'Redis Cluster masters (one replica each)',
      count: n(redisShards),
      because: `${n(redisOps)} ops/s at ${n(w.redisOpsPerShard)} per shard; streams at retention: ${n(w.tenants)} tenants × ${w.eventsPerOrder} streams × ${n(w.streamRetention)} entries × ${w.streamEntryBytes} B = ${n(streamGiB, 1)} GiB at ${w.redisShardGiB} GiB per shard; three at least`,
    },
  ];
}

function parseWorkload(argv: string[]): Workload {
  const w: Workload = { ...DEFAULT_WORKLOAD };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '') as keyof Workload;
    const value = Number(argv[i + 1]);
    if (!(key in w) || !Number.isFinite(value) || value <= 0)
      throw new Error(`Unknown option or bad value: ${argv[i]} ${argv[i + 1] ?? ''} (options: ${Object.keys(w).join(', ')})`);
    w[key] = value;
  }
  return w;
}

function main(): void {
  let w: Workload;
  try {
    w = parseWorkload(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const costs = measuredCosts();
  const lines = size(w, costs);
  const report = [
    `# Capacity model: ${w.tenants.toLocaleString('en')} tenants, ${w.sockets.toLocaleString('en')} sockets, ${w.orders.toLocaleString('en')} orders/s`,
    '',
    '| measured cost | value | from |',
    '| --- | --- | --- |',
    ...Object.entries(costs).map(([k, m]) => `| ${k} | ${m.value.toFixed(2)} | ${m.source} |`),
    '',
    '| what | how many | because |',
    '| --- | --- | --- |',
    ...lines.map((l) => `| ${l.what} | ${l.count} | ${l.because} |`),
    '',
  ].join('\n');
  console.log(report);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'capacity.md'), report);
}

if (require.main === module) main();
