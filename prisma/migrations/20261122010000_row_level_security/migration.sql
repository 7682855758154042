-- Row-level security (README, "Security"): the second layer of tenant isolation, under the
-- repositories' own `tenant_id` filters.
--
-- * The services connect as `supergraph_app`: not the owner of any table, not a superuser, no
--   BYPASSRLS. Migrations and seeding keep using the owner (DATABASE_URL).
-- * Every tenant-owned table has RLS enabled and FORCEd, with policies on the transaction-local
--   setting `app.tenant_id` (`set_config('app.tenant_id', <uuid>, true)`, lib/db/tenant-scope.ts).
--   An unset or empty setting matches no row: the services see nothing without a tenant.
-- * The outbox relay reads every tenant's unpublished rows: it sets `app.outbox_relay = 'on'` in its
--   own transaction. Outbox rows hold ids and display facts only (order number and status,
--   notification title), which is the data this exception exposes to the relay's transaction.
-- * Creating a tenant (`createTenant`, `platform:admin` only) sets `app.platform_admin = 'on'` in
--   its transaction, which allows INSERT into `tenants` and nothing else.
--
-- The role is created here when missing so `npm start` and the tests work out of the box; in
-- production the operators create it (and rotate its password) before migrating:
--   CREATE ROLE supergraph_app LOGIN PASSWORD '<secret>' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supergraph_app') THEN
    CREATE ROLE supergraph_app LOGIN PASSWORD 'supergraph_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
EXCEPTION
  -- Another database of the same cluster created it concurrently.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO supergraph_app;
GRANT SELECT, INSERT, UPDATE ON "tenants", "users", "products", "order_counters", "orders", "order_lines", "notifications", "outbox" TO supergraph_app;
GRANT USAGE, SELECT ON SEQUENCE "outbox_seq_seq" TO supergraph_app;

ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenants_isolation" ON "tenants"
  USING ("id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY "tenants_platform_admin_insert" ON "tenants" FOR INSERT
  WITH CHECK (current_setting('app.platform_admin', true) = 'on');

ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;
CREATE POLICY "users_isolation" ON "users"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "products" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "products" FORCE ROW LEVEL SECURITY;
CREATE POLICY "products_isolation" ON "products"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "order_counters" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "order_counters" FORCE ROW LEVEL SECURITY;
CREATE POLICY "order_counters_isolation" ON "order_counters"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "orders" FORCE ROW LEVEL SECURITY;
CREATE POLICY "orders_isolation" ON "orders"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "order_lines" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "order_lines" FORCE ROW LEVEL SECURITY;
CREATE POLICY "order_lines_isolation" ON "order_lines"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "notifications" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "notifications" FORCE ROW LEVEL SECURITY;
CREATE POLICY "notifications_isolation" ON "notifications"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE "outbox" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "outbox" FORCE ROW LEVEL SECURITY;
CREATE POLICY "outbox_isolation" ON "outbox"
  USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY "outbox_relay_select" ON "outbox" FOR SELECT
  USING (current_setting('app.outbox_relay', true) = 'on');
CREATE POLICY "outbox_relay_update" ON "outbox" FOR UPDATE
  USING (current_setting('app.outbox_relay', true) = 'on')
  WITH CHECK (current_setting('app.outbox_relay', true) = 'on');
