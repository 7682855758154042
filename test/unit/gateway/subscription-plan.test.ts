import type { GraphQLSchema } from 'graphql';
import { streamKey } from '../../../lib/events/domain-event';
import type { CursorStatus } from '../../../lib/events/event-log';
import { createLogger } from '../../../lib/logger';
import type { Principal } from '../../../lib/principal';
import { SUBJECT_VARIABLE } from '../../../gateway/subscriptions/live-query';
import { createAdmission, FALLBACK_PLAN } from '../../../gateway/admission/create-admission';
import type { Admission } from '../../../gateway/admission/admission';
import { readCommittedSupergraph } from '../../../lib/schema/subgraphs';
import { planRequest, type LivePlan, type PlannerOptions, type RejectedPlan } from '../../../gateway/subscriptions/subscription-plan';
import { loadApiSchema } from '../../support/api-schema';

const principal: Principal = { tenantId: '00000000-0000-4000-8000-000000000001', userId: 'u1', scopes: ['orders:write'], requestId: 'r1' };
const ORDERS = streamKey(principal.tenantId, 'orders');

/** A fake of `EventStreams.cursorStatus` that answers `status` and records its calls. */
function cursorStatusFake(status: CursorStatus | Error = 'ok') {
  const calls: Array<[string, string]> = [];
  return {
    calls,
    async cursorStatus(stream: string, cursor: string): Promise<CursorStatus> {
      calls.push([stream, cursor]);
      if (status instanceof Error) throw status;
      return status;
    },
  };
}

