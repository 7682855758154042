/**
 * The document limits of the admission pipeline: what an operation may contain before anything
 * plans or runs it. The defaults are far above what a dashboard sends (the dashboard query of
 * scripts/dashboard-query.ts has depth 6, no alias, 5 root fields, no directive, about 150 tokens
 * and 700 characters) and far below what the attacks of a planner stall need (hundreds of aliased
 * root fields). Every value is configurable (lib/config.ts, README "Configuration").
 */

/** Document limits; every count is per operation (fragments counted where they are spread). */
export interface OperationLimits {
  /** Deepest field nesting, fragments flattened into the place they are spread (default 12). */
  maxDepth: number;
  /** Aliased fields (`__typename` aliases included) (default 30). */
  maxAliases: number;
  /** Root fields of a query or subscription (default 20). */
  maxRootFields: number;
  /** Root fields of a mutation (default 5): every one is a write and a query plan of its own. */
  maxMutationRootFields: number;
  /**
   * Fields selected in the operation, nested ones, duplicates and fragments (where spread) included
   * (default 300; the GraphQL IDEs' introspection query selects 220, the dashboard query about 50).
   */
  maxFields: number;
  /** Directives used in the operation (default 20). */
  maxDirectives: number;
  /** Lexical tokens of the document (graphql-js `parse` option `maxTokens`) (default 5,000). */
  maxTokens: number;
  /** Characters of the document (default 50,000). */
  maxCharacters: number;
  /** Highest static cost of one operation (operation-cost.ts) (default 20,000). */
  maxCost: number;
}

/** Defaults of {@link OperationLimits}. */
export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = {
  maxDepth: 12,
  maxAliases: 30,
  maxRootFields: 20,
  maxMutationRootFields: 5,
  maxFields: 300,
  maxDirectives: 20,
  maxTokens: 5_000,
  maxCharacters: 50_000,
  maxCost: 20_000,
};
