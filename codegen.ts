import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: typed resolvers per subgraph (federation-aware: `__resolveReference`,
 * `@key` representations), written to generated/resolvers/<subgraph>.ts on `npm install` and by
 * `npm run generate`. Parent types map to the Prisma models (`mappers`); the context type is the
 * subgraph's own request context (subgraphs/<name>/<name>.context.ts: its repositories on the
 * request's tenant scope).
 */
const prisma = '../prisma/client#';
const common = {
  plugins: ['typescript', 'typescript-resolvers'],
  config: {
    federation: true,
    mapperTypeSuffix: 'Model',
    useIndexSignature: true,
    useTypeImports: true,
    enumsAsTypes: true,
    avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
    scalars: { DateTime: { input: 'string', output: 'Date | string' }, ID: 'string' },
  },
};

const subgraphs: Record<string, Record<string, string>> = {
  tenant: { Tenant: `${prisma}Tenant`, User: `${prisma}User`, Plan: `${prisma}Plan` },
  catalog: { Product: `${prisma}Product` },
  orders: {
    Order: `${prisma}Order`,
    OrderLine: `${prisma}OrderLine`,
    Product: '../../subgraphs/shared/entity-reference#EntityReference',
    User: '../../subgraphs/shared/entity-reference#EntityReference',
  },
  notifications: {
    Notification: `${prisma}Notification`,
    Order: '../../subgraphs/shared/entity-reference#EntityReference',
  },
};

/** Context type exported by each subgraph's `<name>.context.ts`. */
const contextTypes: Record<string, string> = {
  tenant: 'TenantSubgraphContext',
  catalog: 'CatalogContext',
  orders: 'OrdersContext',
  notifications: 'NotificationsContext',
};

const config: CodegenConfig = {
  overwrite: true,
  generates: Object.fromEntries(
    Object.entries(subgraphs).map(([name, mappers]) => [
      `generated/resolvers/${name}.ts`,
      {
        schema: `schema/${name}.graphql`,
        ...common,
        config: { ...common.config, mappers, contextType: `../../subgraphs/${name}/${name}.context#${contextTypes[name]}` },
      },
    ]),
  ),
};

export default config;
