/**
 * The graphql-ws adapter through the real gateway: operations over the socket, connection_init
 * errors, the per-connection operation limit and the slow-subscriber close. The gateway runs with
 * `maxQueue: 0` (any waiting event is one too many) and `maxOperationsPerConnection: 2`.
 */
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const ORDER_UPDATED = 'subscription { orderUpdated { id } }';

describe('graphql-ws adapter', () => {
  let stack: TestStack;
  let owner: string;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis', subscriptions: { maxQueue: 0, maxOperationsPerConnection: 2 } });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  it('execute: runs a query over the socket as the principal of connection_init, then completes', async () => {
    const probe = subscribe(stack.wsClient(owner), '{ me { email } tenant { slug } }');
    expect(await probe.waitFor(1)).toEqual([{ data: { me: { email: 'owner@acme.test' }, tenant: { slug: 'acme' } } }]);
    expect(await probe.ended).toBe('complete');
  });

  it('execute: answers a failed mutation over the socket with its GraphQL error and code, and the connection stays usable', async () => {
    const client = stack.wsClient(owner);
    const failed = subscribe(
      client,
      'mutation { updateOrderStatus(id: "00000000-0000-4000-8000-00000000dead", status: CONFIRMED) { id } }',
    );
    const [message] = (await failed.waitFor(1)) as unknown as Array<{
      data: unknown;
      errors: Array<{ message: string; extensions: { code: string } }>;
    }>;
    expect(message!.data).toBeNull();
    expect(message!.errors[0]!.extensions.code).toBe('NOT_FOUND');
    expect(JSON.stringify(message)).not.toMatch(/stack|localhost|127\.0\.0\.1/);
    const next = subscribe(client, '{ me { email } }');
    expect(await next.waitFor(1)).toEqual([{ data: { me: { email: 'owner@acme.test' } } }]);
  });

  it("connect: closes with 4400 when a platform admin's x-tenant-id is not a tenant id", async () => {
    const admin = await stack.token({ tenant: 'platform', user: 'admin@platform.test' });
    const probe = subscribe(stack.wsClient(admin, { 'x-tenant-id': 'not-a-uuid' }), ORDER_UPDATED);
    expect(await probe.ended).toMatchObject({ code: 4400 });
    expect(probe.messages).toHaveLength(0);
  });

  it('subscribe: refuses an operation beyond maxOperationsPerConnection on one connection with BAD_REQUEST', async () => {
    const client = stack.wsClient(owner);
    const running = [subscribe(client, ORDER_UPDATED), subscribe(client, ORDER_UPDATED)];
    await stack.waitForLiveSubscriptions(2);
    const refused = subscribe(client, ORDER_UPDATED);
    const errors = (await refused.ended) as Array<{ message: string; extensions: { code: string } }>;
    expect(errors).toEqual([{ message: 'At most 2 operations may run on one connection.', extensions: { code: 'BAD_REQUEST' } }]);
    for (const probe of running) probe.unsubscribe();
    await stack.waitForLiveSubscriptions(0);
  });

  it('live subscription: closes the connection with 4429 when the subscriber falls more than maxQueue events behind', async () => {
    const probe = subscribe(stack.wsClient(owner), ORDER_UPDATED);
    await stack.waitForLiveSubscriptions(1);
    const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0016'");
    await stack.placeOrder(owner, p!.id);
    expect(await probe.ended).toMatchObject({ code: 4429, reason: 'Subscriber too slow' });
    await stack.waitForLiveSubscriptions(0);
  });
});
