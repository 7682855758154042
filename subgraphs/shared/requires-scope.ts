/**
 * Authorization declared in the SDL: `directive @requiresScope(scope: String!) on FIELD_DEFINITION`,
 * declared in each subgraph SDL that uses it (schema/<name>.graphql) and placed on guarded fields.
 * The directive is subgraph-local: composition drops it (it is not `@composeDirective`d), so the
 * supergraph stays loadable by `@apollo/gateway`, which refuses `@requiresScopes`/`@authenticated`/
 * `@policy`. Each subgraph enforces it itself, after `buildSubgraphSchema`, by wrapping the resolver
 * of every field that carries it: the field throws `FORBIDDEN` before its resolver runs unless the
 * request's principal (from the gateway credential) holds the scope.
 */
import { defaultFieldResolver, isObjectType, Kind, type GraphQLField, type GraphQLSchema } from 'graphql';
import { domainError } from '../../lib/errors';
import { hasScope, Scope, type ScopeName } from '../../lib/principal';
import type { SubgraphContext } from './context';

/** Name of the directive in the SDL. */
export const REQUIRES_SCOPE_DIRECTIVE = 'requiresScope';

const KNOWN_SCOPES = new Set<string>(Object.values(Scope));

/**
 * The scope `field` requires through `@requiresScope(scope: ...)` on its SDL definition, or undefined.
 * @throws Error when the directive names a scope the README does not define (a typo would otherwise
 *   lock the field for everyone, or silently guard nothing).
 */
export function requiredScope(field: GraphQLField<unknown, unknown>): ScopeName | undefined {
  const directive = field.astNode?.directives?.find((d) => d.name.value === REQUIRES_SCOPE_DIRECTIVE);
  if (!directive) return undefined;
  const arg = directive.arguments?.find((a) => a.name.value === 'scope');
  if (!arg || arg.value.kind !== Kind.STRING || !KNOWN_SCOPES.has(arg.value.value)) {
    throw new Error(`@${REQUIRES_SCOPE_DIRECTIVE} on ${field.name} must name one of ${[...KNOWN_SCOPES].join(', ')}.`);
  }
  return arg.value.value as ScopeName;
}

/**
 * Wraps, in place, the resolver of every object field of `schema` that carries `@requiresScope`;
 * returns the schema and the guarded fields (`Type.field` -> scope) for logs and tests.
 * A guarded field throws GraphQLError `FORBIDDEN` ("The <scope> scope is required.") when
 * `context.principal.scopes` lacks the scope; its resolver (and so any write) never runs.
 */
export function enforceRequiredScopes(schema: GraphQLSchema): { schema: GraphQLSchema; guarded: Map<string, ScopeName> } {
  const guarded = new Map<string, ScopeName>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const scope = requiredScope(field);
      if (!scope) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: SubgraphContext, info) => {
        if (!hasScope(context.principal, scope)) throw domainError('FORBIDDEN', `The ${scope} scope is required.`);
        return resolve(source, args, context, info);
      };
      guarded.set(`${type.name}.${field.name}`, scope);
    }
  }
  return { schema, guarded };
}
