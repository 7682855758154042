/**
 * Trusted documents (persisted operations registered ahead of time) and automatic persisted queries
 * (APQ): step 1 of the admission pipeline turns what the client sent into the document's text.
 *
 * A manifest is loaded from a JSON file in either of the two formats the common tooling writes:
 * - Apollo's (`@apollo/generate-persisted-query-manifest`):
 *   `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "name", "type", "body" }] }`;
 * - The Guild's (GraphQL Code Generator's client preset, `persistedDocuments`): `{ "<hash>": "<document>" }`.
 * Ids are SHA-256 hex digests of the document text (both tools' default); `sha256:<hex>` is accepted.
 *
 * A request names a document by `documentId` (The Guild's, GraphQL over HTTP's persisted documents
 * proposal) or by `extensions.persistedQuery.sha256Hash` (Apollo's APQ protocol), or sends its text
 * as `query`. In `require` mode (a manifest is configured, the default then) only documents of the
 * manifest run: any other text is `TRUSTED_DOCUMENT_REQUIRED` and APQ registration is refused. In
 * `allow` mode (or without a manifest) the manifest's documents run by id, and any text runs too, with
 * APQ: a hash the store does not know is `PERSISTED_QUERY_NOT_FOUND` (HTTP 200, as Apollo Server
 * answers, so APQ clients retry with the text), a text whose SHA-256 is not the hash sent is
 * `BAD_REQUEST`, and a matching pair is stored (persisted-query-store.ts: Redis when configured, so
 * every replica knows it).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { GraphQLError } from 'graphql';
import { admissionError } from './admission-error';
import type { PersistedQueryStore } from './persisted-query-store';

/** Whether only manifest documents run (`require`) or any document does (`allow`). */
export type TrustedDocumentsMode = 'require' | 'allow';

/** What a client sent that names or holds its document. */
export interface DocumentRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/** The SHA-256 hex digest of `text` (ids of manifests and APQ). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Reads a manifest file (either format of the module doc) into a map from id to document text.
 * @throws Error naming the file when it is not JSON of either format, or an id is not the SHA-256 of its body.
 */
export function loadManifest(path: string): Map<string, string> {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const entries: Array<[string, unknown]> = [];
  const apollo = raw as { format?: unknown; operations?: Array<{ id?: unknown; body?: unknown }> };
  if (apollo && apollo.format === 'apollo-persisted-query-manifest' && Array.isArray(apollo.operations)) {
    for (const op of apollo.operations) entries.push([String(op.id), op.body]);
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    entries.push(...Object.entries(raw));
  } else {
    throw new Error(`${path}: not a persisted document manifest (Apollo's or The Guild's format).`);
  }
  const manifest = new Map<string, string>();
  for (const [id, body] of entries) {
    const key = id.replace(/^sha256:/, '').toLowerCase();
    if (typeof body !== 'string' || sha256Hex(body) !== key) {
      throw new Error(`${path}: the document of id ${id.slice(0, 80)} is missing or its SHA-256 differs.`);
    }
    manifest.set(key, body);
  }
  return manifest;
}

/** The document's text, or the error that refuses the request. */
export type ResolvedDocument = { query: string; error?: undefined } | { query?: undefined; error: GraphQLError };

/** See the module doc. */
export class TrustedDocuments {
  constructor(
    private readonly manifest: ReadonlyMap<string, string>,
    private readonly mode: TrustedDocumentsMode,
    private readonly store: PersistedQueryStore,
  ) {}

  /** Number of documents in the manifest. */
  get size(): number {
    return this.manifest.size;
  }

  /** The text of the document `request` names or holds (see the module doc for the errors). */
  async resolve(request: DocumentRequest): Promise<ResolvedDocument> {
    const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
    const idValue = typeof request.documentId === 'string' ? request.documentId : persisted?.sha256Hash;
    const id = typeof idValue === 'string' ? idValue.replace(/^sha256:/, '').toLowerCase() : undefined;
    const query = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
    if (id !== undefined && query === undefined) {
      const known = this.manifest.get(id) ?? (this.mode === 'allow' ? await this.store.get(id) : undefined);
      if (known !== undefined) return { query: known };
      return { error: admissionError('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', this.mode === 'allow' ? 200 : 400) };
    }
    if (query === undefined)
      return { error: admissionError('BAD_REQUEST', 'The request has no query, documentId or persisted query hash.') };
    const hash = sha256Hex(query);
    if (id !== undefined && id !== hash) return { error: admissionError('BAD_REQUEST', 'The provided sha does not match the query.') };
    if (this.manifest.has(hash)) return { query };
    if (this.mode === 'require') {
      return {
        error: admissionError(
          'TRUSTED_DOCUMENT_REQUIRED',
          'Only trusted documents run here: send the documentId of a registered operation.',
        ),
      };
    }
    if (id !== undefined) await this.store.set(hash, query);
    return { query };
  }
}
