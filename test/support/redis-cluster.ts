/**
 * A real Redis Cluster on loopback for the tests: six `redis-server` processes with
 * `--cluster-enabled yes` (three masters, one replica each) joined by `redis-cli --cluster create`.
 * Persistence is off (like the single test server); the failover test kills a master and its
 * replica takes over after the node timeout.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitUntil } from './processes';
import { freePort, portIsFree } from './redis-server';

/** Redis Cluster's bus port is the client port plus this (redis.conf, `cluster-port` default). */
const BUS_PORT_OFFSET = 10_000;

/** Node timeout of the test cluster, ms: a dead master's replica takes over about this long after it died. */
export const CLUSTER_NODE_TIMEOUT_MS = 2000;

/** One node of the cluster. */
export interface ClusterNodeProcess {
  host: string;
  port: number;
  /** Kills the process (SIGKILL): a crash, no goodbye to the cluster. */
  kill(): Promise<void>;
  /** Starts it again with its cluster configuration (it rejoins, as a replica of whoever took over). */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP) until {@link resume}: alive for the cluster, answering nothing. */
  pause(): void;
  /** Lets a paused process go on (SIGCONT). */
  resume(): void;
}

/** A running test cluster. */
export interface RedisCluster {
  nodes: ClusterNodeProcess[];
  /** `host:port,...` of every node, the value of `REDIS_CLUSTER_NODES`. */
  seeds: string;
  /** The nodes as `{ host, port }` seeds for ioredis. */
  seedNodes: Array<{ host: string; port: number }>;
  /** The node serving `key`'s slot as master right now. */
  masterOf(key: string): Promise<ClusterNodeProcess>;
  /** The replica of the master serving `key`'s slot. */
  replicaOf(key: string): Promise<ClusterNodeProcess>;
  /** Deletes every key on every master. */
  flushAll(): Promise<void>;
  /** Resolves once every slot is served and the cluster says `cluster_state:ok`. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once another node serves `key`'s slot than `former` (a killed master): the failover is
   * done and the cluster is healthy again. Restarting the killed node before that (it has no
   * persistence here) would bring it back as an empty master of its slots: the data loss Redis'
   * documentation warns of for masters restarted without persistence.
   */
  waitForFailover(key: string, former: ClusterNodeProcess, timeoutMs?: number): Promise<void>;
  /** Stops every node and deletes their data directories. */
  stop(): Promise<void>;
}

async function ping(port: number): Promise<boolean> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Starts a cluster of three masters with one replica each; `stop()` it in `afterAll`. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'supergraph-cluster-'));
  const ports: number[] = [];
  // Each node also listens on its bus port: no node's client port may be another's bus port.
  const taken = new Set<number>();
  while (ports.length < 6) {
    const p = await freePort();
    const bus = p + BUS_PORT_OFFSET;
    if (bus > 65_535 || taken.has(p) || taken.has(bus) || !(await portIsFree(bus))) continue;
    ports.push(p);
    taken.add(p).add(bus);
  }
  const children = new Map<number, ChildProcess>();
  const launch = async (port: number) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        String(CLUSTER_NODE_TIMEOUT_MS),
        '--dir',
        dir,
        // Replicas sync at once (the default waits 5 s before a diskless sync): a replica that never
        // finished its first sync refuses to take over.
        '--repl-diskless-sync-delay',
        '0',
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
    await waitUntil(() => ping(port), `redis-server on ${port}`, 10_000);
  };
  await Promise.all(ports.map(launch));
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
    {
      encoding: 'utf8',
    },
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);

  const nodes: ClusterNodeProcess[] = ports.map((port) => ({
    host: '127.0.0.1',
    port,
    async kill() {
      const child = children.get(port);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
    restart: () => launch(port),
    pause: () => void children.get(port)?.kill('SIGSTOP'),
    resume: () => void children.get(port)?.kill('SIGCONT'),
  }));
  const alive = () => nodes.filter((n) => children.get(n.port)?.exitCode === null && children.get(n.port)?.signalCode === null);
  const info = async (port: number, ...args: string[]) => {
    const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    try {
      return (await r.call(...(args as [string, ...string[]]))) as unknown;
    } finally {
      r.disconnect();
    }
  };
  /** The `CLUSTER SLOTS` entry of `key`'s slot: [from, to, master, ...replicas], each node `[host, port, id]`. */
  const slotRange = async (key: string) => {
    const slot = Number(await info(alive()[0]!.port, 'CLUSTER', 'KEYSLOT', key));
    const slots = (await info(alive()[0]!.port, 'CLUSTER', 'SLOTS')) as Array<[number, number, ...Array<[string, number, ...unknown[]]>]>;
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range;
  };
  const cluster: RedisCluster = {
    nodes,
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    seedNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async masterOf(key) {
      const [, , master] = await slotRange(key);
      return nodes.find((n) => n.port === Number(master![1]))!;
    },
    async replicaOf(key) {
      const [, , , replica] = await slotRange(key);
      if (!replica) throw new Error(`the master of ${key} has no replica`);
      return nodes.find((n) => n.port === Number(replica[1]))!;
    },
    async flushAll() {
      for (const node of alive()) {
        const role = String(await info(node.port, 'ROLE').then((r) => (r as unknown[])[0]));
        if (role === 'master') await info(node.port, 'FLUSHALL');
      }
    },
    async waitHealthy(timeoutMs = 20_000) {
      await waitUntil(
        async () => {
          for (const node of alive()) {
            const text = String(await info(node.port, 'CLUSTER', 'INFO').catch(() => ''));
            if (!text.includes('cluster_state:ok') || !text.includes('cluster_slots_ok:16384')) return false;
            // A replica counts once it is in sync with its master (it could not take over before).
            const replication = String(await info(node.port, 'INFO', 'replication').catch(() => ''));
            if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) return false;
          }
          return true;
        },
        'the Redis Cluster to be healthy',
        timeoutMs,
        100,
      );
    },
    async waitForFailover(key, former, timeoutMs = 30_000) {
      await waitUntil(
        async () => (await cluster.masterOf(key).catch(() => former)) !== former,
        `a replica to take over from ${former.port}`,
        timeoutMs,
        100,
      );
      await cluster.waitHealthy(timeoutMs);
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.waitHealthy();
  return cluster;
}
