/**
 * The monolith baseline of the federation-tax benchmark: the supergraph's API schema
 * (schema/api-schema.graphql) executed in one process by the four subgraph modules' own resolvers,
 * services and repositories (subgraphs/registry.ts), with no gateway and no subgraph hop.
 *
 * Each field runs the resolver of the subgraph that defines it (its SDL in schema/<name>.graphql,
 * `@key(resolvable: false)` stubs excluded). When a field's owner is not the subgraph the parent
 * object came from, the parent is first resolved into that subgraph's entity through the subgraph's
 * `__resolveReference` with the representation `{ __typename, id }` (every `@key` of this schema is
 * `id`), once per parent object: the step a gateway's `_entities` fetch does, in-process. The
 * reference resolvers batch through each subgraph's DataLoaders, as they do behind the gateway, so
 * SQL statements per request do not grow with list length here either.
 *
 * Each request gets one context per subgraph, built lazily, exactly as the subgraph server builds
 * it from a gateway credential (subgraphs/shared/subgraph-server.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isObjectType,
  isScalarType,
  parse,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph';
import type { TenantDatabase } from '../../lib/db/tenant-database';
import type { EventLog } from '../../lib/events/event-log';
import type { Logger } from '../../lib/logger';
import type { Principal } from '../../lib/principal';
import { readSubgraphSdl, SUBGRAPHS, type SubgraphName } from '../../lib/schema/subgraphs';
import { SUBGRAPH_FACTORIES } from '../../subgraphs/registry';
import { createTenantContext, type SubgraphContext } from '../../subgraphs/shared/context';
import { OutboxRepository } from '../../subgraphs/shared/outbox.repository';
import type { SubgraphModule } from '../../subgraphs/shared/subgraph-module';

/** The per-request context of the monolith: the principal and one subgraph context per subgraph, built on first use. */
export interface MonolithContext {
  principal: Principal;
  subgraph(name: SubgraphName): SubgraphContext;
}

type AnyResolver = GraphQLFieldResolver<unknown, SubgraphContext>;
type ReferenceResolver = (reference: object, context: SubgraphContext, info: GraphQLResolveInfo) => unknown;

/** The subgraph each object value came from (absent: a root value). */
const origin = new WeakMap<object, SubgraphName>();
/** Entities resolved from a parent in another subgraph, by parent and subgraph. */
const resolvedFrom = new WeakMap<object, Map<SubgraphName, Promise<unknown>>>();

function tag(value: unknown, subgraph: SubgraphName): unknown {
  if (Array.isArray(value)) for (const v of value) tag(v, subgraph);
  else if (value !== null && typeof value === 'object' && !origin.has(value)) origin.set(value, subgraph);
  return value;
}

/** Fields each subgraph defines on each object type (resolvable ones only). */
function ownership(): Map<string, Map<string, SubgraphName[]>> {
  const owners = new Map<string, Map<string, SubgraphName[]>>();
  for (const { name } of SUBGRAPHS) {
    for (const def of parse(readSubgraphSdl(name)).definitions) {
      if (def.kind !== 'ObjectTypeDefinition' && def.kind !== 'ObjectTypeExtension') continue;
      const node = def as ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
      const stub = node.directives?.some(
        (d) =>
          d.name.value === 'key' &&
          d.arguments?.some((a) => a.name.value === 'resolvable' && a.value.kind === 'BooleanValue' && !a.value.value),
      );
      if (stub) continue;
      const byField = owners.get(node.name.value) ?? new Map<string, SubgraphName[]>();
      owners.set(node.name.value, byField);
      for (const f of node.fields ?? []) byField.set(f.name.value, [...(byField.get(f.name.value) ?? []), name]);
    }
  }
  return owners;
}

/** Everything the subgraph modules need, from the process's infrastructure (apps/infrastructure.ts). */
export interface MonolithDeps {
  database: TenantDatabase;
  eventLog: EventLog;
  logger: Logger;
}

/**
 * The monolith's executable schema and its per-request context factory.
 * @throws Error when the API schema has a field no subgraph defines.
 */
