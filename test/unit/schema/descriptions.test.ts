/**
 * Schema documentation an IDE can show: every type, field, argument, input field, enum value and
 * custom directive (and its arguments) of every subgraph SDL has a description, and `DateTime`
 * names its specification with `@specifiedBy`.
 */
import { Kind, parse, type ConstDirectiveNode, type DefinitionNode, type StringValueNode } from 'graphql';
import { SUBGRAPHS, readSubgraphSdl } from '../../../lib/schema/subgraphs';

/** `path` of every element of `definition` that has no (or a blank) description. */
function undocumented(definition: DefinitionNode): string[] {
  const missing: string[] = [];
  const check = (path: string, description: StringValueNode | undefined) => {
    if (!description?.value.trim()) missing.push(path);
  };
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_DEFINITION: {
      const name = definition.name.value;
      // The root operation types are documented by their fields.
      if (!['Query', 'Mutation', 'Subscription'].includes(name)) check(name, definition.description);
      for (const field of definition.fields ?? []) {
        check(`${name}.${field.name.value}`, field.description);
        if ('arguments' in field)
          for (const arg of field.arguments ?? []) check(`${name}.${field.name.value}(${arg.name.value})`, arg.description);
      }
      break;
    }
    case Kind.ENUM_TYPE_DEFINITION:
      check(definition.name.value, definition.description);
      for (const value of definition.values ?? []) check(`${definition.name.value}.${value.name.value}`, value.description);
      break;
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.UNION_TYPE_DEFINITION:
      check(definition.name.value, definition.description);
      break;
    case Kind.DIRECTIVE_DEFINITION:
      check(`@${definition.name.value}`, definition.description);
      for (const arg of definition.arguments ?? []) check(`@${definition.name.value}(${arg.name.value})`, arg.description);
      break;
    default:
      break;
  }
  return missing;
}

describe('schema/*.graphql documentation', () => {
  it.each(SUBGRAPHS.map((s) => s.name))('%s: every type, field, argument, enum value and directive has a description', (name) => {
    const document = parse(readSubgraphSdl(name));
    expect(document.definitions.flatMap(undocumented)).toEqual([]);
  });

  it('finds a missing description (the check can fail)', () => {
    const document = parse('type Thing { "Documented." a: Int  b(x: Int): Int }  enum E { "Yes." A  B }');
    expect(document.definitions.flatMap(undocumented)).toEqual(['Thing', 'Thing.b', 'Thing.b(x)', 'E', 'E.B']);
  });

  it.each(SUBGRAPHS.map((s) => s.name))('%s: DateTime names its specification with @specifiedBy', (name) => {
    const scalar = parse(readSubgraphSdl(name)).definitions.find(
      (d) => d.kind === Kind.SCALAR_TYPE_DEFINITION && d.name.value === 'DateTime',
    );
    const specifiedBy = (scalar as { directives?: readonly ConstDirectiveNode[] } | undefined)?.directives?.find(
      (d) => d.name.value === 'specifiedBy',
    );
    expect(specifiedBy).toBeDefined();
  });
});
