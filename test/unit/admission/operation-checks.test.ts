import { getOperationAST, parse } from 'graphql';
import { nulCharacterError, usesIntrospection } from '../../../gateway/admission/operation-checks';

describe('usesIntrospection', () => {
  it('answers per operation of a document, through fragment spreads, the same when asked again', () => {
    const document = parse(`
      query Plain { orders { id __typename } }
      query Hidden { ...Schema }
      fragment Schema on Query { __schema { queryType { name } } }
    `);
    const plain = getOperationAST(document, 'Plain')!;
    const hidden = getOperationAST(document, 'Hidden')!;
    for (let i = 0; i < 2; i++) {
      expect(usesIntrospection(document, plain)).toBe(false);
      expect(usesIntrospection(document, hidden)).toBe(true);
    }
  });
});

describe('nulCharacterError', () => {
  it('names the argument whose string literal holds a NUL, every time the document comes back', () => {
    const document = parse(`{ products(search: "a\\u0000b") { id } }`);
    for (let i = 0; i < 2; i++) {
      const error = nulCharacterError(document, {});
      expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    }
  });

  it('checks the variables of each request even when the document itself is clean and already checked', () => {
    const document = parse(`query Q($s: String) { products(search: $s) { id } }`);
    expect(nulCharacterError(document, { s: 'plain' })).toBeUndefined();
    expect(nulCharacterError(document, { s: 'x\u0000' })?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 's' });
    expect(nulCharacterError(document, { s: 'plain again' })).toBeUndefined();
  });
});
