/**
 * Dedicated connections for blocking reads (`XREAD BLOCK`, `XREADGROUP BLOCK`). A blocking command
 * holds its connection until it returns, so each blocking read leases a connection of its own and
 * gives it back afterwards; a waiting reader never delays other commands.
 *
 * On a Redis Cluster a blocking read names the keys of one hash slot (the per-tenant hash tag), so
 * it runs on a plain connection to the master serving that slot: the pool keeps idle connections
 * per node (`host:port`). A read can be cancelled while it blocks: `CLIENT UNBLOCK <id>` sent to the
 * same node makes the command return as if its timeout had passed (no entry is consumed), which lets
 * a caller wait on several slots at once and stop the others once one answers.
 */
import { Redis, type Cluster } from 'ioredis';

/** A blocking read in progress: its result, and a way to end it early. */
export interface CancellableRead<T> {
  /** The command's reply; `null` when it timed out or was cancelled. */
  result: Promise<T | null>;
  /** Ends the read now if it is still blocking (idempotent). */
  cancel(): void;
}

/** Where a blocking read runs: the standalone server, or the node of a cluster serving a slot. */
export interface BlockingTarget {
  /** `host:port` of the node (`''` for the standalone server). */
  node: string;
}

const RETRY_UNBLOCK_MS = 5;

/** See module doc. */
export class BlockingPool {
  private readonly idle = new Map<string, Redis[]>();
  private readonly leased = new Set<Redis>();
  private readonly clientIds = new WeakMap<Redis, number>();
  private closed = false;

  /**
   * @param commands the log's command client: duplicated for the standalone server, asked for the
   *   node instances of a cluster (to send `CLIENT UNBLOCK` on).
   */
  constructor(private readonly commands: Redis | Cluster) {}

  private connect(node: string): Redis {
    if (node === '' || !('isCluster' in this.commands && this.commands.isCluster)) {
      return (this.commands as Redis).duplicate();
    }
    const [host, port] = splitNode(node);
    const base = (this.commands as Cluster).options.redisOptions ?? {};
    return new Redis({ ...base, host, port, protocol: 2, maxRetriesPerRequest: 1, enableOfflineQueue: true });
  }

  private async lease(node: string): Promise<Redis> {
    let conn = this.idle.get(node)?.pop();
    if (!conn) {
      conn = this.connect(node);
      conn.on('error', () => undefined);
    }
    this.leased.add(conn);
    return conn;
  }

  private release(node: string, conn: Redis): void {
    this.leased.delete(conn);
    if (this.closed || conn.status === 'end') {
      conn.disconnect();
      return;
    }
    let list = this.idle.get(node);
    if (!list) this.idle.set(node, (list = []));
    list.push(conn);
  }

  /** The server's id of `conn` (`CLIENT ID`), asked once per connection. */
  private async clientId(conn: Redis): Promise<number> {
    let id = this.clientIds.get(conn);
    if (id === undefined) {
      id = Number(await conn.call('CLIENT', 'ID'));
      this.clientIds.set(conn, id);
    }
    return id;
  }

  /** A connection to send `CLIENT UNBLOCK` on: the command client (standalone) or its instance for `node`. */
  private controlFor(node: string): Redis | undefined {
    if (node === '') return this.commands as Redis;
    return (this.commands as Cluster).nodes().find((n) => `${n.options.host}:${n.options.port}` === node);
  }

  /**
   * Runs the blocking command `fn` on a dedicated connection to `target`'s node.
   * @throws whatever the command throws (`MOVED` when the slot moved: refresh and retry).
   */
  run<T>(target: BlockingTarget, fn: (conn: Redis) => Promise<T | null>): CancellableRead<T> {
    let cancelled = false;
    let blocking: { conn: Redis; id: number } | undefined;
    let settled = false;
    const result = (async () => {
      const conn = await this.lease(target.node);
      try {
        const id = await this.clientId(conn);
        if (cancelled || this.closed) return null;
        blocking = { conn, id };
        return await fn(conn);
      } finally {
        settled = true;
        blocking = undefined;
        this.release(target.node, conn);
      }
    })();
    const cancel = () => {
      if (cancelled) return;
      cancelled = true;
      void (async () => {
        // The command may still be on its way to the server: retry until it is unblocked or done.
        while (!settled && !this.closed) {
          const control = this.controlFor(target.node);
          if (blocking && control) {
            const unblocked = Number(await control.call('CLIENT', 'UNBLOCK', String(blocking.id)).catch(() => 0));
            if (unblocked === 1) return;
          }
          await new Promise((r) => setTimeout(r, RETRY_UNBLOCK_MS));
        }
      })();
    };
    return { result, cancel };
  }

  /** Closes every dedicated connection; reads in progress reject (the log answers them empty). */
  close(): void {
    this.closed = true;
    for (const conn of [...this.leased, ...[...this.idle.values()].flat()]) conn.disconnect();
    this.idle.clear();
  }
}

/** `host:port` -> [host, port]. */
function splitNode(node: string): [string, number] {
  const at = node.lastIndexOf(':');
  return [node.slice(0, at), Number(node.slice(at + 1))];
}
