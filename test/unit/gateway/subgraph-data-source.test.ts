import { cacheHint } from '../../../gateway/subgraph-data-source';

describe('cacheHint', () => {
  it('reads max-age in seconds and the scope of a Cache-Control header, as RemoteGraphQLDataSource does', () => {
    expect(cacheHint('max-age=60, private')).toEqual({ maxAge: 60, scope: 'PRIVATE' });
    expect(cacheHint('public,max-age="30"')).toEqual({ maxAge: 30, scope: 'PUBLIC' });
    expect(cacheHint('private, public')).toEqual({ maxAge: 0, scope: 'PUBLIC' });
  });

  it('is uncacheable (max-age 0, no scope) without a header, with no-store, or with a max-age that is not a number', () => {
    expect(cacheHint(null)).toEqual({ maxAge: 0 });
    expect(cacheHint(undefined)).toEqual({ maxAge: 0 });
    expect(cacheHint('no-store')).toEqual({ maxAge: 0 });
    expect(cacheHint('max-age=-5')).toEqual({ maxAge: 0 });
    expect(cacheHint('max-age=1e3')).toEqual({ maxAge: 0 });
  });
});
