/**
 * What browsers and IDEs rely on, over plain HTTP and WebSocket against the real gateway (the
 * browser itself is in test/browser): CORS answers for allowed and other origins, the WebSocket
 * `Origin` check, `x-request-id` on every response and down to the subgraphs' logs, the RFC 6750
 * challenge on 401, the IDE page and its assets, and the full introspection query.
 */
import { getIntrospectionQuery } from 'graphql';
import WebSocket from 'ws';
import { startTestStack, subscribe, type TestStack } from '../support/test-stack';

const ALLOWED = 'http://app.example.test:8080';
const FULL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});

/** Opens a WebSocket with `origin` (undefined: none) and resolves with the handshake's outcome. */
function handshake(url: string, origin?: string): Promise<{ opened: true } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', () => undefined);
  });
}

describe('browser access to the gateway', () => {
  let stack: TestStack;
  let owner: string;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    stack = await startTestStack({
      eventLog: 'memory',
      config: (c) => ({ ...c, gateway: { ...c.gateway, corsOrigins: [ALLOWED, 'http://localhost:*'] } }),
      // The services' own logger (with the request's correlation fields), writing into logLines.
      logLevel: 'info',
      logDestination: {
        write(chunk: string) {
          for (const line of chunk.split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    });
    owner = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  describe('CORS', () => {
    it('answers a preflight of an allowed origin with its methods, headers, max age and exposed headers', async () => {
      const res = await fetch(stack.gatewayUrl, {
        method: 'OPTIONS',
        headers: {
          origin: ALLOWED,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,apollo-require-preflight',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
      const allowed = res.headers.get('access-control-allow-headers')!.split(',');
      expect(allowed).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name']),
      );
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('refuses a preflight of another origin (403, no Access-Control-* header)', async () => {
      const res = await fetch(stack.gatewayUrl, {
        method: 'OPTIONS',
        headers: { origin: 'http://evil.example.test', 'access-control-request-method': 'POST' },
      });
      expect(res.status).toBe(403);
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    });

    it('allows a configured any-port pattern, and exposes x-request-id and retry-after on the actual response', async () => {
      const res = await stack.post(
        stack.gatewayUrl,
        { query: '{ me { email } }' },
        { origin: 'http://localhost:5173', authorization: `Bearer ${owner}` },
      );
      expect(res.status).toBe(200);
      const raw = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { origin: 'http://localhost:5173', 'content-type': 'application/json', authorization: `Bearer ${owner}` },
        body: JSON.stringify({ query: '{ me { email } }' }),
      });
      expect(raw.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(raw.headers.get('access-control-expose-headers')).toBe('x-request-id,retry-after');
      expect(raw.headers.get('vary')).toMatch(/Origin/);
    });

    it("keeps Apollo's CSRF prevention: a GET query without a preflight header is refused", async () => {
      const res = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ me { email } }')}`, {
        headers: { authorization: `Bearer ${owner}` },
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/CSRF/);
    });
  });

  describe('WebSocket Origin', () => {
    it('refuses the upgrade from an origin that is not allowed (403), accepts allowed, same-origin and Origin-less ones', async () => {
      expect(await handshake(stack.wsUrl, 'http://evil.example.test')).toEqual({ status: 403 });
      expect(await handshake(stack.wsUrl, ALLOWED)).toEqual({ opened: true });
      expect(await handshake(stack.wsUrl, `http://localhost:${stack.gateway.port}`)).toEqual({ opened: true });
      expect(await handshake(stack.wsUrl)).toEqual({ opened: true });
    });
  });

  describe('x-request-id and WWW-Authenticate', () => {
    it("returns the client's valid x-request-id, and it reaches the subgraphs' logs", async () => {
      const [p] = await stack.sql<{ id: string }>("SELECT id FROM products WHERE sku = 'ACME-0013'");
      const requestId = `req-${Date.now()}`;
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}`, 'x-request-id': requestId },
        body: JSON.stringify({
          query: 'mutation($id: ID!) { placeOrder(input: { lines: [{ productId: $id, quantity: 1 }] }) { id } }',
          variables: { id: p!.id },
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(logLines).toContainEqual(expect.objectContaining({ requestId, subgraph: 'orders', msg: 'order placed' }));
    });

    it('replaces a missing or invalid x-request-id with a new one, on every response (health, 404, errors)', async () => {
      const ids = new Set<string>();
      for (const [url, headers] of [
        [stack.gatewayUrl, { 'x-request-id': 'has spaces "and quotes"' }],
        [stack.gatewayUrl.replace('/graphql', '/healthz'), {}],
        [stack.gatewayUrl.replace('/graphql', '/nope'), {}],
      ] as const) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
        const id = res.headers.get('x-request-id');
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        ids.add(id!);
      }
      expect(ids.size).toBe(3);
    });

    it('answers 401 with WWW-Authenticate: Bearer (RFC 6750), with error="invalid_token" for a bad token', async () => {
      const none = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ me { email } }"}',
      });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="graphql"');
      const bad = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
        body: '{"query":"{ me { email } }"}',
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="graphql", error="invalid_token"');
      expect(await bad.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    });
  });

  describe('GraphQL IDE page', () => {
    it('answers GET text/html with the page, development tokens that work, and assets served locally (gzip)', async () => {
      const res = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const html = await res.text();
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing from another host
      const config = JSON.parse(/<script id="ide-config" type="application\/json">(.*?)<\/script>/.exec(html)![1]!) as {
        devTokens: Array<{ label: string; token: string }>;
      };
      expect(config.devTokens.map((t) => t.label)).toEqual(['owner@acme.test', 'staff@acme.test', 'owner@globex.test']);
      const me = await stack.gql<{ me: { email: string } }>('{ me { email } }', {}, { token: config.devTokens[1]!.token });
      expect(me.body.data?.me.email).toBe('staff@acme.test');
      const scripts = [...html.matchAll(/(?:src|href)="(\/ide\/[^"]+)"/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThanOrEqual(4);
      for (const path of scripts) {
        const asset = await fetch(stack.gatewayUrl.replace('/graphql', path), { headers: { 'accept-encoding': 'gzip' } });
        expect(asset.status).toBe(200);
        expect(asset.headers.get('cache-control')).toMatch(/immutable/);
        expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
    });
  });

  describe('introspection', () => {
    it('answers the full graphql-js introspection query (every option on) with 200 over HTTP', async () => {
      const res = await stack.gql<{ __schema: { types: Array<{ name: string; isOneOf: boolean | null; specifiedByURL: string | null }> } }>(
        FULL_INTROSPECTION,
        {},
        { token: owner },
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      const dateTime = res.body.data!.__schema.types.find((t) => t.name === 'DateTime');
      expect(dateTime?.specifiedByURL).toMatch(/^https:\/\//);
      expect(res.body.data!.__schema.types.find((t) => t.name === 'PlaceOrderInput')?.isOneOf).toBe(false);
    });

    it('answers the same query over WebSocket', async () => {
      const probe = subscribe(stack.wsClient(owner), FULL_INTROSPECTION);
      const [message] = await probe.waitFor(1);
      expect(message!.errors).toBeUndefined();
      expect((message!.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(20);
    });

    it('answers an unsupported introspection field with a 400 validation error, never a 500', async () => {
      const unknown = await stack.gql('{ __type(name: "Order") { name notAField } }', {}, { token: owner });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const mixed = await stack.gql('{ me { email } __type(name: "Order") { isOneOf } }', {}, { token: owner });
      expect(mixed.status).toBe(400);
      expect(mixed.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });
});
