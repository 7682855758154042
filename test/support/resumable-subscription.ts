/**
 * A subscriber the way a dashboard should be written: a graphql-ws client that reconnects forever
 * and, on every (re)subscription, sends the cursor of the last message it received as `after`. It
 * relies on graphql-ws re-sending the same `payload` object when it reconnects: the wrapper keeps
 * `payload.variables.after` up to date, so a reconnect resumes exactly after the last message.
 */
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** A message of a resumable subscription. */
export type LiveMessage = FormattedExecutionResult<Record<string, unknown>, { cursor?: string }>;

/** A running resumable subscription. */
export interface ResumableSubscription {
  client: Client;
  messages: LiveMessage[];
  /** Errors the subscription ended with (none expected). */
  errors: unknown[];
  /** How many times the socket (re)connected. */
  connections(): number;
  /** Resolves when at least `count` messages arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<LiveMessage[]>;
  dispose(): Promise<void>;
}

/** Subscribes to `query` on `url` with `token`, resuming with the last cursor after every reconnect. */
export function resumableSubscribe(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): ResumableSubscription {
  let connected = 0;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: () => true,
    retryWait: () => new Promise((r) => setTimeout(r, 250)),
    on: { connected: () => void connected++ },
  });
  const payload = { query, variables: { ...variables } as Record<string, unknown> };
  const messages: LiveMessage[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  client.subscribe<Record<string, unknown>, { cursor?: string }>(payload, {
    next(message) {
      messages.push(message);
      // graphql-ws re-sends this same payload object on reconnect: resume after this message.
      if (message.extensions?.cursor) payload.variables.after = message.extensions.cursor;
      for (const w of [...waiters]) w();
    },
    error(err) {
      errors.push(err);
      for (const w of [...waiters]) w();
    },
    complete() {},
  });
  return {
    client,
    messages,
    errors,
    connections: () => connected,
    waitFor(count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(messages);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out with ${messages.length}/${count} messages, errors ${JSON.stringify(errors)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}
