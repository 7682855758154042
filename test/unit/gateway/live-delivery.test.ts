import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { deliverLive, SOCKET_HIGH_WATER_BYTES } from '../../../gateway/subscriptions/graphql-ws.adapter';
import type { LiveSubscription } from '../../../gateway/subscriptions/live-subscription';

/** A subscription that yields `results`, then ends. */
function subscriptionOf(results: ExecutionResult[]) {
  const sub = {
    state: 'live' as string,
    ended: false,
    async next(): Promise<IteratorResult<ExecutionResult>> {
      const value = results.shift();
      return value ? { done: false, value } : { done: true, value: undefined };
    },
    end() {
      sub.ended = true;
      sub.state = 'ended';
    },
    return: async () => ({ done: true, value: undefined }),
    throw: async () => ({ done: true, value: undefined }),
  };
  return sub;
}

/** The part of a ws `WebSocket` that deliveries use, recording what was sent and with which callback. */
function socketHolding(bufferedAmount: number) {
  return {
    OPEN: 1,
    readyState: 1,
    bufferedAmount,
    frames: [] as string[],
    callbacks: [] as Array<(err?: Error) => void>,
    send(frame: string, cb?: (err?: Error) => void) {
      this.frames.push(frame);
      if (cb) this.callbacks.push(cb);
    },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const results = () => [{ data: { orderUpdated: { id: '1' } } }, { data: { orderUpdated: { id: '2' } } }];

describe('deliverLive', () => {
  it("hands each result to a socket holding less than SOCKET_HIGH_WATER_BYTES unsent as graphql-ws's next message, without waiting for the write", async () => {
    const socket = socketHolding(SOCKET_HIGH_WATER_BYTES - 1);
    const sub = subscriptionOf(results());
    const iterator = deliverLive(sub as unknown as LiveSubscription, '7', socket as unknown as WebSocket);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    expect(socket.frames).toEqual([
      '{"id":"7","type":"next","payload":{"data":{"orderUpdated":{"id":"1"}}}}',
      '{"id":"7","type":"next","payload":{"data":{"orderUpdated":{"id":"2"}}}}',
    ]);
    expect(socket.callbacks).toHaveLength(0);
  });

  it('waits for each write to finish before the next while the socket is backed up', async () => {
    const socket = socketHolding(SOCKET_HIGH_WATER_BYTES);
    const sub = subscriptionOf(results());
    const done = deliverLive(sub as unknown as LiveSubscription, '7', socket as unknown as WebSocket).next();
    await flush();
    expect(socket.frames).toHaveLength(1);
    socket.callbacks[0]!();
    await flush();
    expect(socket.frames).toHaveLength(2);
    socket.callbacks[1]!();
    expect(await done).toEqual({ done: true, value: undefined });
  });

  it('ends the subscription when a write fails or the socket is no longer open', async () => {
    const backedUp = socketHolding(SOCKET_HIGH_WATER_BYTES);
    const failing = subscriptionOf(results());
    const done = deliverLive(failing as unknown as LiveSubscription, '7', backedUp as unknown as WebSocket).next();
    await flush();
    backedUp.callbacks[0]!(new Error('socket closed'));
    expect(await done).toEqual({ done: true, value: undefined });
    expect(failing.ended).toBe(true);
    expect(backedUp.frames).toHaveLength(1);

    const closed = { ...socketHolding(0), readyState: 3 };
    const orphan = subscriptionOf(results());
    expect(await deliverLive(orphan as unknown as LiveSubscription, '7', closed as unknown as WebSocket).next()).toEqual({
      done: true,
      value: undefined,
    });
    expect(orphan.ended).toBe(true);
    expect(closed.frames).toHaveLength(0);
  });
});
