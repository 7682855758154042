import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

/** Anything that would reveal internals: SQL, stack frames, addresses, driver or subgraph details. */
const LEAK = /SELECT|FROM |permission denied|postgres|prisma|stack|\.ts:\d|at \w+ \(|localhost|127\.0\.0\.1|https?:\/\/|subgraph/i;

describe('client-visible errors leak nothing', () => {
  let stack: TestStack;
  let prod: TestStack;
  let token: string;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: 'memory' });
    prod = await startTestStack({ eventLog: 'memory', config: (c) => ({ ...c, hideSchemaDetails: true }) });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(async () => {
    await stack.stop();
    await prod.stop();
  });

  it('database error over HTTP: INTERNAL_SERVER_ERROR "Internal server error." without SQL, stack or URL', async () => {
    await stack.sql('REVOKE SELECT ON products FROM supergraph_app');
    try {
      const res = await stack.gql('{ products { edges { node { id } } } }', {}, { token });
      expect(res.body.errors?.[0]).toMatchObject({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(res.body)).not.toMatch(LEAK);
    } finally {
      await stack.sql('GRANT SELECT ON products TO supergraph_app');
    }
  });

  it('database error over WebSocket: the same masked error, nothing internal', async () => {
    await stack.sql('REVOKE SELECT ON orders FROM supergraph_app');
    try {
      const probe = subscribe(stack.wsClient(token), '{ orders { edges { node { id } } } }');
      const ended = await Promise.race([probe.waitFor(1, 10_000).then(() => probe.messages[0]), probe.ended]);
      const text = JSON.stringify(ended);
      expect(text).toContain('Internal server error.');
      expect(text).toContain('INTERNAL_SERVER_ERROR');
      expect(text).not.toMatch(LEAK);
    } finally {
      await stack.sql('GRANT SELECT ON orders TO supergraph_app');
    }
  });

  it('development: a misspelled field gets a "Did you mean" suggestion', async () => {
    const res = await stack.gql('{ prodcts { edges { cursor } } }', {}, { token });
    expect(res.body.errors?.[0]?.message).toMatch(/Did you mean/);
  });

  it('production (hideSchemaDetails): a misspelled field gets no suggestion, over HTTP and WebSocket', async () => {
    const prodToken = await prod.token({ tenant: 'acme', user: 'owner@acme.test' });
    const res = await prod.gql('{ prodcts { edges { cursor } } }', {}, { token: prodToken });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res.body)).not.toMatch(/Did you mean|products/);
    const probe = subscribe(prod.wsClient(prodToken), 'subscription { orderUpdatd { id } }');
    const text = JSON.stringify(await probe.ended);
    expect(text).toContain('orderUpdatd');
    expect(text).not.toMatch(/Did you mean|orderUpdated/);
  });
});
