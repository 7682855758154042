/**
 * The admission pipeline's document limits, cost ceiling, introspection rights and NUL-byte check,
 * each through the real gateway over HTTP and over graphql-ws, with the attacks of the issue: a
 * refused operation answers HTTP 400 with its documented code, reaches no subgraph (no SQL runs),
 * and the process keeps answering `/healthz` meanwhile.
 */
import { startTestStack, type TestStack } from '../support/test-stack';
import { wsCodes, wsOperation } from '../support/ws-operation';

const aliased = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => field(i)).join(' ');
/** The planner stall of the issue: about 1,000 aliased mutation fields, under 100 KiB. */
const MUTATION_ATTACK = `mutation { ${aliased(1000, (i) => `m${i}: markNotificationRead(id: "00000000-0000-4000-8000-00000000000${i % 10}") { id }`)} }`;
/** The data-amplification attack: 200 aliased orders(first: 100) with lines, products and placedBy. */
const ORDERS_ATTACK = `{ ${aliased(200, (i) => `o${i}: orders(first: 100) { edges { node { lines { product { name } } placedBy { name } } } }`)} }`;

describe('operation limits (HTTP and WebSocket)', () => {
  let stack: TestStack;
  let owner: string;

  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  /** The refusal over both transports: HTTP status and codes, and the codes over the socket. */
  const refusal = async (query: string, variables: Record<string, unknown> = {}, token = owner) => {
    stack.resetQueries();
    const http = await stack.gql(query, variables, { token });
    const ws = await wsOperation(stack.wsClient(token), query, variables);
    return {
      status: http.status,
      http: (http.body.errors ?? []).map((e) => e.extensions?.code),
      ws: wsCodes(ws),
      data: http.body.data,
      // Statements on the data tables (the outbox relays poll in the background).
      sql: stack.queries.filter((q) => /"(tenants|users|orders|order_lines|products|notifications|plans)"/.test(q) && !q.includes('outbox'))
        .length,
    };
  };

  it('refuses the 1,000-alias mutation before planning, and /healthz answers meanwhile', async () => {
    expect(MUTATION_ATTACK.length).toBeLessThan(100 * 1024);
    const pending = refusal(MUTATION_ATTACK);
    const health = await fetch(stack.gatewayUrl.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    const r = await pending;
    // Its ~70 KB are over the character limit already (50,000); without it, aliases and root fields stop it.
    expect(r).toMatchObject({ status: 400, http: ['MAX_CHARACTERS_LIMIT'], ws: ['MAX_CHARACTERS_LIMIT'], sql: 0 });
    const shorter = `mutation { ${aliased(200, (i) => `m${i}: markNotificationRead(id: "x${i}") { id }`)} }`;
    const s = await refusal(shorter);
    expect(s).toMatchObject({ status: 400, sql: 0 });
    expect(s.http).toEqual(['MAX_FIELDS_LIMIT', 'MAX_ALIASES_LIMIT', 'MAX_ROOT_FIELDS_LIMIT']);
    expect(s.ws).toEqual(s.http);
  });

  it('refuses 200 aliased orders(first: 100) (aliases), and the same amplification without aliases by its cost', async () => {
    const r = await refusal(ORDERS_ATTACK);
    // ~16 KB and 6,000 tokens: the token limit (5,000) stops it before parsing ends.
    expect(r).toMatchObject({ status: 400, http: ['MAX_TOKENS_LIMIT'], ws: ['MAX_TOKENS_LIMIT'], sql: 0 });
    const fewer = await refusal(`{ ${aliased(40, (i) => `o${i}: orders(first: 100) { edges { node { id } } }`)} }`);
    expect(fewer).toMatchObject({ status: 400, http: ['MAX_ALIASES_LIMIT', 'MAX_ROOT_FIELDS_LIMIT'], sql: 0 });
    // Within the alias limit, the cost ceiling (20,000) stops it: 20 x orders(first: 100) with lines.
    const costly = `{ ${aliased(20, (i) => `o${i}: orders(first: 100) { edges { node { lines { product { name } } placedBy { name } } } }`)} }`;
    const c = await refusal(costly);
    expect(c).toMatchObject({ status: 400, http: ['COST_ESTIMATED_TOO_EXPENSIVE'], ws: ['COST_ESTIMATED_TOO_EXPENSIVE'], sql: 0 });
    const http = await stack.gql(costly, {}, { token: owner });
    expect(http.body.errors![0]!.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', limit: 20_000, found: 20 * (1 + 100 * 23) });
  });

  it('refuses directives, mutation root fields, tokens and characters on both transports', async () => {
    const directives = `{ me { ${'id @include(if: true) '.repeat(21)} } }`;
    expect(await refusal(directives)).toMatchObject({ status: 400, http: ['MAX_DIRECTIVES_LIMIT'], ws: ['MAX_DIRECTIVES_LIMIT'] });
    const mutations = `mutation { ${aliased(6, (i) => `m${i}: markNotificationRead(id: "x") { id }`)} }`;
    expect(await refusal(mutations)).toMatchObject({ status: 400, http: ['MAX_ROOT_FIELDS_LIMIT'], ws: ['MAX_ROOT_FIELDS_LIMIT'] });
    const tokens = `{ me { ${'id '.repeat(5_000)} } }`;
    expect(await refusal(tokens)).toMatchObject({ status: 400, http: ['MAX_TOKENS_LIMIT'], ws: ['MAX_TOKENS_LIMIT'] });
    const characters = `{ me { id } } # ${'x'.repeat(50_000)}`;
    expect(await refusal(characters)).toMatchObject({ status: 400, http: ['MAX_CHARACTERS_LIMIT'], ws: ['MAX_CHARACTERS_LIMIT'] });
  });

  it('counts depth where a fragment is spread (MAX_DEPTH_LIMIT), queries and subscriptions alike', async () => {
    // notifications > edges > node > order > (O) lines > product > price > amount: 8 levels, 4 of them in O.
    const query = `{ notifications { edges { node { order { ...O } } } } }
      fragment O on Order { lines { product { price { amount } } } }`;
    expect((await refusal(query)).http).toEqual([]);
    const limited = await startTestStack({
      eventLog: 'memory',
      config: (c) => ({ ...c, admission: { ...c.admission, limits: { ...c.admission.limits, maxDepth: 5 } } }),
    });
    try {
      const token = await limited.token({ tenant: 'acme', user: 'owner@acme.test' });
      const http = await limited.gql(query, {}, { token });
      expect(http.status).toBe(400);
      expect(http.body.errors![0]!.extensions).toEqual({ code: 'MAX_DEPTH_LIMIT', limit: 5, found: 8 });
      expect(wsCodes(await wsOperation(limited.wsClient(token), query))).toEqual(['MAX_DEPTH_LIMIT']);
      const subscription =
        'subscription { notificationAdded { order { ...O } } } fragment O on Order { lines { product { price { amount } } } }';
      expect(wsCodes(await wsOperation(limited.wsClient(token), subscription))).toEqual(['MAX_DEPTH_LIMIT']);
    } finally {
      await limited.stop();
    }
  });

  it('applies the limits to subscriptions too', async () => {
    const sub = `subscription { orderUpdated { ${aliased(31, (i) => `a${i}: id`)} } }`;
    expect(wsCodes(await wsOperation(stack.wsClient(owner), sub))).toEqual(['MAX_ALIASES_LIMIT']);
  });

  it('refuses a NUL character in a variable or a string literal with BAD_USER_INPUT, writing nothing', async () => {
    const before = await stack.sql('SELECT count(*)::int AS n FROM products');
    const viaVariable = await refusal(
      'mutation($n: String!) { createProduct(input: { sku: "NUL-1", name: $n, price: { amount: 1, currency: "USD" }, stock: 1 }) { id } }',
      {
        n: 'bad\u0000name',
      },
    );
    expect(viaVariable).toMatchObject({ status: 400, http: ['BAD_USER_INPUT'], ws: ['BAD_USER_INPUT'] });
    const viaLiteral = await refusal('{ products(search: "a\\u0000b") { edges { node { id } } } }');
    expect(viaLiteral).toMatchObject({ status: 400, http: ['BAD_USER_INPUT'], ws: ['BAD_USER_INPUT'] });
    expect(await stack.sql('SELECT count(*)::int AS n FROM products')).toEqual(before);
  });
});

describe('introspection (production default: only with schema:read)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory', config: (c) => ({ ...c, admission: { ...c.admission, introspection: false } }) });
  });
  afterAll(() => stack.stop());

  it('refuses __schema and __type with INTROSPECTION_DISABLED over HTTP and WebSocket; __typename stays free', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Order") { name } }',
      '{ ...F } fragment F on Query { __schema { queryType { name } } }',
    ]) {
      const http = await stack.gql(query, {}, { token });
      expect(http.status).toBe(400);
      expect(http.body.errors![0]!.extensions!.code).toBe('INTROSPECTION_DISABLED');
      expect(wsCodes(await wsOperation(stack.wsClient(token), query))).toEqual(['INTROSPECTION_DISABLED']);
    }
    expect((await stack.gql('{ __typename me { __typename } }', {}, { token })).body.data).toEqual({
      __typename: 'Query',
      me: { __typename: 'User' },
    });
  });

  it('allows introspection to a principal holding schema:read (IDE users)', async () => {
    const token = await stack.token({ tenant: 'acme', user: 'owner@acme.test', scope: 'schema:read' });
    const http = await stack.gql<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }', {}, { token });
    expect(http.body.data?.__schema.queryType.name).toBe('Query');
    const ws = await wsOperation(stack.wsClient(token), '{ __type(name: "Order") { name } }');
    expect(ws.message?.data).toEqual({ __type: { name: 'Order' } });
  });
});
