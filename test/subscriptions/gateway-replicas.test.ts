/**
 * Several gateway replicas, each its own process, serve subscribers of the same tenant: every
 * subscriber receives each event once, whatever replica it is on; a replica killed with SIGKILL and
 * restarted loses nothing for clients that resume with their last cursor.
 */
import { findDemoUser } from '../../lib/auth/dev-token';
import { streamKey } from '../../lib/events/domain-event';
import { startGatewayProcess, type GatewayProcess } from '../support/processes';
import { resumableSubscribe, type ResumableSubscription } from '../support/resumable-subscription';
import { startTestStack, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription ($after: String) { orderUpdated(after: $after) { id status } }';

describe('gateway replicas', () => {
  let stack: TestStack;
  let replicas: GatewayProcess[] = [];
  const subscriptions: ResumableSubscription[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
    const options = {
      redisUrl: process.env.TEST_REDIS_URL!,
      internalSecret: stack.config.internalSecret!,
      subgraphUrls: stack.subgraphUrls,
    };
    replicas = await Promise.all([startGatewayProcess(options), startGatewayProcess(options)]);
  });
  afterAll(async () => {
    for (const s of subscriptions) await s.dispose();
    for (const r of replicas) await r.kill('SIGTERM');
    await stack?.stop();
  });

  it('live subscriptions: each subscriber on either replica gets every event once, in order, across a kill -9 and restart of its replica', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [a, b] = replicas as [GatewayProcess, GatewayProcess];
    // The replicas run in other processes, so their subscriptions cannot be counted from here: every
    // subscriber starts from the stream's current end as a cursor instead, which replays whatever is
    // published before its subscription is live.
    const after = await stack.eventLog.streams.lastId(streamKey(findDemoUser('acme', 'owner@acme.test').tenantId, 'orders'));
    const onA = [
      resumableSubscribe(a.wsUrl, staff, ORDER_UPDATED, { after }),
      resumableSubscribe(a.wsUrl, owner, ORDER_UPDATED, { after }),
    ];
    const onB = [
      resumableSubscribe(b.wsUrl, staff, ORDER_UPDATED, { after }),
      resumableSubscribe(b.wsUrl, owner, ORDER_UPDATED, { after }),
    ];
    subscriptions.push(...onA, ...onB);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0014'");
    const committed: string[] = [];
    const place = async (n: number) => {
      for (let i = 0; i < n; i++) committed.push((await stack.placeOrder(owner, p!.id)).id);
    };

    await place(3);
    for (const s of subscriptions) await s.waitFor(3);

    const killed = await b.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await place(3); // while replica B is down
    replicas[1] = await startGatewayProcess({
      redisUrl: process.env.TEST_REDIS_URL!,
      internalSecret: stack.config.internalSecret!,
      subgraphUrls: stack.subgraphUrls,
      port: b.port,
    });
    await place(2);
    await place(1); // a marker: the stream is delivered in order, so it arrives after everything before it

    for (const s of subscriptions) {
      const messages = (await s.waitFor(9, 30_000)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(committed);
    }
    for (const s of onB) expect(s.connections()).toBeGreaterThanOrEqual(2);
    for (const s of onA) expect(s.connections()).toBe(1);
  });
});
