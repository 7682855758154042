/**
 * Caps on long-lived resources per tenant and per user in this gateway process: open WebSockets and
 * running subscriptions (whatever transport carries them). A caller over a cap is refused with
 * `RATE_LIMITED`; the graphql-ws adapter closes a socket over the socket cap with close code 4429.
 * The caps count per replica: with N replicas behind a load balancer a tenant can hold up to N times
 * each cap, which the README's "Limits" section states.
 */
import type { GraphQLError } from 'graphql';
import type { Principal } from '../../lib/principal';
import { rateLimited } from './admission-error';

/** The caps (each per gateway process). */
export interface ConnectionCapLimits {
  /** Open WebSockets of one tenant (default 500). */
  socketsPerTenant: number;
  /** Open WebSockets of one user (default 50). */
  socketsPerUser: number;
  /** Running subscriptions of one tenant (default 2,500). */
  subscriptionsPerTenant: number;
  /** Running subscriptions of one user (default 500). */
  subscriptionsPerUser: number;
}

/** Defaults of {@link ConnectionCapLimits}. */
export const DEFAULT_CONNECTION_CAPS: Readonly<ConnectionCapLimits> = {
  socketsPerTenant: 500,
  socketsPerUser: 50,
  subscriptionsPerTenant: 2_500,
  subscriptionsPerUser: 500,
};

/** Releases what a successful acquire took; idempotent. */
export type Release = () => void;

/** Seconds a refused client is told to wait before trying again. */
const RETRY_AFTER_MS = 5_000;

class Counter {
  private readonly counts = new Map<string, number>();
  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }
  add(key: string, delta: number): void {
    const n = this.get(key) + delta;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

/** See the module doc. */
export class ConnectionCaps {
  private readonly sockets = new Counter();
  private readonly subscriptions = new Counter();

  constructor(private readonly limits: ConnectionCapLimits) {}

  private acquire(counter: Counter, principal: Principal, perTenant: number, perUser: number, what: string): Release | GraphQLError {
    const tenant = principal.tenantId;
    const user = `${principal.tenantId}:${principal.userId}`;
    if (counter.get(`t:${tenant}`) >= perTenant) {
      return rateLimited(`The tenant holds ${perTenant} ${what} already, the most allowed.`, `tenant-${what}`, RETRY_AFTER_MS);
    }
    if (counter.get(`u:${user}`) >= perUser) {
      return rateLimited(`This user holds ${perUser} ${what} already, the most allowed.`, `user-${what}`, RETRY_AFTER_MS);
    }
    counter.add(`t:${tenant}`, 1);
    counter.add(`u:${user}`, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      counter.add(`t:${tenant}`, -1);
      counter.add(`u:${user}`, -1);
    };
  }

  /** Takes one socket of the principal's tenant and user, or `RATE_LIMITED` (budget `tenant-sockets`/`user-sockets`). */
  openSocket(principal: Principal): Release | GraphQLError {
    return this.acquire(this.sockets, principal, this.limits.socketsPerTenant, this.limits.socketsPerUser, 'sockets');
  }

  /** Takes one subscription, or `RATE_LIMITED` (budget `tenant-subscriptions`/`user-subscriptions`). */
  startSubscription(principal: Principal): Release | GraphQLError {
    return this.acquire(
      this.subscriptions,
      principal,
      this.limits.subscriptionsPerTenant,
      this.limits.subscriptionsPerUser,
      'subscriptions',
    );
  }

  /** Sockets open now of `tenantId` (tests and metrics). */
  socketsOf(tenantId: string): number {
    return this.sockets.get(`t:${tenantId}`);
  }
}
