import { Kind, parse, print, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { LIVE_FIELDS, SUBJECT_VARIABLE, buildLiveQuery, isLiveFieldName } from '../../../gateway/subscriptions/live-query';

/** Rewrites the subscription of `source` the way the planner does, and prints the result. */
function rewrite(source: string): { query: string; variableNames: string[] } {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const field = operation.selectionSet.selections[0] as FieldNode;
  const queryField = LIVE_FIELDS[field.name.value as keyof typeof LIVE_FIELDS].queryField;
  const built = buildLiveQuery(document, operation, field, queryField);
  return { query: print(built.document), variableNames: built.variableNames };
}

const normalize = (source: string) => print(parse(source));

describe('buildLiveQuery', () => {
  it('rewrites the root field into its query field on the subject variable, keeping the name and the selection', () => {
    const { query, variableNames } = rewrite('subscription Orders { orderUpdated { id status } }');
    expect(query).toBe(
      normalize(`query Orders($${SUBJECT_VARIABLE}: ID!) { orderUpdated: order(id: $${SUBJECT_VARIABLE}) { id status } }`),
    );
    expect(variableNames).toEqual([]);
  });

  it('keeps the alias as the response key', () => {
    const { query } = rewrite('subscription { mine: notificationAdded { id title } }');
    expect(query).toBe(normalize(`query($${SUBJECT_VARIABLE}: ID!) { mine: notification(id: $${SUBJECT_VARIABLE}) { id title } }`));
  });

  it('drops the root arguments and the variables only they use; keeps the variables of the selection, in definition order', () => {
    const { query, variableNames } = rewrite(`
      subscription S($id: ID, $withLines: Boolean!, $after: String, $withStatus: Boolean!) {
        orderUpdated(id: $id, after: $after) { id status @include(if: $withStatus) lines @skip(if: $withLines) { quantity } }
      }`);
    expect(query).toBe(
      normalize(`
        query S($withLines: Boolean!, $withStatus: Boolean!, $${SUBJECT_VARIABLE}: ID!) {
          orderUpdated: order(id: $${SUBJECT_VARIABLE}) { id status @include(if: $withStatus) lines @skip(if: $withLines) { quantity } }
        }`),
    );
    expect(variableNames).toEqual(['withLines', 'withStatus']);
  });

  it('keeps the fragments the selection reaches (nested ones too) and the variables they use; drops the others', () => {
    const { query, variableNames } = rewrite(`
      subscription($flag: Boolean!, $unused: Boolean!) { orderUpdated { ...Order } }
      fragment Unused on Order { number @include(if: $unused) }
      fragment Order on Order { id ...Lines }
      fragment Lines on Order { lines @include(if: $flag) { quantity } }`);
    expect(query).toBe(
      normalize(`
        query($flag: Boolean!, $${SUBJECT_VARIABLE}: ID!) { orderUpdated: order(id: $${SUBJECT_VARIABLE}) { ...Order } }
        fragment Order on Order { id ...Lines }
        fragment Lines on Order { lines @include(if: $flag) { quantity } }`),
    );
    expect(variableNames).toEqual(['flag']);
  });
});

describe('isLiveFieldName', () => {
  it('accepts the live root fields only (not inherited object keys)', () => {
    expect(isLiveFieldName('orderUpdated')).toBe(true);
    expect(isLiveFieldName('notificationAdded')).toBe(true);
    expect(isLiveFieldName('order')).toBe(false);
    expect(isLiveFieldName('toString')).toBe(false);
  });
});
