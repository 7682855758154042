/**
 * Bounded label values for the metrics whose natural label is client-controlled: operation names
 * (any string a client sends) and tenants (as many as there are customers). Each label set stays
 * bounded whatever clients send, so a Prometheus server cannot be flooded with series.
 */

/** Label of operations that are unnamed, malformed, not allow-listed, or beyond the cap. */
export const OTHER_OPERATION = '(other)';
/** Label of tenants that are not on the allow-list (and of requests without a tenant). */
export const OTHER_TENANT = '(other)';

/** How operation names become labels. */
export interface OperationLabelOptions {
  /** Names that get a label of their own; when set, every other name is {@link OTHER_OPERATION}. */
  allowList?: readonly string[];
  /** Without an allow-list: the first this many distinct valid names get a label (default 100). */
  maxNames?: number;
}

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** Maps operation names to a bounded set of labels (see module doc). */
export class OperationLabels {
  private readonly allowed?: ReadonlySet<string>;
  private readonly seen = new Set<string>();
  private readonly maxNames: number;

  constructor(options: OperationLabelOptions = {}) {
    this.allowed = options.allowList?.length ? new Set(options.allowList) : undefined;
    this.maxNames = options.maxNames ?? 100;
  }

  /** The label of operation `name` (undefined or empty: unnamed). */
  label(name: string | undefined | null): string {
    if (!name || !GRAPHQL_NAME.test(name)) return OTHER_OPERATION;
    if (this.allowed) return this.allowed.has(name) ? name : OTHER_OPERATION;
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.maxNames) return OTHER_OPERATION;
    this.seen.add(name);
    return name;
  }
}

/** Maps tenant ids to labels: the allow-listed ones keep their id, every other is {@link OTHER_TENANT}. */
export class TenantLabels {
  private readonly allowed: ReadonlySet<string>;

  /** @param allowList tenant ids (UUIDs) that get a label of their own (`METRICS_TENANTS`). */
  constructor(allowList: readonly string[] = []) {
    this.allowed = new Set(allowList.map((t) => t.toLowerCase()));
  }

  label(tenantId: string | undefined): string {
    return tenantId && this.allowed.has(tenantId.toLowerCase()) ? tenantId.toLowerCase() : OTHER_TENANT;
  }
}

/** An `extensions.code` as a label: codes are SCREAMING_SNAKE_CASE words; anything else is `OTHER`. */
export function errorCodeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,47}$/.test(code) ? code : 'OTHER';
}
