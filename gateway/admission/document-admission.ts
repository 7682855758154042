/**
 * Steps 2 and 3 of the admission pipeline, per document: parse within the character and token
 * limits, then validate with graphql-js's standard rules plus the document limits (limit-rules.ts).
 * Both are pure functions of the document's text and the schema, so their outcome (the document, or
 * the rejection) is kept in an LRU cache per schema: a document is parsed and validated once, and a
 * repeated attack is refused from the cache.
 */
import { LRUCache } from 'lru-cache';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { admissionError, limitExceeded } from './admission-error';
import { limitRules } from './limit-rules';
import type { OperationLimits } from './operation-limits';

/** A document that parsed and validated, or the errors that refused it (each with `extensions.code`, HTTP 400). */
/** A valid document, or the errors refusing it (with the parsed document when only validation failed). */
export type DocumentOutcome = { document: DocumentNode; errors?: undefined } | { document?: DocumentNode; errors: readonly GraphQLError[] };

/** Options of {@link DocumentAdmission}. */
export interface DocumentAdmissionOptions {
  limits: OperationLimits;
  /** Drop "Did you mean ...?" suggestions from validation errors (production). */
  hideSchemaDetails: boolean;
  /** Characters of document text kept in the cache (default 20 million, about 40 MB). */
  cacheCharacters?: number;
}

/**
 * Most validation errors reported for one document (graphql-js `maxErrors`; then "Too many
 * validation errors, error limit reached"): a document cannot make the gateway build and send one
 * error per repeated mistake (graphql-cop's directive overloading: one error per unknown `@aa`).
 */
export const MAX_VALIDATION_ERRORS = 5;

// graphql-js 16 says "more that N tokens".
const TOO_MANY_TOKENS = /Document contains more tha[nt] (\d+) tokens/;

/** See the module doc. */
export class DocumentAdmission {
  private readonly rules: readonly ValidationRule[];
  private readonly caches = new WeakMap<GraphQLSchema, LRUCache<string, DocumentOutcome>>();

  constructor(private readonly options: DocumentAdmissionOptions) {
    this.rules = [...specifiedRules, ...limitRules(options.limits)];
  }

  /**
   * Parses and validates `query` against `schema` (cached). Rejections: `MAX_CHARACTERS_LIMIT`,
   * `MAX_TOKENS_LIMIT`, `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, and the limit codes of
   * limit-rules.ts; all HTTP 400.
   */
  admit(schema: GraphQLSchema, query: string): DocumentOutcome {
    const { limits } = this.options;
    if (query.length > limits.maxCharacters) {
      return { errors: [limitExceeded('characters', limits.maxCharacters, query.length, 'characters')] };
    }
    let cache = this.caches.get(schema);
    if (!cache) {
      cache = new LRUCache({ maxSize: this.options.cacheCharacters ?? 20_000_000, sizeCalculation: (_v, key) => Math.max(1, key.length) });
      this.caches.set(schema, cache);
    }
    const hit = cache.get(query);
    if (hit) return hit;
    const outcome = this.parseAndValidate(schema, query);
    cache.set(query, outcome);
    return outcome;
  }

  private parseAndValidate(schema: GraphQLSchema, query: string): DocumentOutcome {
    const { limits } = this.options;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: limits.maxTokens });
    } catch (err) {
      const message = (err as Error).message;
      if (TOO_MANY_TOKENS.test(message)) {
        return { errors: [limitExceeded('tokens', limits.maxTokens, limits.maxTokens + 1, 'tokens (or more)')] };
      }
      const e = err instanceof GraphQLError ? err : undefined;
      return {
        errors: [
          new GraphQLError(message, {
            ...(e ? { source: e.source, positions: e.positions } : {}),
            extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
          }),
        ],
      };
    }
    const errors = validate(schema, document, this.rules, { maxErrors: MAX_VALIDATION_ERRORS });
    if (errors.length === 0) return { document };
    return {
      document,
      errors: errors.map((e) => {
        if (typeof e.extensions.code === 'string') return e;
        const message = this.options.hideSchemaDetails ? e.message.replace(/ Did you mean(.+)\?$/, '') : e.message;
        const refused = admissionError('GRAPHQL_VALIDATION_FAILED', message);
        return new GraphQLError(refused.message, { nodes: e.nodes, extensions: refused.extensions });
      }),
    };
  }
}
