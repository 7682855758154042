/**
 * Notification persistence. The only notifications code that touches the database; every query
 * runs through {@link withTenant} on a tenant (the caller's, or the event's for the order-event
 * consumer, which has no request) and also filters on it, so another tenant's notification is
 * simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import { withTenant, type TenantDb } from '../../../lib/db/tenant-scope';
import type { NotificationModel } from '../../../generated/prisma/models';
import { writeOutboxEvent } from '../../shared/outbox.repository';
import { afterCursorWhere, type CursorPosition } from '../../shared/pagination';

/** A notification row; `readAt` null while unread, `orderId` null when about no order. */
export type NotificationRow = NotificationModel;

/** A notification made from a domain event (all ids UUIDs). */
export interface NewEventNotification {
  id: string;
  tenantId: string;
  /** Id of the source event; unique per tenant, so a redelivered event inserts nothing. */
  sourceEventId: string;
  orderId: string | null;
  title: string;
  body: string;
}

/** See module doc. */
export class NotificationRepository {
  constructor(private readonly db: TenantDb) {}

  /** Notifications of `tenantId` with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(tenantId: string, ids: readonly string[]): Promise<NotificationRow[]> {
    return withTenant(this.db, tenantId, (tx) => tx.notification.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** One page (`take + 1` rows) of the tenant's notifications, newest first, optionally only unread ones. */
  findPage(tenantId: string, take: number, after: CursorPosition | undefined, unreadOnly: boolean): Promise<NotificationRow[]> {
    const where: Prisma.NotificationWhereInput = { tenantId, ...afterCursorWhere(after) };
    if (unreadOnly) where.readAt = null;
    return withTenant(this.db, tenantId, (tx) =>
      tx.notification.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: take + 1 }),
    );
  }

  /** Number of the tenant's unread notifications (`read_at IS NULL`). */
  countUnread(tenantId: string): Promise<number> {
    return withTenant(this.db, tenantId, (tx) => tx.notification.count({ where: { tenantId, readAt: null } }));
  }

  /**
   * Sets `read_at = now()` on the tenant's notification if it is still unread (a read one keeps its
   * time); returns the row, or undefined when the tenant has none with `id`.
   */
  async markRead(tenantId: string, id: string): Promise<NotificationRow | undefined> {
    return withTenant(
      this.db,
      tenantId,
      async (tx) => {
        await tx.$executeRaw`
          UPDATE notifications SET read_at = now()
          WHERE tenant_id = ${tenantId}::uuid AND id = ${id}::uuid AND read_at IS NULL`;
        return (await tx.notification.findFirst({ where: { tenantId, id } })) ?? undefined;
      },
      { transaction: true },
    );
  }

  /**
   * In one transaction: inserts `data` unless the tenant already has a notification from the same
   * source event (`INSERT ... ON CONFLICT DO NOTHING`), and only when it was inserted writes a
   * `notification.created` outbox event (`data: { title }`) on topic `notifications`.
   * @returns true when the notification was created, false for a duplicate event.
   */
  createFromEvent(data: NewEventNotification): Promise<boolean> {
    return withTenant(
      this.db,
      data.tenantId,
      async (tx) => {
        const inserted = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO notifications (id, tenant_id, title, body, order_id, source_event_id)
        VALUES (${data.id}::uuid, ${data.tenantId}::uuid, ${data.title}, ${data.body}, ${data.orderId}::uuid, ${data.sourceEventId}::uuid)
        ON CONFLICT (tenant_id, source_event_id) DO NOTHING
        RETURNING id::text AS id`;
        if (inserted.length === 0) return false;
        await writeOutboxEvent(tx, {
          tenantId: data.tenantId,
          topic: 'notifications',
          type: 'notification.created',
          subjectId: data.id,
          data: { title: data.title },
        });
        return true;
      },
      { transaction: true },
    );
  }
}
