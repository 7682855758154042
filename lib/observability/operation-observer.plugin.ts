/**
 * Apollo Server plugin (gateway and subgraphs) that tells the correlation context
 * (./request-context.ts) what the operation is: its tenant and user once the context is built, its
 * name and type once it resolved (the name as sent when it does not), and the `extensions.code` of
 * every error of the response. The HTTP layer (lib/http/request-observation.ts) turns that into
 * metrics and the access log line when the response is sent.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../principal';
import { annotateRequestContext } from './request-context';

/** See module doc. `principalOf` reads the principal from the server's context. */
export function operationObserverPlugin<TContext extends BaseContext>(
  principalOf: (context: TContext) => Pick<Principal, 'tenantId' | 'userId'> | undefined,
): ApolloServerPlugin<TContext> {
  return {
    async contextCreationDidFail({ error }) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      annotateRequestContext({ errorCodes: [typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR'] });
    },
    async requestDidStart({ contextValue, request }) {
      const principal = principalOf(contextValue);
      annotateRequestContext({
        tenantId: principal?.tenantId,
        userId: principal?.userId,
        operationName: request.operationName ?? undefined,
      });
      return {
        // Before validation: a document that fails validation still has its operation's name and type.
        async validationDidStart({ document }) {
          annotateOperation(document, request.operationName);
        },
        async didResolveOperation({ operation, operationName }) {
          annotateRequestContext({ operationName: operationName ?? '(anonymous)', operationType: operation?.operation });
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (errors?.length)
            annotateRequestContext({ errorCodes: errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')) });
        },
      };
    },
  };
}

/**
 * Tells the correlation context the name and type of the operation of `document` that
 * `operationName` names (or of its only one); nothing when there is no such operation. Also for
 * documents refused before the server runs them (the gateway's admission pipeline).
 */
export function annotateOperation(document: DocumentNode, operationName: string | null | undefined): void {
  const operation = requestedOperation(document, operationName);
  if (operation) annotateRequestContext({ operationName: operation.name?.value ?? '(anonymous)', operationType: operation.operation });
}

/** The operation of `document` that `operationName` names (or its only one). */
function requestedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}
