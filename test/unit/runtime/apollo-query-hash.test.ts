import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Runs in a child under tsx (as the services run; jest loads modules its own way): counts the
 * resolutions of `crypto` while a started Apollo Server answers operations, before and after
 * `useNodeCryptoForQueryHashes`, and compares the query hashes Apollo computes.
 */
const PROBE = `
const Module = require('node:module');
const { ApolloServer } = Module.createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('@apollo/server');
const { apolloCreateHashModule, useNodeCryptoForQueryHashes } = require(${JSON.stringify(join(ROOT, 'lib', 'runtime', 'apollo-query-hash.ts'))});
let resolutions = 0;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'crypto') resolutions++;
  return resolve.call(this, request, ...rest);
};
const hashes = [];
const server = new ApolloServer({
  typeDefs: 'type Query { hello: String }',
  resolvers: { Query: { hello: () => 'world' } },
  plugins: [{ async requestDidStart() { return { async didResolveOperation(rc) { hashes.push(rc.queryHash); } }; } }],
});
async function answer(n) {
  const start = resolutions;
  for (let i = 0; i < n; i++) {
    const res = await server.executeOperation({ query: '{ hello }' });
    if (res.body.singleResult.data.hello !== 'world') throw new Error('wrong answer');
  }
  return resolutions - start;
}
(async () => {
  await server.start();
  const before = await answer(5);
  useNodeCryptoForQueryHashes();
  useNodeCryptoForQueryHashes();
  const after = await answer(5);
  const hash = apolloCreateHashModule().createHash('sha256').update('{ hello }').digest('hex');
  await server.stop();
  process.stdout.write(JSON.stringify({ before, after, hashes: [...new Set(hashes)], hash }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('useNodeCryptoForQueryHashes', () => {
  it("makes Apollo Server's per-request query hash resolve no module, with the same SHA-256", () => {
    const dir = mkdtempSync(join(tmpdir(), 'query-hash-'));
    try {
      const probe = join(dir, 'probe.cjs');
      writeFileSync(probe, PROBE);
      const out = execFileSync(process.execPath, ['--import', 'tsx', probe], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      const result = JSON.parse(out) as { before: number; after: number; hashes: string[]; hash: string };
      // Without it, every request's hash requires `crypto` through the loader's resolve hooks.
      expect(result.before).toBeGreaterThanOrEqual(5);
      expect(result.after).toBe(0);
      // One query, one hash before and after: SHA-256 of the query text, as Apollo computes it.
      expect(result.hashes).toEqual([result.hash]);
      expect(result.hash).toBe(createHash('sha256').update('{ hello }').digest('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
