-- Service plans: the size of each tenant's budgets over time, which the gateway charges every
-- operation to (README, "Limits, cost and rate limits"). Plans are reference data shared by all
-- tenants (no tenant_id, no row-level security); the app role may only read them.
CREATE TABLE "plans" (
    "name" TEXT NOT NULL,
    "requests_per_minute" INTEGER NOT NULL CHECK ("requests_per_minute" > 0),
    "cost_per_minute" INTEGER NOT NULL CHECK ("cost_per_minute" > 0),
    CONSTRAINT "plans_pkey" PRIMARY KEY ("name")
);

INSERT INTO "plans" ("name", "requests_per_minute", "cost_per_minute") VALUES
    ('free', 120, 12000),
    ('standard', 600, 60000),
    ('enterprise', 6000, 600000);

ALTER TABLE "tenants" ADD COLUMN "plan" TEXT NOT NULL DEFAULT 'standard' REFERENCES "plans"("name");

GRANT SELECT ON "plans" TO supergraph_app;
