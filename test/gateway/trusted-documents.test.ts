/**
 * Trusted documents and automatic persisted queries through the real gateway: a manifest in Apollo's
 * format in `require` mode runs its documents by id over HTTP (POST and GET) and graphql-ws and
 * refuses any other text; without a manifest, APQ registrations made on one replica resolve on
 * another through Redis (one server, and a Redis Cluster).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gatewayOptions } from '../../apps/gateway-options';
import { sha256Hex } from '../../gateway/admission/trusted-documents';
import { startGateway, type GatewayService } from '../../gateway/gateway.server';
import { createLogger } from '../../lib/logger';
import { startTestStack, type TestStack } from '../support/test-stack';
import { wsCodes, wsOperation } from '../support/ws-operation';

const TENANT = 'query Tenant { tenant { slug } }';
const LIVE = 'subscription Live { orderUpdated { id } }';

describe('trusted documents (require mode, Apollo manifest)', () => {
  let stack: TestStack;
  let token: string;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trusted-'));
    const manifest = join(dir, 'persisted-query-manifest.json');
    const operations = [TENANT, LIVE].map((body) => ({ id: sha256Hex(body), name: body.split(' ')[1], type: body.split(' ')[0], body }));
    writeFileSync(manifest, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }));
    stack = await startTestStack({
      eventLog: 'memory',
      config: (c) => ({ ...c, admission: { ...c.admission, trustedDocumentsManifest: manifest, trustedDocumentsMode: 'require' } }),
    });
    token = await stack.token({ tenant: 'acme', user: 'owner@acme.test' });
  });
  afterAll(() => stack.stop());

  it('runs a registered document by documentId (POST and GET) and by Apollo persisted query hash', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const byId = await stack.post(stack.gatewayUrl, { documentId: `sha256:${sha256Hex(TENANT)}` }, headers);
    expect(byId.body).toEqual({ data: { tenant: { slug: 'acme' } } });
    const get = await fetch(`${stack.gatewayUrl}?documentId=${sha256Hex(TENANT)}`, {
      headers: { ...headers, 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual({ data: { tenant: { slug: 'acme' } } });
    const apq = await stack.post(
      stack.gatewayUrl,
      { extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(TENANT) } } },
      headers,
    );
    expect(apq.body).toEqual({ data: { tenant: { slug: 'acme' } } });
  });

  it('refuses any other document with TRUSTED_DOCUMENT_REQUIRED (HTTP 400) and an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const other = await stack.gql('{ tenant { slug name } }', {}, { token });
    expect(other.status).toBe(400);
    expect(other.body.errors![0]!.extensions!.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    const unknown = await stack.post(stack.gatewayUrl, { documentId: 'f'.repeat(64) }, { authorization: `Bearer ${token}` });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('over graphql-ws: runs registered documents by id (query "" as the protocol requires a string), refuses others', async () => {
    // graphql-ws needs `query` to be a string: ids travel in the payload's extensions or documentId.
    const raw = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const result = await new Promise<unknown>((resolve, reject) => {
      raw.subscribe(
        { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(TENANT) } } },
        { next: resolve, error: reject, complete: () => undefined },
      );
    });
    expect(result).toEqual({ data: { tenant: { slug: 'acme' } } });
    const live = await new Promise<unknown>((resolve) => {
      raw.subscribe({ query: '', documentId: sha256Hex(LIVE) } as never, { next: resolve, error: resolve, complete: () => undefined });
      void stack.waitForLiveSubscriptions(1).then(() => resolve('attached'));
    });
    expect(live).toBe('attached');
    await raw.dispose();
    expect(wsCodes(await wsOperation(stack.wsClient(token), '{ tenant { slug name } }'))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
  });
});

describe.each(['redis', 'cluster'] as const)('automatic persisted queries shared through %s', (backend) => {
  let stack: TestStack;
  let second: GatewayService;
  beforeAll(async () => {
    stack = await startTestStack({ eventLog: backend });
    second = await startGateway({
      ...gatewayOptions(stack.config),
      subgraphUrls: stack.subgraphUrls,
      eventStreams: stack.eventLog.streams,
      logger: createLogger('test', 'silent'),
      port: 0,
    });
  });
  afterAll(async () => {
    await second.stop();
    await stack.stop();
  });

  it('a hash registered on one replica runs by hash on another; an unknown hash is PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo answers)', async () => {
    const headers = { authorization: `Bearer ${await stack.token({ tenant: 'acme', user: 'owner@acme.test' })}` };
    const query = '{ tenant { name } }';
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256Hex(query) } };
    const miss = await stack.post(second.url, { extensions: ext }, headers);
    expect(miss.status).toBe(200);
    expect(miss.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await stack.post(stack.gatewayUrl, { query, extensions: ext }, headers)).body).toEqual({
      data: { tenant: { name: 'Acme Corporation' } },
    });
    expect((await stack.post(second.url, { extensions: ext }, headers)).body).toEqual({ data: { tenant: { name: 'Acme Corporation' } } });
    const wrong = await stack.post(stack.gatewayUrl, { query: '{ tenant { id } }', extensions: ext }, headers);
    expect(wrong.body.errors![0]!.extensions!.code).toBe('BAD_REQUEST');
  });
});
