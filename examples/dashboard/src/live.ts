/**
 * Live updates that survive disconnects: one graphql-ws client that reconnects forever, and
 * subscriptions whose `after` variable always holds the cursor of the last message received.
 * graphql-ws sends the same subscribe payload again on every reconnect, so a reconnect resumes
 * after that cursor: the missed updates arrive first, in order, then live ones, each once.
 */
import { createClient, type Client } from 'graphql-ws';
import { print } from 'graphql/language/printer';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/** Connection state shown in the header. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** A message of a live subscription and the cursor to resume after it. */
export interface LiveMessage<T> {
  data: T;
  cursor: string;
}

/** Opens the graphql-ws connection to `url` with `token` in `connectionParams`. */
export function connectLive(url: string, token: string, onState: (state: LiveState) => void): Client {
  let connectedOnce = false;
  return createClient({
    url,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 500)),
    on: {
      connecting: () => onState(connectedOnce ? 'reconnecting' : 'connecting'),
      connected: () => {
        connectedOnce = true;
        onState('live');
      },
      closed: () => onState('reconnecting'),
    },
  });
}

/**
 * Subscribes to `document` and calls `onMessage` for each message, in order; every reconnect
 * resumes after the last message's cursor. Returns the function that ends the subscription.
 */
export function subscribeResumable<T>(
  client: Client,
  document: TypedDocumentNode<T, { after?: string | null }>,
  onMessage: (message: LiveMessage<T>) => void,
  onError: (error: unknown) => void,
): () => void {
  const payload = { query: print(document), variables: {} as { after?: string } };
  return client.subscribe<T, { cursor?: string }>(payload, {
    next(result) {
      const cursor = result.extensions?.cursor;
      if (typeof cursor !== 'string' || !result.data) return;
      payload.variables.after = cursor; // the next (re)subscribe resumes after this message
      onMessage({ data: result.data as T, cursor });
    },
    error: onError,
    complete: () => undefined,
  });
}
