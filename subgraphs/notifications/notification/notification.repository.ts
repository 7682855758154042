/**
 * Notification persistence. The only notifications code that touches the database; every query
 * runs on the repository's tenant scope (the request's tenant, or the event's for the order-event
 * consumer) and also filters on its tenant, so another tenant's notification is simply not found.
 */
import type { Prisma } from '../../../lib/db/prisma-client';
import type { TenantScope } from '../../../lib/db/tenant-scope';
import type { NotificationModel } from '../../../generated/prisma/models';
import { fetchSize, keysetOrderBy, keysetWhere, type PageRequest } from '../../shared/pagination';

/** A notification row; `readAt` null while unread, `orderId` null when about no order. */
export type NotificationRow = NotificationModel;

/** A notification made from a domain event (all ids UUIDs). */
export interface NewEventNotification {
  id: string;
  /** Id of the source event; unique per tenant, so a redelivered event inserts nothing. */
  sourceEventId: string;
  orderId: string | null;
  title: string;
  body: string;
}

/** See module doc. */
export class NotificationRepository {
  constructor(private readonly scope: TenantScope) {}

  /** The tenant's notifications with the given ids, in no particular order (one query). Callers pass only UUIDs. */
  findByIds(ids: readonly string[]): Promise<NotificationRow[]> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.notification.findMany({ where: { tenantId, id: { in: [...ids] } } }));
  }

  /** One page of the tenant's notifications, newest first, optionally only unread ones (`take + 1` rows in read order; one query). */
  findPage(page: PageRequest<'createdAt'>, unreadOnly: boolean): Promise<NotificationRow[]> {
    const where: Prisma.NotificationWhereInput = {
      tenantId: this.scope.tenantId,
      ...(unreadOnly ? { readAt: null } : {}),
      ...keysetWhere(page),
    };
    return this.scope.run((db) => db.notification.findMany({ where, orderBy: keysetOrderBy(page), take: fetchSize(page) }));
  }

  /** Number of the tenant's notifications, or only unread ones (one query). */
  count(unreadOnly: boolean): Promise<number> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.notification.count({ where: { tenantId, ...(unreadOnly ? { readAt: null } : {}) } }));
  }

  /** Number of the tenant's unread notifications (`read_at IS NULL`). */
  countUnread(): Promise<number> {
    const tenantId = this.scope.tenantId;
    return this.scope.run((db) => db.notification.count({ where: { tenantId, readAt: null } }));
  }

  /**
   * Sets `read_at = now()` on the tenant's notification if it is still unread (a read one keeps its
   * time) and reads it back, atomically; undefined when the tenant has none with `id`.
   */
  markRead(id: string): Promise<NotificationRow | undefined> {
    const tenantId = this.scope.tenantId;
    return this.scope.transaction((uow) =>
      uow.run(async (db) => {
        await db.$executeRaw`
          UPDATE notifications SET read_at = now()
          WHERE tenant_id = ${tenantId}::uuid AND id = ${id}::uuid AND read_at IS NULL`;
        return (await db.notification.findFirst({ where: { tenantId, id } })) ?? undefined;
      }),
    );
  }

  /**
   * Inserts `data` unless the tenant already has a notification from the same source event
   * (`INSERT ... ON CONFLICT DO NOTHING`); true when it was inserted, false for a duplicate event.
   */
  async insertFromEvent(data: NewEventNotification): Promise<boolean> {
    const tenantId = this.scope.tenantId;
    const inserted = await this.scope.run(
      (db) => db.$queryRaw<{ id: string }[]>`
        INSERT INTO notifications (id, tenant_id, title, body, order_id, source_event_id)
        VALUES (${data.id}::uuid, ${tenantId}::uuid, ${data.title}, ${data.body}, ${data.orderId}::uuid, ${data.sourceEventId}::uuid)
        ON CONFLICT (tenant_id, source_event_id) DO NOTHING
        RETURNING id::text AS id`,
    );
    return inserted.length > 0;
  }
}
