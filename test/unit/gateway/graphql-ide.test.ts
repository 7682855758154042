/**
 * The IDE page's token rules, without infrastructure: the composition root gives the gateway
 * development tokens only outside production, and a page rendered without them holds none.
 */
import { createServer } from 'node:http';
import { gatewayOptions } from '../../../apps/gateway-options';
import { createGraphQLIde } from '../../../gateway/http/graphql-ide.page';
import { loadConfig } from '../../../lib/config';

const SECRET = 'x'.repeat(40);

describe('GraphQL IDE page', () => {
  it('gets development tokens in development, none in production', async () => {
    const dev = gatewayOptions({ ...loadConfig({}), internalSecret: SECRET });
    expect((await dev.ide!.devTokens!()).map((t) => t.label)).toEqual(['owner@acme.test', 'staff@acme.test', 'owner@globex.test']);
    const production = gatewayOptions({
      ...loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, GRAPHQL_IDE: 'true' }),
      internalSecret: SECRET,
    });
    expect(production.ide).toEqual({ enabled: true, devTokens: undefined });
  });

  it('renders a page without any token when none are given, only for GET text/html', async () => {
    const ide = createGraphQLIde({});
    const server = createServer((req, res) => {
      void ide(req, res, new URL(req.url ?? '/', 'http://localhost')).then((handled) => {
        if (!handled) res.writeHead(418).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    try {
      const page = await fetch(url, { headers: { accept: 'text/html' } });
      const html = await page.text();
      expect(JSON.parse(/<script id="ide-config" type="application\/json">(.*?)<\/script>/.exec(html)![1]!).devTokens).toEqual([]);
      expect(html).not.toMatch(/eyJ/); // no JWT anywhere
      expect((await fetch(url, { headers: { accept: 'application/json' } })).status).toBe(418);
    } finally {
      server.close();
    }
  });
});
