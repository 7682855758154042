/**
 * A process-wide signal of served work, over Node's `diagnostics_channel`: every HTTP request the
 * process receives (Node's built-in `http.server.request.start` channel) but probes and metric
 * scrapes (lib/http/ops-routes.ts `OPS_PATHS`: a kubelet or Prometheus polling them must not keep a
 * process from ever counting as idle), and every unit of work that arrives another way and calls
 * {@link noteWork} (stream entries fanned out to live subscriptions, events handled by a consumer,
 * outbox rows published by a relay). lib/runtime/idle-memory-release.ts reads it to tell a process
 * that serves light traffic at low event-loop utilization from one that serves nothing: only the
 * second may be paused for a full collection.
 */
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { OPS_PATHS } from '../http/ops-routes';

/** Name of the channel {@link noteWork} publishes on. */
export const WORK_CHANNEL = 'supergraph:work';

/** Node's channel published at the start of every request an `http.Server` receives. */
const HTTP_REQUEST_START = 'http.server.request.start';

const work = channel(WORK_CHANNEL);

/** Records one unit of work that did not arrive as an HTTP request (nearly free when nobody listens). */
export function noteWork(): void {
  if (work.hasSubscribers) work.publish(undefined);
}

/** A running count of the process's work (see the module doc). */
export interface WorkCounter {
  /** Units of work seen since {@link countWork} was called. */
  readonly count: number;
  /** Stops counting (idempotent). */
  stop(): void;
}

/** Starts counting HTTP requests (but probes and scrapes) and {@link noteWork} calls. */
export function countWork(): WorkCounter {
  let count = 0;
  let stopped = false;
  const onWork = () => {
    count++;
  };
  const onRequest = (message: unknown) => {
    const url = (message as { request?: IncomingMessage }).request?.url ?? '/';
    const query = url.indexOf('?');
    if (!OPS_PATHS.has(query === -1 ? url : url.slice(0, query))) count++;
  };
  subscribe(WORK_CHANNEL, onWork);
  subscribe(HTTP_REQUEST_START, onRequest);
  return {
    get count() {
      return count;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe(WORK_CHANNEL, onWork);
      unsubscribe(HTTP_REQUEST_START, onRequest);
    },
  };
}
