import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPersistedQueryStore } from '../../../gateway/admission/persisted-query-store';
import { loadManifest, sha256Hex, TrustedDocuments } from '../../../gateway/admission/trusted-documents';

const ME = '{ me { id } }';
const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
const write = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('trusted documents', () => {
  it("loads Apollo's and The Guild's manifest formats, and refuses an id that is not the SHA-256 of its body", () => {
    const apollo = write('apollo.json', {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: sha256Hex(ME), name: 'Me', type: 'query', body: ME }],
    });
    const guild = write('guild.json', { [`sha256:${sha256Hex(ME)}`]: ME });
    expect(loadManifest(apollo).get(sha256Hex(ME))).toBe(ME);
    expect(loadManifest(guild).get(sha256Hex(ME))).toBe(ME);
    expect(() => loadManifest(write('bad.json', { abc: ME }))).toThrow(/SHA-256/);
  });

  it('require mode: runs manifest documents by documentId or APQ hash, refuses any other text', async () => {
    const docs = new TrustedDocuments(new Map([[sha256Hex(ME), ME]]), 'require', createPersistedQueryStore());
    expect(await docs.resolve({ documentId: `sha256:${sha256Hex(ME)}` })).toEqual({ query: ME });
    expect(await docs.resolve({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(ME) } } })).toEqual({ query: ME });
    expect(await docs.resolve({ query: ME })).toEqual({ query: ME });
    expect((await docs.resolve({ query: '{ tenant { id } }' })).error?.extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    const q = '{ tenant { id } }';
    const registration = await docs.resolve({ query: q, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(q) } } });
    expect(registration.error?.extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('allow mode: automatic persisted queries register and resolve; a wrong hash is refused', async () => {
    const docs = new TrustedDocuments(new Map(), 'allow', createPersistedQueryStore());
    const hash = sha256Hex(ME);
    expect((await docs.resolve({ extensions: { persistedQuery: { sha256Hash: hash } } })).error?.extensions).toMatchObject({
      code: 'PERSISTED_QUERY_NOT_FOUND',
      http: { status: 200 },
    });
    expect((await docs.resolve({ query: ME, extensions: { persistedQuery: { sha256Hash: 'f'.repeat(64) } } })).error?.extensions.code).toBe(
      'BAD_REQUEST',
    );
    expect(await docs.resolve({ query: ME, extensions: { persistedQuery: { sha256Hash: hash } } })).toEqual({ query: ME });
    expect(await docs.resolve({ extensions: { persistedQuery: { sha256Hash: hash } } })).toEqual({ query: ME });
  });
});
