/**
 * The GraphQL IDE for browsers: `GET /graphql` accepting `text/html` answers a GraphiQL page (the
 * GraphiQL 5 build that `@graphql-yoga/render-graphiql` ships, Monaco editors and their workers
 * included), and `GET /ide/<version>/<file>` its assets, all from node_modules: the page loads
 * nothing from another host, so it works offline. Our page script (ide/ide-client.js) gives
 * GraphiQL a fetcher that sends queries and mutations over HTTP with the `Authorization` header of
 * the headers editor, and subscriptions over graphql-ws with that header in `connectionParams`.
 *
 * In development the composition root passes `devTokens`: tokens of the seeded demo users, minted
 * for each page request, offered in a picker above the editor and used when the headers editor has
 * no `Authorization`. In production it passes none, so the page never holds a token, and
 * `GRAPHQL_IDE=false` switches the page off (the path then answers like any GraphQL GET).
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';

const gzipAsync = promisify(gzip);

/** A development token the IDE offers. */
export interface IdeDevToken {
  /** Who it acts as, for example `owner@acme.test`. */
  label: string;
  /** What it may do, for example `catalog:write orders:write tenant:admin`. */
  description: string;
  /** The JWT. */
  token: string;
}

/** Options of {@link createGraphQLIde}. */
export interface GraphQLIdeOptions {
  /** Path of the GraphQL endpoint the page talks to (default `/graphql`). */
  graphqlPath?: string;
  /** Mints the demo users' tokens for one page request; development only (never in production). */
  devTokens?: () => Promise<IdeDevToken[]>;
}

/** Version of the GraphiQL build, part of every asset URL (assets are cached for a year). */
const IDE_VERSION: string = (require('@graphql-yoga/render-graphiql/package.json') as { version: string }).version;
/** Where the assets are served. */
export const IDE_ASSET_PREFIX = `/ide/${IDE_VERSION}/`;

/** GraphiQL's assets, loaded on the first IDE request (about 9 MB of text). */
type GraphiQLAssets = Record<'js' | 'css' | 'editorWorkerService' | 'jsonWorker' | 'graphqlWorker', string>;

/** The served assets by file name: their source and content type. */
const ASSETS: Record<string, { type: string; source: () => string | Buffer }> = {
  'graphiql.js': { type: 'text/javascript', source: () => graphiql().js },
  'graphiql.css': { type: 'text/css', source: () => graphiql().css },
  'worker-editorWorkerService.js': { type: 'text/javascript', source: () => graphiql().editorWorkerService },
  'worker-json.js': { type: 'text/javascript', source: () => graphiql().jsonWorker },
  'worker-graphql.js': { type: 'text/javascript', source: () => graphiql().graphqlWorker },
  'graphql-ws.js': {
    type: 'text/javascript',
    source: () => readFileSync(join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js')),
  },
  'ide-client.js': { type: 'text/javascript', source: () => readFileSync(join(__dirname, 'ide', 'ide-client.js')) },
};

let loaded: GraphiQLAssets | undefined;
function graphiql(): GraphiQLAssets {
  loaded ??= require('@graphql-yoga/render-graphiql/graphiql') as GraphiQLAssets;
  return loaded;
}

/** True for a request that asks for the page: `GET` whose `Accept` names `text/html` (a browser navigating). */
export function wantsIdePage(req: IncomingMessage): boolean {
  return req.method === 'GET' && /(^|,)\s*text\/html\s*(;|,|$)/i.test(req.headers.accept ?? '');
}

/** JSON for a `<script type="application/json">` element (no `</script>` can end it early). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23e10098'/%3E%3C/svg%3E";

function pageHtml(config: unknown): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>GraphQL IDE · tenant supergraph</title>
    <link rel="icon" href="${FAVICON}" />
    <link rel="stylesheet" href="${IDE_ASSET_PREFIX}graphiql.css" />
    <style>
      html, body { height: 100%; margin: 0; }
      body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
      #ide-bar { display: flex; gap: 12px; align-items: center; padding: 6px 12px; font-size: 13px; background: #f6f7f9; border-bottom: 1px solid #dde1e6; }
      #ide-bar[hidden] { display: none; }
      #ide-bar code { font-size: 12px; }
      #root { flex: 1; min-height: 0; }
    </style>
  </head>
  <body>
    <div id="ide-bar" hidden>
      <label>Development token: <select id="ide-token"></select></label>
      <span id="ide-token-note">used when the headers editor has no <code>Authorization</code></span>
      <button id="ide-token-copy" type="button">Copy header</button>
    </div>
    <div id="root"></div>
    <script id="ide-config" type="application/json">${scriptJson(config)}</script>
    <script src="${IDE_ASSET_PREFIX}graphql-ws.js"></script>
    <script src="${IDE_ASSET_PREFIX}graphiql.js"></script>
    <script src="${IDE_ASSET_PREFIX}ide-client.js"></script>
  </body>
</html>
`;
}

/** The IDE's request handler: answers the page and its assets; resolves false for any other request. */
export function createGraphQLIde(
  options: GraphQLIdeOptions = {},
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  const compressed = new Map<string, Promise<Buffer>>();

  const serveAsset = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    const asset = ASSETS[name];
    if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': `${asset.type}; charset=utf-8`,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
    };
    let body: Buffer;
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      if (!compressed.has(name)) compressed.set(name, gzipAsync(asset.source()));
      body = await compressed.get(name)!;
      headers['content-encoding'] = 'gzip';
    } else {
      const source = asset.source();
      body = typeof source === 'string' ? Buffer.from(source) : source;
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(req.method === 'HEAD' ? undefined : body);
  };

  return async (req, res, url) => {
    if (url.pathname.startsWith(IDE_ASSET_PREFIX)) {
      await serveAsset(req, res, url.pathname.slice(IDE_ASSET_PREFIX.length));
      return true;
    }
    if (url.pathname !== graphqlPath || !wantsIdePage(req)) return false;
    const devTokens = options.devTokens ? await options.devTokens() : [];
    const config = { graphqlPath, workerPrefix: `${IDE_ASSET_PREFIX}worker-`, devTokens };
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        // The page may hold development tokens: never cache it.
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      })
      .end(pageHtml(config));
    return true;
  };
}
