/**
 * The admission pipeline: every operation, whatever its transport (HTTP, graphql-ws, and any other
 * transport built on gateway/subscriptions/subscription-plan.ts), passes these steps, in this order,
 * before `@apollo/gateway` plans anything:
 *
 * 1. authenticate (done by the transport, gateway/auth/principal.ts: the principal comes in);
 * 2. resolve the document: trusted documents by id, automatic persisted queries, or the text
 *    (trusted-documents.ts);
 * 3. parse within the character and token limits, validate with the standard rules plus depth,
 *    aliases, root fields and directives (document-admission.ts, cached per document);
 * 4. per request: pick the operation, introspection rights (`schema:read` where introspection is
 *    off), NUL characters in string input (operation-checks.ts);
 * 5. static cost (operation-cost.ts) against the per-operation ceiling;
 * 6. the tenant's and the user's budgets over time (request-budgets.ts, sized by the tenant's plan);
 * 7. bounded planning: a document the gateway has no query plan for is planned in a worker thread
 *    with a deadline (gateway/planning/query-planning.ts), so planning never stalls the event loop.
 *
 * A tenant or user whose budget was spent is refused again before step 2 until its `Retry-After`
 * passed (request-budgets.ts), so a flood is refused without parsing.
 *
 * A refusal is a list of GraphQLErrors with a documented `extensions.code` and `extensions.http`
 * (400, or 429 with `Retry-After` for spent budgets); nothing was planned, fetched or written.
 */
import { annotateOperation } from '../../lib/observability/operation-observer.plugin';
import { getOperationAST, type DocumentNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../../lib/principal';
import type { QueryPlanning } from '../planning/query-planning';
import { admissionError, limitExceeded } from './admission-error';
import type { CostModel } from './cost-model';
import type { DocumentAdmission } from './document-admission';
import { introspectionDisabled, nulCharacterError, usesIntrospection } from './operation-checks';
import { operationCost, type CostOptions } from './operation-cost';
import type { RequestBudgets } from './request-budgets';
import type { TenantPlans } from './tenant-plans';
import type { DocumentRequest, TrustedDocuments } from './trusted-documents';

/** Scope that allows introspection where it is off for everyone else. */
export const SCHEMA_READ_SCOPE = 'schema:read';

/** An operation as a transport received it, after authentication. */
export interface AdmissionRequest extends DocumentRequest {
  principal: Principal;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** An operation admitted to run. */
export interface Admitted {
  kind: 'admitted';
  /** The document's text (resolved from an id when the client sent one). */
  query: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  /** Its static cost, charged to the budgets. */
  cost: number;
}

/** An operation refused before anything ran. */
export interface Refused {
  kind: 'refused';
  /** Errors for the client, each with `extensions.code` (and `extensions.http` for HTTP). */
  errors: readonly GraphQLError[];
}

/** Dependencies and settings of {@link Admission}. */
export interface AdmissionOptions {
  documents: DocumentAdmission;
  trustedDocuments: TrustedDocuments;
  /** The supergraph's `@cost`/`@listSize` annotations. */
  costModel: CostModel;
  costOptions?: CostOptions;
  /** Highest static cost of one operation. */
  maxCost: number;
  budgets: RequestBudgets;
  plans: TenantPlans;
  /** Introspection for every principal (development); false: only with `schema:read`. */
  introspection: boolean;
  /** Plans new documents off the event loop (absent: the gateway plans them itself). */
  planning?: Pick<QueryPlanning, 'planAhead'>;
}

const refused = (...errors: GraphQLError[]): Refused => ({ kind: 'refused', errors });

/** See the module doc. */
export class Admission {
  /** Costs of operations without variables (their cost is the document's alone), per operation node and schema. */
  private readonly costs = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();

  constructor(private readonly options: AdmissionOptions) {}

  /** {@link operationCost} with this admission's model, remembered for an operation that declares no variables. */
  private costOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
  ): number {
    const { costModel, costOptions } = this.options;
    if (operation.variableDefinitions?.length) return operationCost(schema, costModel, document, operation, variables, costOptions);
    const known = this.costs.get(operation);
    if (known?.schema === schema) return known.cost;
    const cost = operationCost(schema, costModel, document, operation, variables, costOptions);
    this.costs.set(operation, { schema, cost });
    return cost;
  }

  /**
   * Admits `request` against `schema` (the gateway's API schema), or refuses it; a subscription is
   * charged once, when it starts. Never rejects.
   */
  async admit(schema: GraphQLSchema, request: AdmissionRequest): Promise<Admitted | Refused> {
    const { options } = this;
    const blocked = options.budgets.refusal(request.principal);
    if (blocked) return refused(blocked);
    const resolved = await options.trustedDocuments.resolve(request);
    if (resolved.error) return refused(resolved.error);
    const outcome = options.documents.admit(schema, resolved.query);
    if (outcome.document) annotateOperation(outcome.document, request.operationName); // metrics and logs, refused or not
    if (outcome.errors) return refused(...outcome.errors);
    const { document } = outcome;
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (!operation) return refused(admissionError('BAD_REQUEST', 'Unable to identify the operation: name it with operationName.'));
    const { principal } = request;
    if (!options.introspection && !principal.scopes.includes(SCHEMA_READ_SCOPE) && usesIntrospection(document, operation)) {
      return refused(introspectionDisabled());
    }
    const variables = request.variables ?? {};
    const nul = nulCharacterError(document, variables);
    if (nul) return refused(nul);
    const cost = this.costOf(schema, document, operation, variables);
    if (cost > options.maxCost) {
      const error = limitExceeded('cost', options.maxCost, cost, 'points of estimated cost');
      return refused(error);
    }
    const plan = await options.plans.planOf(principal);
    const spent = await options.budgets.charge(principal, plan, cost);
    if (spent) return refused(spent);
    // Subscriptions are not planned as sent: their live query is (subscription-plan.ts, planAhead).
    if (operation.operation !== 'subscription') {
      const slow = await this.planAhead(principal.tenantId, resolved.query, request.operationName);
      if (slow) return refused(slow);
    }
    return { kind: 'admitted', query: resolved.query, document, operation, variables, cost };
  }

  /**
   * Step 7 alone: makes sure the gateway has a plan for `query` without planning on the event loop;
   * resolves with `QUERY_PLANNING_TIMEOUT` or `RATE_LIMITED`, or undefined.
   */
  planAhead(tenantId: string, query: string, operationName?: string | null): Promise<GraphQLError | undefined> {
    return this.options.planning?.planAhead(tenantId, query, operationName) ?? Promise.resolve(undefined);
  }
}
