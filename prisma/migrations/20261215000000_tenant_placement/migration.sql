-- Tenant placement (README, "Scaling out", "Dedicated databases"): a tenant lives in the shared
-- database or in a dedicated PostgreSQL database of its own, named by a key of the configuration
-- (`TENANT_DATABASES`); the URL (and its password) stays in the configuration, never in a table.
-- Every database, shared or dedicated, runs these same migrations: same tables, same app role,
-- same row-level security.
--
-- * `tenants.database`: in the shared database (the directory of tenants), the key of the tenant's
--   dedicated database, or NULL for the shared one. A dedicated database holds a copy of its
--   tenant's row (the foreign keys need it).
-- * `tenant_write_fences`: tenants whose writes this database refuses, while the tenant is being
--   moved (`moving`) or because it now lives in another database (`moved`). A trigger on every
--   tenant-owned table refuses a write of the app role for a fenced tenant with SQLSTATE `SGF01`;
--   the services then look the placement up again and retry (lib/db/tenant-placement.ts). Each
--   guarded write also takes a shared transaction-scoped advisory lock on its tenant, so the move
--   command waits for the tenant's in-flight write transactions by taking that lock exclusively.
--   The owner role (migrations, seeding, the move command) is not fenced; the outbox relay's
--   `published_at` updates are not either (they are not the tenant's writes).

ALTER TABLE "tenants" ADD COLUMN "database" TEXT;

CREATE TABLE "tenant_write_fences" (
    "tenant_id" UUID NOT NULL,
    "reason" TEXT NOT NULL CHECK ("reason" IN ('moving', 'moved')),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "tenant_write_fences_pkey" PRIMARY KEY ("tenant_id")
);

-- 6710638 = 0x66656e ('fen'): first key of the advisory locks (lib/db/write-fence.ts).
CREATE FUNCTION "tenant_write_guard"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  t UUID;
BEGIN
  IF TG_OP = 'DELETE' THEN t := OLD.tenant_id; ELSE t := NEW.tenant_id; END IF;
  IF session_user = 'supergraph_app' AND current_setting('app.outbox_relay', true) IS DISTINCT FROM 'on' THEN
    IF NOT pg_try_advisory_xact_lock_shared(6710638, hashtext(t::text))
       OR EXISTS (SELECT 1 FROM "tenant_write_fences" f WHERE f."tenant_id" = t) THEN
      RAISE EXCEPTION 'tenant writes fenced: tenant % is being moved or lives in another database', t
        USING ERRCODE = 'SGF01';
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "users_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "products_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "products" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "order_counters_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "order_counters" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "orders_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "orders" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "order_lines_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "order_lines" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "notifications_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "notifications" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();
CREATE TRIGGER "outbox_write_guard" BEFORE INSERT OR UPDATE OR DELETE ON "outbox" FOR EACH ROW EXECUTE FUNCTION "tenant_write_guard"();

-- The move command (the owner role) finds a tenant in the directory by its slug before it knows the
-- tenant's id, so the role running the migrations may read the directory (it owns the table and
-- could switch row-level security off anyway); the app role still sees its own tenant's row only.
DO $$
BEGIN
  EXECUTE format('CREATE POLICY "tenants_owner_directory_read" ON "tenants" FOR SELECT TO %I USING (true)', current_user);
END
$$;
