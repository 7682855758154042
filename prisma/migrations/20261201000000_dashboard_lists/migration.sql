-- The dashboard's lists and header figures, each on an index:
-- products(search:) is ILIKE '%term%' on name or SKU: trigram indexes (pg_trgm is a trusted
-- extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "products_name_trgm_idx" ON "products" USING gin ("name" gin_trgm_ops);
CREATE INDEX "products_sku_trgm_idx" ON "products" USING gin ("sku" gin_trgm_ops);

-- products(orderBy: NAME_ASC | NAME_DESC): keyset on (name, id).
CREATE INDEX "products_tenant_id_name_id_idx" ON "products"("tenant_id", "name", "id");

-- products(lowStockBelow:, orderBy: STOCK_ASC | STOCK_DESC): range and keyset on (stock, id).
CREATE INDEX "products_tenant_id_stock_id_idx" ON "products"("tenant_id", "stock", "id");

-- orderFigures(createdAfter:, createdBefore:): count and sum per status and currency over a
-- created-at range, answered by an index-only scan.
CREATE INDEX "orders_tenant_id_created_at_figures_idx" ON "orders"("tenant_id", "created_at") INCLUDE ("status", "currency", "total_amount");

-- orders(orderBy: OLDEST_FIRST) and orders(statuses:, createdAfter:, createdBefore:) use the existing
-- (tenant_id, created_at DESC, id DESC) and (tenant_id, status, created_at DESC, id DESC) indexes,
-- read backward or per status; notifications(unreadOnly:) uses notifications_tenant_id_unread_idx.
