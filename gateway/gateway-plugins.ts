/** Apollo Server plugins of the gateway's own transports (graphql-ws, SSE). */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * `@apollo/gateway` cannot execute subscriptions: refuses them over HTTP (`BAD_REQUEST`, HTTP 400)
 * with a pointer to graphql-ws and SSE.
 */
export const subscriptionsOverWebSocket: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === 'subscription') {
          throw new GraphQLError(
            'Subscriptions are served over WebSocket (graphql-ws, graphql-transport-ws protocol) at /graphql, or over SSE (Accept: text/event-stream).',
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        }
      },
    };
  },
};

/** Runs `dispose` when Apollo Server drains (`stop()`): closes what serves besides HTTP (the WebSocket server). */
export function disposeOnDrain(dispose: () => unknown): ApolloServerPlugin<BaseContext> {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          await dispose();
        },
      };
    },
  };
}
