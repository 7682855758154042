import { randomUUID } from 'node:crypto';
import { DEMO_ORDERS_PER_TENANT } from '../../lib/db/demo-data';
import { findDemoUser } from '../../lib/auth/dev-token';
import { streamKey } from '../../lib/events/domain-event';
import { waitForGroupDrained, waitForOutboxDrained } from '../support/event-waits';
import { waitUntil } from '../support/processes';
import { startTestStack, type TestStack } from '../support/test-stack';

const LIST =
  'query($first: Int, $after: String, $unreadOnly: Boolean) { notifications(first: $first, after: $after, unreadOnly: $unreadOnly) { unreadCount edges { node { id read } } pageInfo { hasNextPage endCursor } } }';
const MARK = 'mutation($id: ID!) { markNotificationRead(id: $id) { id read } }';

interface Page {
  notifications: {
    unreadCount: number;
    edges: Array<{ node: { id: string; read: boolean } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

describe('notifications', () => {
  let stack: TestStack;
  let staff: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'redis' });
    staff = await stack.token({ tenant: 'acme', user: 'staff@acme.test' });
  });
  afterAll(() => stack.stop());

  it('Query.notifications pages newest first and filters unread ones', async () => {
    const all = await stack.gql<Page>(LIST, { first: 100 }, { token: staff });
    expect(all.body.data!.notifications.edges).toHaveLength(DEMO_ORDERS_PER_TENANT);
    const unread = await stack.gql<Page>(LIST, { first: 100, unreadOnly: true }, { token: staff });
    expect(unread.body.data!.notifications.edges.every((e) => !e.node.read)).toBe(true);
    expect(unread.body.data!.notifications.edges).toHaveLength(unread.body.data!.notifications.unreadCount);
    const first = await stack.gql<Page>(LIST, { first: 5 }, { token: staff });
    const second = await stack.gql<Page>(LIST, { first: 5, after: first.body.data!.notifications.pageInfo.endCursor }, { token: staff });
    const ids = [...first.body.data!.notifications.edges, ...second.body.data!.notifications.edges].map((e) => e.node.id);
    expect(ids).toEqual(all.body.data!.notifications.edges.slice(0, 10).map((e) => e.node.id));
  });

  it('Mutation.markNotificationRead marks once and is idempotent for any user of the tenant', async () => {
    const unread = await stack.gql<Page>(LIST, { first: 1, unreadOnly: true }, { token: staff });
    const { id } = unread.body.data!.notifications.edges[0]!.node;
    const before = unread.body.data!.notifications.unreadCount;
    const res = await stack.gql<{ markNotificationRead: { read: boolean } }>(MARK, { id }, { token: staff });
    expect(res.body.data!.markNotificationRead.read).toBe(true);
    const [marked] = await stack.sql<{ read_at: Date }>('SELECT read_at FROM notifications WHERE id = $1', [id]);
    const readAt = marked!.read_at;
    await stack.gql(MARK, { id }, { token: staff });
    expect(await stack.sql('SELECT read_at FROM notifications WHERE id = $1', [id])).toEqual([{ read_at: readAt }]);
    const after = await stack.gql<Page>(LIST, { first: 1, unreadOnly: true }, { token: staff });
    expect(after.body.data!.notifications.unreadCount).toBe(before - 1);
  });

  it.each([
    ['an unknown id', randomUUID()],
    ['a malformed id', 'nope'],
  ])('Mutation.markNotificationRead answers NOT_FOUND to %s', async (_name, id) => {
    const res = await stack.gql(MARK, { id }, { token: staff });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('the order-event consumer creates one notification per event, even when the event is delivered twice', async () => {
    const acme = findDemoUser('acme', 'owner@acme.test');
    const [order] = await stack.sql<{ id: string; number: string }>('SELECT id, number FROM orders WHERE tenant_id = $1 LIMIT 1', [
      acme.tenantId,
    ]);
    const event = {
      id: randomUUID(),
      tenantId: acme.tenantId,
      topic: 'orders' as const,
      type: 'order.status_changed' as const,
      subjectId: order!.id,
      occurredAt: new Date().toISOString(),
      data: { number: order!.number, status: 'SHIPPED', previousStatus: 'CONFIRMED' },
    };
    await stack.eventLog.streams.append(event);
    await stack.eventLog.streams.append(event);
    const notifications = () => stack.sql<{ title: string }>('SELECT title FROM notifications WHERE source_event_id = $1', [event.id]);
    // The row itself first: once, under a full test run, the group's counters (lag 0, nothing pending)
    // read drained while the row was not there yet (cause not found; an event that is never handled
    // still fails here, after 15 s).
    await waitUntil(async () => (await notifications()).length > 0, 'the notification of the event', 15_000);
    await waitForGroupDrained(process.env.TEST_REDIS_URL!, streamKey(acme.tenantId, 'orders'), 'notifications');
    await waitForOutboxDrained((text) => stack.sql(text));
    const rows = await notifications();
    expect(rows).toEqual([{ title: `Order ${order!.number} shipped` }]);
    const announced = await stack.eventLog.streams.read(streamKey(acme.tenantId, 'notifications'), '0');
    expect(announced.filter((e) => e.event.type === 'notification.created')).toHaveLength(1);
  });
});
