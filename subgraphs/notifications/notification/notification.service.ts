/**
 * Notification rules: listing and reading the tenant's notifications (any authenticated user of the
 * tenant), and turning order events into notifications (the order-event consumer).
 */
import { randomUUID } from 'node:crypto';
import { notFound } from '../../../lib/errors';
import type { DomainEvent } from '../../../lib/events/domain-event';
import { NEWEST_FIRST, pageRequest, toConnection, type Connection, type PageArgs } from '../../shared/pagination';
import { isUuid } from '../../shared/validation';
import { notificationById } from './notification.loaders';
import type { NotificationsContext, NotificationsTenantContext } from '../notifications.context';
import type { NewEventNotification, NotificationRow } from './notification.repository';

/** A page of notifications plus the tenant's unread count (whatever the page). */
export interface NotificationConnection extends Connection<NotificationRow> {
  unreadCount: number;
}

/** The tenant's notification with `id`, or null (also for malformed ids and other tenants' notifications). */
export async function getNotification(ctx: NotificationsContext, id: string): Promise<NotificationRow | null> {
  if (!isUuid(id)) return null;
  return notificationById(ctx).load(id);
}

/**
 * A page of the tenant's notifications (Relay connection with `totalCount`), newest first
 * (`createdAt DESC, id DESC`); with `unreadOnly` only unread ones. `unreadCount` counts all of the
 * tenant's unread notifications.
 * @throws GraphQLError `BAD_USER_INPUT` for page sizes outside 1..100, mixed directions or a malformed cursor.
 */
export async function listNotifications(
  ctx: NotificationsContext,
  args: PageArgs & { unreadOnly?: boolean | null } = {},
): Promise<NotificationConnection> {
  const page = pageRequest(args, NEWEST_FIRST);
  const unreadOnly = args.unreadOnly ?? false;
  const { notifications } = ctx.repositories;
  const [rows, unreadCount] = await Promise.all([notifications.findPage(page, unreadOnly), notifications.countUnread()]);
  return { ...toConnection(rows, page, () => (unreadOnly ? Promise.resolve(unreadCount) : notifications.count(false))), unreadCount };
}

/**
 * Marks the tenant's notification as read (`readAt = now()` the first time; again changes nothing).
 * @throws GraphQLError `NOT_FOUND` for an unknown id, another tenant's notification or a non-UUID id.
 */
export async function markNotificationRead(ctx: NotificationsContext, id: string): Promise<NotificationRow> {
  if (!isUuid(id)) throw notFound('Notification', id);
  const row = await ctx.repositories.notifications.markRead(id);
  if (!row) throw notFound('Notification', id);
  notificationById(ctx).clear(id).prime(id, row);
  return row;
}

/** What {@link handleOrderEvent} did with an event. */
export type OrderEventOutcome = 'created' | 'duplicate' | 'ignored';

/** Title and body of the notification for an order event, or undefined for other event types. */
function describeOrderEvent(event: DomainEvent): { title: string; body: string } | undefined {
  const number = event.data.number ?? event.subjectId;
  const status = event.data.status ?? '';
  if (event.type === 'order.placed') {
    return { title: `Order ${number} placed`, body: `Order ${number} is now ${status}.` };
  }
  if (event.type === 'order.status_changed') {
    const previous = event.data.previousStatus;
    return {
      title: `Order ${number} ${status.toLowerCase()}`,
      body: previous ? `Order ${number} moved from ${previous} to ${status}.` : `Order ${number} is now ${status}.`,
    };
  }
  return undefined;
}

/**
 * Turns an order event into a notification of the context's tenant (the event's: the consumer built
 * the context from `event.tenantId`), about order `event.subjectId`, with a `notification.created`
 * outbox event in the same unit of work; the relay is woken after the commit.
 *
 * Handles `order.placed` (`data: { number, status }`) and `order.status_changed`
 * (`data: { number, status, previousStatus }`). Other types, and events whose ids are not UUIDs, are
 * `ignored`. A redelivered event (same `event.id`) creates nothing: `duplicate`.
 * @throws database errors (the consumer leaves the entry pending and retries it).
 */
export async function handleOrderEvent(ctx: NotificationsTenantContext, event: DomainEvent): Promise<OrderEventOutcome> {
  const text = describeOrderEvent(event);
  if (!text || !isUuid(event.id) || event.tenantId.toLowerCase() !== ctx.db.tenantId) return 'ignored';
  const data: NewEventNotification = {
    id: randomUUID(),
    sourceEventId: event.id,
    orderId: isUuid(event.subjectId) ? event.subjectId : null,
    title: text.title.slice(0, 200),
    body: text.body.slice(0, 2000),
  };
  return ctx.transaction(async ({ notifications }, uow) => {
    if (!(await notifications.insertFromEvent(data))) return 'duplicate';
    await ctx.outbox.append(uow, { topic: 'notifications', type: 'notification.created', subjectId: data.id, data: { title: data.title } });
    return 'created';
  });
}
