import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: the example dashboard's typed operations (examples/dashboard/src/gql/,
 * client preset) and typed resolvers per subgraph (federation-aware: `__resolveReference`,
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

/** Connections are built by subgraphs/shared/pagination.ts (`totalCount` is a method, called when selected). */
const connection = '../../subgraphs/shared/pagination#AnyConnection';

const subgraphs: Record<string, Record<string, string>> = {
  tenant: { Tenant: `${prisma}Tenant`, User: `${prisma}User`, Plan: `${prisma}Plan`, UserConnection: connection },
  catalog: { Product: `${prisma}Product`, ProductConnection: connection },
  orders: {
    Order: `${prisma}Order`,
    OrderLine: `${prisma}OrderLine`,
    OrderConnection: connection,
    OrderFigures: '../../subgraphs/orders/order/order.repository#OrderFiguresRow',
    Product: '../../subgraphs/shared/entity-reference#EntityReference',
    User: '../../subgraphs/shared/entity-reference#EntityReference',
  },
  notifications: {
    Notification: `${prisma}Notification`,
    NotificationConnection: '../../subgraphs/notifications/notification/notification.service#NotificationConnection',
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
  // An image built without examples/ (the Dockerfile copies only what `npm ci` needs) has no documents.
  ignoreNoDocuments: true,
  generates: {
    ...Object.fromEntries(
      Object.entries(subgraphs).map(([name, mappers]) => [
        `generated/resolvers/${name}.ts`,
        {
          schema: `schema/${name}.graphql`,
          ...common,
          config: { ...common.config, mappers, contextType: `../../subgraphs/${name}/${name}.context#${contextTypes[name]}` },
        },
      ]),
    ),
    // The example dashboard's operations, typed against the supergraph (client preset: `graphql()`).
    'examples/dashboard/src/gql/': {
      schema: 'schema/supergraph.graphql',
      documents: ['examples/dashboard/src/**/*.ts', '!examples/dashboard/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { scalars: { DateTime: 'string' }, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
