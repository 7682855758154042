/**
 * Introspection the way graphql-js answers it. `@apollo/gateway` builds every operation, introspection
 * included, on `@apollo/federation-internals`' own model of the schema, which lacks introspection
 * fields newer graphql-js versions have (`__Type.isOneOf`, asked by graphql-js's
 * `getIntrospectionQuery({ oneOf: true })`), so such a query passed validation and then failed
 * inside the gateway as an internal error (HTTP 500).
 *
 * This Apollo Server plugin answers an operation whose root selects only introspection fields
 * (`__schema`, `__type`, `__typename`) itself, after Apollo's validation (so a field that does not
 * exist is still `GRAPHQL_VALIDATION_FAILED`, HTTP 400, and any rule that turns introspection off
 * still applies), by executing it with graphql-js against the gateway's API schema: every option
 * of `getIntrospectionQuery` works, over HTTP, WebSocket and SSE alike (they share the pipeline).
 * An operation that mixes data fields with an introspection field the gateway cannot build is
 * refused with `GRAPHQL_VALIDATION_FAILED` (HTTP 400) instead of failing.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  execute,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Introspection fields graphql-js answers that `@apollo/federation-internals` cannot build. */
export const UNPLANNABLE_INTROSPECTION_FIELDS: ReadonlySet<string> = new Set(['isOneOf']);

const ROOT_INTROSPECTION = new Set(['__schema', '__type', '__typename']);

/** Names of the root fields `selectionSet` selects, through fragments. */
function rootFieldNames(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): string[] {
  return selectionSet.selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return [s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(s.selectionSet, fragments, seen);
    const fragment = fragments.get(s.name.value);
    if (!fragment || seen.has(s.name.value)) return [];
    seen.add(s.name.value);
    return rootFieldNames(fragment.selectionSet, fragments, seen);
  });
}

/** True when the document selects a field in {@link UNPLANNABLE_INTROSPECTION_FIELDS} anywhere. */
function selectsUnplannableField(definitions: readonly { kind: string }[]): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set &&
    set.selections.some((s) =>
      s.kind === Kind.FIELD
        ? UNPLANNABLE_INTROSPECTION_FIELDS.has(s.name.value) || visit(s.selectionSet)
        : s.kind === Kind.INLINE_FRAGMENT && visit(s.selectionSet),
    );
  return definitions.some((d) => 'selectionSet' in d && visit((d as OperationDefinitionNode | FragmentDefinitionNode).selectionSet));
}

/** The plugin; `getSchema` returns the gateway's current API schema. */
export function introspectionPlugin<TContext extends BaseContext>(
  getSchema: () => GraphQLSchema | undefined,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let introspectionOnly = false;
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          const fragments = new Map(
            document.definitions
              .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
              .map((d) => [d.name.value, d]),
          );
          const roots = rootFieldNames(operation.selectionSet, fragments);
          introspectionOnly = operation.operation === 'query' && roots.length > 0 && roots.every((n) => ROOT_INTROSPECTION.has(n));
          if (!introspectionOnly && selectsUnplannableField(document.definitions)) {
            const fields = [...UNPLANNABLE_INTROSPECTION_FIELDS].join(', ');
            throw new GraphQLError(
              `Introspection fields ${fields} are answered only in operations that select nothing but introspection.`,
              {
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
              },
            );
          }
        },
        async responseForOperation(requestContext: GraphQLRequestContext<TContext>) {
          const schema = getSchema();
          if (!introspectionOnly || !schema || !requestContext.document) return null;
          const result = await execute({
            schema,
            document: requestContext.document,
            operationName: requestContext.request.operationName,
            variableValues: requestContext.request.variables,
          });
          return {
            http: requestContext.response.http,
            body: {
              kind: 'single',
              singleResult: { data: result.data, ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) },
            },
          };
        },
      };
    },
  };
}
