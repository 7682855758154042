/**
 * The first notification after start arrives as fast as later ones: the notifications consumer
 * takes the lease of a tenant's new stream at once (a consumer holding no stream refreshes its
 * stream list often), instead of at its next regular refresh, which used to delay the first
 * notification by about 1.8 s.
 */
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const NOTIFICATION_ADDED = 'subscription { notificationAdded { id order { id } } }';

describe('first notification after start', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
  });
  afterAll(() => stack.stop());

  it('reaches a subscriber within a second of the first placeOrder, like the next one', async () => {
    const staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
    const owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0016'");
    const probe = subscribe(stack.wsClient(staff), NOTIFICATION_ADDED);
    await stack.waitForLiveSubscriptions(1);
    const elapsed: number[] = [];
    for (let i = 1; i <= 2; i++) {
      const start = Date.now();
      const order = await stack.placeOrder(owner, p!.id);
      const messages = (await probe.waitFor(i, 5000)) as unknown as Array<{ data: { notificationAdded: { order: { id: string } } } }>;
      expect(messages[i - 1]!.data.notificationAdded.order.id).toBe(order.id);
      elapsed.push(Date.now() - start);
    }
    expect(elapsed[0]).toBeLessThan(1000);
    expect(elapsed[1]).toBeLessThan(1000);
    probe.unsubscribe();
  });
});
