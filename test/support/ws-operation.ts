/**
 * One operation over graphql-ws, for tests that compare a transport with HTTP: the first message, or
 * the errors of a refused `subscribe` (graphql-ws's `error` message), or the close event.
 */
import type { Client } from 'graphql-ws';
import { subscribe } from './test-stack';

/** What one operation over the socket answered. */
export interface WsOutcome {
  /** The first `next` message, when there was one. */
  message?: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  /** The errors of an `error` message (a refused operation). */
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  /** The close event, when the connection closed instead. */
  close?: { code: number; reason: string };
}

/** Sends `query` with `variables` (and extra payload fields) over `client`; resolves with the first answer. */
export async function wsOperation(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<WsOutcome> {
  const probe = subscribe(client, query, variables);
  const first = await Promise.race([probe.waitFor(1, 20_000).then(() => 'message' as const), probe.ended.then(() => 'ended' as const)]);
  if (first === 'message') {
    probe.unsubscribe();
    return { message: probe.messages[0] as WsOutcome['message'] };
  }
  const ended = await probe.ended;
  if (Array.isArray(ended)) return { errors: ended as WsOutcome['errors'] };
  if (ended && typeof ended === 'object' && 'code' in ended) return { close: ended as WsOutcome['close'] };
  return {};
}

/** The `extensions.code` values of an outcome's errors (refusal or first message). */
export function wsCodes(outcome: WsOutcome): unknown[] {
  return (outcome.errors ?? outcome.message?.errors ?? []).map((e) => e.extensions?.code);
}
