import { getIntrospectionQuery, type GraphQLSchema } from 'graphql';
import { DocumentAdmission } from '../../../gateway/admission/document-admission';
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from '../../../gateway/admission/operation-limits';
import { DASHBOARD_QUERY } from '../../../scripts/dashboard-query';
import { loadApiSchema } from '../../support/api-schema';

describe('DocumentAdmission', () => {
  let schema: GraphQLSchema;
  beforeAll(() => {
    schema = loadApiSchema();
  });
  const admit = (query: string, limits: Partial<OperationLimits> = {}) =>
    new DocumentAdmission({ limits: { ...DEFAULT_OPERATION_LIMITS, ...limits }, hideSchemaDetails: false }).admit(schema, query);
  const codes = (query: string, limits: Partial<OperationLimits> = {}) =>
    (admit(query, limits).errors ?? []).map((e) => ({ code: e.extensions.code, limit: e.extensions.limit, found: e.extensions.found }));

  it('admits the dashboard query with the default limits', () => {
    expect(admit(DASHBOARD_QUERY).errors).toBeUndefined();
  });

  it('counts depth with fragments flattened where they are spread (MAX_DEPTH_LIMIT)', () => {
    const query = 'query { orders { edges { node { ...O } } } } fragment O on Order { lines { product { name } } }';
    expect(codes(query, { maxDepth: 6 })).toEqual([]);
    expect(codes(query, { maxDepth: 5 })).toEqual([{ code: 'MAX_DEPTH_LIMIT', limit: 5, found: 6 }]);
  });

  it('counts aliases, fragments included (MAX_ALIASES_LIMIT)', () => {
    const query = 'query { a: me { id } ...F } fragment F on Query { b: tenant { id } c: tenant { slug } }';
    expect(codes(query, { maxAliases: 3 })).toEqual([]);
    expect(codes(query, { maxAliases: 2 })).toEqual([{ code: 'MAX_ALIASES_LIMIT', limit: 2, found: 3 }]);
  });

  it('limits root fields per operation, mutations more tightly (MAX_ROOT_FIELDS_LIMIT)', () => {
    const mutation = `mutation { ${Array.from({ length: 6 }, (_, i) => `m${i}: markNotificationRead(id: "x") { id }`).join(' ')} }`;
    expect(codes(mutation, { maxMutationRootFields: 5, maxAliases: 100 })).toEqual([{ code: 'MAX_ROOT_FIELDS_LIMIT', limit: 5, found: 6 }]);
    const query = `query { ${Array.from({ length: 6 }, (_, i) => `q${i}: tenant { id }`).join(' ')} __typename }`;
    expect(codes(query, { maxRootFields: 6, maxAliases: 100 })).toEqual([]);
    expect(codes(query, { maxRootFields: 5, maxAliases: 100 })).toEqual([{ code: 'MAX_ROOT_FIELDS_LIMIT', limit: 5, found: 6 }]);
  });

  it('limits fields per operation, duplicates and fragments where spread included (MAX_FIELDS_LIMIT)', () => {
    expect(codes(`query { ${'__typename '.repeat(500)} }`)).toEqual([{ code: 'MAX_FIELDS_LIMIT', limit: 300, found: 500 }]);
    const spread = `query { me { ...U } tenant { id } } fragment U on User { ${'id '.repeat(150)} }`;
    expect(codes(spread, { maxFields: 153 })).toEqual([]);
    expect(codes(spread, { maxFields: 152 })).toEqual([{ code: 'MAX_FIELDS_LIMIT', limit: 152, found: 153 }]);
  });

  it("admits the IDEs' introspection query, refuses circular introspection (graphql-js MaxIntrospectionDepthRule)", () => {
    expect(admit(getIntrospectionQuery()).errors).toBeUndefined();
    const circular =
      'query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }';
    expect(admit(circular).errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('limits directives (MAX_DIRECTIVES_LIMIT)', () => {
    const query = `query { me ${'@include(if: true) '.repeat(4)}{ id } }`;
    expect(codes(query, { maxDirectives: 3 })[0]).toMatchObject({ code: 'MAX_DIRECTIVES_LIMIT', limit: 3 });
  });

  it('refuses too many tokens before parsing the rest, and too many characters before parsing at all', () => {
    expect(codes('query { me { id email name } }', { maxTokens: 5 })).toEqual([{ code: 'MAX_TOKENS_LIMIT', limit: 5, found: 6 }]);
    expect(codes(`query { me { id } } ${' '.repeat(100)}`, { maxCharacters: 100 })[0]).toMatchObject({
      code: 'MAX_CHARACTERS_LIMIT',
      limit: 100,
    });
  });

  it('reports every broken limit, each with HTTP 400, and standard validation errors as GRAPHQL_VALIDATION_FAILED', () => {
    const errors = admit('query { a: me { id } b: me { id } nope }', { maxAliases: 1 }).errors!;
    expect(errors.map((e) => e.extensions.code).sort()).toEqual(['GRAPHQL_VALIDATION_FAILED', 'MAX_ALIASES_LIMIT']);
    for (const e of errors) expect(e.extensions.http).toMatchObject({ status: 400 });
  });

  it('reports at most 5 validation errors, then that the limit was reached (directive overloading)', () => {
    const errors = admit(`query { __typename ${'@aa'.repeat(10)} }`).errors!;
    expect(errors).toHaveLength(6);
    expect(errors[5]!.message).toMatch(/Too many validation errors/);
  });

  it('keeps the outcome of a document: the same text is parsed once', () => {
    const admission = new DocumentAdmission({ limits: DEFAULT_OPERATION_LIMITS, hideSchemaDetails: false });
    const first = admission.admit(schema, '{ me { id } }');
    expect(admission.admit(schema, '{ me { id } }')).toBe(first);
  });
});
