/**
 * Several gateway replicas, each its own process, serve subscribers of the same tenant: every
 * subscriber receives each event once, whatever replica it is on; a replica killed with SIGKILL and
 * restarted loses nothing for clients that resume with their last cursor.
 */
import { startGatewayProcess, type GatewayProcess } from '../support/processes';
import { resumableSubscribe, type ResumableSubscription } from '../support/resumable-subscription';
import { startTestStack, sleep, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription ($after: String) { orderUpdated(after: $after) { id status } }';
const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

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

  it('subscription bridge: each subscriber on either replica gets every event once, in order, across a kill -9 and restart of its replica', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [a, b] = replicas as [GatewayProcess, GatewayProcess];
    const onA = [resumableSubscribe(a.wsUrl, staff, ORDER_UPDATED), resumableSubscribe(a.wsUrl, owner, ORDER_UPDATED)];
    const onB = [resumableSubscribe(b.wsUrl, staff, ORDER_UPDATED), resumableSubscribe(b.wsUrl, owner, ORDER_UPDATED)];
    subscriptions.push(...onA, ...onB);
    await sleep(1000);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0014'");
    const committed: string[] = [];
    const place = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await stack.gql<{ placeOrder: { id: string } }>(
          PLACE,
          { input: { lines: [{ productId: p!.id, quantity: 1 }] } },
          { token: owner },
        );
        expect(res.body.errors).toBeUndefined();
        committed.push(res.body.data!.placeOrder.id);
      }
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

    for (const s of subscriptions) {
      const messages = (await s.waitFor(8, 30_000)) as unknown as Array<{ data: { orderUpdated: { id: string } } }>;
      expect(messages.map((m) => m.data.orderUpdated.id)).toEqual(committed);
    }
    await sleep(800);
    for (const s of subscriptions) expect(s.messages).toHaveLength(8);
    for (const s of onB) expect(s.connections()).toBeGreaterThanOrEqual(2);
    for (const s of onA) expect(s.connections()).toBe(1);
  });
});
