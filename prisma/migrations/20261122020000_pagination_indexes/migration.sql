-- Keyset pagination of products and users: WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC
-- (the same shape orders and notifications are already indexed for).
CREATE INDEX "products_tenant_id_created_at_id_idx" ON "products"("tenant_id", "created_at" DESC, "id" DESC);
CREATE INDEX "users_tenant_id_created_at_id_idx" ON "users"("tenant_id", "created_at" DESC, "id" DESC);

-- Unused: product search is ILIKE '%term%' (no btree helps), and the outbox relay reads by seq
-- through "outbox_unpublished_idx".
DROP INDEX "products_tenant_id_name_idx";
DROP INDEX "outbox_tenant_id_created_at_idx";