export function buildMonolith(deps: MonolithDeps): { schema: GraphQLSchema; context(principal: Principal): MonolithContext } {
  // Writes would wake no relay here: the benchmark only reads.
  const outbox = new OutboxRepository(() => undefined);
  const modules = Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, SUBGRAPH_FACTORIES[name]({ ...deps, outbox })])) as Record<
    SubgraphName,
    SubgraphModule<unknown>
  >;
  const resolversOf = (name: SubgraphName) => modules[name].resolvers as GraphQLResolverMap<SubgraphContext>;
  const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'api-schema.graphql'), 'utf8'));
  const owners = ownership();
  const isEntity = (name: string) =>
    SUBGRAPHS.some(
      ({ name: subgraph }) =>
        typeof (resolversOf(subgraph)[name] as Record<string, unknown> | undefined)?.__resolveReference === 'function',
    );
  /** Whether values of `type` may need their origin: entities, and abstract types (whose objects may be). */
  const needsOrigin = (type: GraphQLOutputType): boolean => {
    const named = getNamedType(type);
    return isAbstractType(named) || (isObjectType(named) && isEntity(named.name));
  };

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isScalarType(type)) {
      const impl = SUBGRAPHS.map(({ name }) => resolversOf(name)[type.name]).find(Boolean) as typeof type | undefined;
      if (impl) Object.assign(type, { serialize: impl.serialize, parseValue: impl.parseValue, parseLiteral: impl.parseLiteral });
      continue;
    }
    if (!isObjectType(type)) continue;
    const entity = isEntity(type.name);
    for (const field of Object.values(type.getFields())) {
      const subgraphs = owners.get(type.name)?.get(field.name);
      if (!subgraphs?.length) throw new Error(`no subgraph defines ${type.name}.${field.name}`);
      const owner = subgraphs[0]!;
      const own = (resolversOf(owner)[type.name] as Record<string, AnyResolver | { resolve: AnyResolver }> | undefined)?.[field.name];
      const resolve: AnyResolver = own ? (typeof own === 'function' ? own : own.resolve) : defaultFieldResolver;
      // Only values that may later be the parent of another subgraph's field need their origin.
      const tagged = needsOrigin(field.type);
      const result = (value: unknown) => (tagged ? settle(value, owner) : value);
      field.resolve = (parent: unknown, args, ctx: MonolithContext, info) => {
        const context = ctx.subgraph(owner);
        if (!entity || field.name === 'id') return result(resolve(parent, args, context, info));
        const from = parent !== null && typeof parent === 'object' ? origin.get(parent) : undefined;
        if (from === undefined || from === owner) return result(resolve(parent, args, context, info));
        return entityIn(owner, type.name, parent as { id: string }, context, info).then((e) =>
          e == null ? null : result(resolve(e, args, context, info)),
        );
      };
    }
  }

  function entityIn(
    owner: SubgraphName,
    typename: string,
    parent: { id: string },
    context: SubgraphContext,
    info: GraphQLResolveInfo,
  ): Promise<unknown> {
    let byOwner = resolvedFrom.get(parent);
    if (!byOwner) resolvedFrom.set(parent, (byOwner = new Map()));
    let entity = byOwner.get(owner);
    if (!entity) {
      const ref = (resolversOf(owner)[typename] as { __resolveReference: ReferenceResolver }).__resolveReference;
      entity = Promise.resolve(ref({ __typename: typename, id: parent.id }, context, info)).then((e) => tag(e, owner));
      byOwner.set(owner, entity);
    }
    return entity;
  }

  return {
    schema,
    context(principal) {
      const contexts = new Map<SubgraphName, SubgraphContext>();
      return {
        principal,
        subgraph(name) {
          let c = contexts.get(name);
          if (!c) {
            const scope = deps.database.forTenant(principal.tenantId);
            c = { principal, ...createTenantContext(scope, modules[name].repositories, outbox, deps.logger) };
            contexts.set(name, c);
          }
          return c;
        },
      };
    },
  };
}

/** Tags the (possibly promised) value with the subgraph that produced it. */
function settle(value: unknown, subgraph: SubgraphName): unknown {
  return value instanceof Promise ? value.then((v) => tag(v, subgraph)) : tag(value, subgraph);
}
