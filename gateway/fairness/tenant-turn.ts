/**
 * Queries and mutations sent over WebSocket or SSE run in their tenant's turn of the gateway's
 * {@link TenantScheduler}, like HTTP requests; a tenant whose queue is full gets `RATE_LIMITED`.
 */
import type { ExecutionResult } from 'graphql';
import { rateLimited, withoutHttp } from '../admission/admission-error';
import { QueueFullError, type TenantScheduler } from './tenant-scheduler';

/** Milliseconds a client is told to wait (`retryAfter`) when its tenant's queue is full. */
const QUEUE_FULL_RETRY_MS = 1000;

/**
 * The result of `run`, started in `tenantId`'s turn of `scheduler`.
 * @returns `RATE_LIMITED` (budget `tenant-queue`, without `extensions.http`) when the tenant's queue
 *   is full, instead of running.
 */
export async function inTenantTurn(
  scheduler: TenantScheduler,
  tenantId: string,
  run: () => Promise<ExecutionResult>,
): Promise<ExecutionResult> {
  try {
    return await scheduler.run(tenantId, run);
  } catch (err) {
    if (!(err instanceof QueueFullError)) throw err;
    return {
      errors: [withoutHttp(rateLimited('The tenant has too many operations waiting; retry later.', 'tenant-queue', QUEUE_FULL_RETRY_MS))],
    };
  }
}