describe('planRequest', () => {
  let schema: GraphQLSchema;
  beforeAll(() => {
    schema = loadApiSchema();
  });

  const logger = createLogger('test', 'silent');
  /** The admission pipeline with in-process budgets and the fallback plan (no gateway behind it). */
  const admission = (settings: { maxTokens?: number; hideSchemaDetails?: boolean } = {}): Admission =>
    createAdmission(
      { limits: { maxTokens: settings.maxTokens ?? 10_000 }, planningTimeoutMs: 0 }, // no planning worker here
      {
        supergraphSdl: readCommittedSupergraph(),
        hideSchemaDetails: settings.hideSchemaDetails ?? false,
        execute: async () => ({ data: { tenant: { plan: FALLBACK_PLAN } } }),
        logger,
      },
    ).admission;
  const defaultAdmission = admission();
  const plan = (query: string, variables: Record<string, unknown> = {}, options: Partial<PlannerOptions> = {}, operationName?: string) =>
    planRequest(
      { schema, query, variables, principal, operationName },
      { eventStreams: cursorStatusFake(), logger, admission: defaultAdmission, ...options },
    );
  const rejection = async (...args: Parameters<typeof plan>) => {
    const result = await plan(...args);
    expect(result.kind).toBe('rejected');
    return (result as RejectedPlan).errors.map(
      (e) => ({ message: e.message, ...e.extensions }) as { message: string; code?: unknown; [key: string]: unknown },
    );
  };

  it('plans a query or mutation as an operation, as sent', async () => {
    const query = 'query Me { me { email } } mutation M { markNotificationRead(id: "x") { id } }';
    const result = await plan(query, {}, {}, 'Me');
    expect(result).toMatchObject({ kind: 'operation', query, operationName: 'Me', principal });
  });

  it('plans a live subscription: stream, event types, subject, replay window, live query, used variables, response key', async () => {
    const fake = cursorStatusFake('ok');
    const result = (await plan(
      'subscription S($id: ID, $after: String, $full: Boolean!) { mine: orderUpdated(id: $id, after: $after) { id lines @include(if: $full) { quantity } } }',
      { id: 'o1', after: '5-0', full: true },
      { eventStreams: fake },
    )) as LivePlan;
    expect(result).toMatchObject({
      kind: 'live',
      stream: ORDERS,
      eventTypes: new Set(['order.placed', 'order.status_changed']),
      subjectId: 'o1',
      after: '5-0',
      liveVariables: { full: true },
      responseKey: 'mine',
    });
    expect(result.liveQuery).toContain(`mine: order(id: $${SUBJECT_VARIABLE})`); // @include: not normalized
    expect(fake.calls).toEqual([[ORDERS, '5-0']]);
  });

  it('gives subscribers who differ only in the root arguments the same execution key', async () => {
    const query = 'subscription($id: ID) { orderUpdated(id: $id) { id status } }';
    const [a, b] = (await Promise.all([plan(query, { id: 'o1' }), plan(query, { id: 'o2' })])) as LivePlan[];
    expect(a!.executionKey).toBe(b!.executionKey);
  });

  it('rejects a subscription whose single root field is selected through a fragment, not directly', async () => {
    const expected = { code: 'BAD_USER_INPUT', message: expect.stringContaining('exactly one root field') };
    expect(await rejection('subscription { ...S } fragment S on Subscription { orderUpdated { id } }')).toEqual([expected]);
    expect(await rejection('subscription { ... on Subscription { notificationAdded { id } } }')).toEqual([expected]);
  });

  it('leaves two root fields to validation (GraphQL spec, "Single root field")', async () => {
    expect(await rejection('subscription { orderUpdated { id } notificationAdded { id } }')).toEqual([
      { code: 'GRAPHQL_VALIDATION_FAILED', message: 'Anonymous Subscription must select only one top level field.' },
    ]);
  });

  it('rejects the reserved variable name', async () => {
    expect(await rejection(`subscription($${SUBJECT_VARIABLE}: ID) { orderUpdated(id: $${SUBJECT_VARIABLE}) { id } }`)).toEqual([
      { code: 'BAD_USER_INPUT', message: `The variable name $${SUBJECT_VARIABLE} is reserved.` },
    ]);
  });

  it('rejects variables that do not coerce with BAD_USER_INPUT', async () => {
    const query = 'subscription($id: ID, $after: String!) { orderUpdated(id: $id, after: $after) { id } }';
    const errors = await rejection(query, { id: { not: 'an id' } });
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e.code).toBe('BAD_USER_INPUT');
    expect(errors.map((e) => e.message).join('\n')).toMatch(/\$id[\s\S]*\$after/);
  });

  it('rejects a malformed cursor with BAD_USER_INPUT on after, without reading the stream', async () => {
    const fake = cursorStatusFake();
    for (const after of ['yesterday', '1-2-3', '18446744073709551616-0']) {
      expect(
        await rejection('subscription($after: String) { orderUpdated(after: $after) { id } }', { after }, { eventStreams: fake }),
      ).toEqual([{ code: 'BAD_USER_INPUT', field: 'after', message: 'after: the cursor is malformed.' }]);
    }
    expect(fake.calls).toEqual([]);
  });

  it('answers CURSOR_EXPIRED on after, with distinct messages, for an expired and for an ahead cursor', async () => {
    const query = 'subscription { notificationAdded(after: "7-1") { id } }';
    const expired = await rejection(query, {}, { eventStreams: cursorStatusFake('expired') });
    const ahead = await rejection(query, {}, { eventStreams: cursorStatusFake('ahead') });
    expect(expired).toEqual([{ code: 'CURSOR_EXPIRED', field: 'after', message: expect.stringContaining('older than the retained') }]);
    expect(ahead).toEqual([{ code: 'CURSOR_EXPIRED', field: 'after', message: expect.stringContaining('newer than any event') }]);
  });

  it('answers SERVICE_UNAVAILABLE, without the cause, when the cursor cannot be checked or the check does not answer', async () => {
    const expected = [{ code: 'SERVICE_UNAVAILABLE', message: 'The event stream is unreachable; retry later.' }];
    const query = 'subscription { orderUpdated(after: "1-0") { id } }';
    expect(await rejection(query, {}, { eventStreams: cursorStatusFake(new Error('ECONNREFUSED redis:6379')) })).toEqual(expected);
    const silent = { cursorStatus: () => new Promise<never>(() => undefined) };
    expect(await rejection(query, {}, { eventStreams: silent, streamTimeoutMs: 50 })).toEqual(expected);
  });

  it('rejects syntax errors with GRAPHQL_PARSE_FAILED and documents over the token limit with MAX_TOKENS_LIMIT', async () => {
    expect((await rejection('subscription { orderUpdated { id }'))[0]).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED' });
    const limited = admission({ maxTokens: 5 });
    expect((await rejection('subscription { orderUpdated { id status number } }', {}, { admission: limited }))[0]).toMatchObject({
      code: 'MAX_TOKENS_LIMIT',
      limit: 5,
    });
  });

  it('rejects an invalid document with GRAPHQL_VALIDATION_FAILED, without "Did you mean" when schema details are hidden', async () => {
    const query = 'subscription { orderUpdated { statu } }';
    const [shown] = await rejection(query);
    const [hidden] = await rejection(query, {}, { admission: admission({ hideSchemaDetails: true }) });
    expect(shown).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', message: expect.stringContaining('Did you mean') });
    expect(hidden).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', message: 'Cannot query field "statu" on type "Order".' });
  });

  it('rejects an operationName that names no operation with BAD_REQUEST', async () => {
    expect(await rejection('subscription A { orderUpdated { id } }', {}, {}, 'B')).toEqual([
      { code: 'BAD_REQUEST', message: expect.stringContaining('operationName') },
    ]);
  });
});
