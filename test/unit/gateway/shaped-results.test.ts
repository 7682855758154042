import { GraphQLError, type ExecutionResult } from 'graphql';
import { resultJson, ShapedResults } from '../../../gateway/subscriptions/shaped-results';

describe('ShapedResults', () => {
  it('get: shapes a raw result once per shape key, then answers the same object (undefined included)', () => {
    const shapes = new ShapedResults();
    const raw: ExecutionResult = { data: { order: { id: '1' } } };
    let calls = 0;
    const shape = (key: string) => () => {
      calls++;
      return key === 'hidden' ? undefined : { data: { [key]: { id: '1' } } };
    };
    const first = shapes.get(raw, 'mine', shape('mine'));
    expect(shapes.get(raw, 'mine', shape('mine'))).toBe(first);
    expect(shapes.get(raw, 'theirs', shape('theirs'))).toEqual({ data: { theirs: { id: '1' } } });
    expect(shapes.get(raw, 'hidden', shape('hidden'))).toBeUndefined();
    expect(shapes.get(raw, 'hidden', shape('hidden'))).toBeUndefined();
    expect(calls).toBe(3);
    expect(shapes.get({ ...raw }, 'mine', shape('mine'))).not.toBe(first);
    expect(calls).toBe(4);
  });
});

describe('resultJson', () => {
  it('serialises a result as JSON.stringify does, errors through GraphQLError.toJSON, once per object', () => {
    const result: ExecutionResult = {
      data: null,
      errors: [new GraphQLError('The event stream is unreachable.', { extensions: { code: 'SERVICE_UNAVAILABLE' } })],
      extensions: { cursor: '1-0' },
    };
    const json = resultJson(result);
    expect(JSON.parse(json)).toEqual({
      data: null,
      errors: [{ message: 'The event stream is unreachable.', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
      extensions: { cursor: '1-0' },
    });
    (result.extensions as Record<string, unknown>).cursor = 'changed'; // results are immutable once serialised: this is not seen
    expect(resultJson(result)).toBe(json);
  });
});
