/**
 * Per-request checks of an admitted document that depend on the caller or the variables, so they
 * cannot be cached with the document: introspection rights, and NUL characters in string input.
 * What they read of the document alone is remembered per document node (admitted documents are
 * cached and immutable, gateway/admission/document-admission.ts), so a repeated document is not
 * walked again.
 */
import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { GraphQLError } from 'graphql';
import { admissionError } from './admission-error';

/** Introspection root fields (`__typename` is not introspection of the schema and stays free). */
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

const introspecting = new WeakMap<OperationDefinitionNode, boolean>();

/** Whether `operation` (with the fragments it spreads) selects `__schema` or `__type` (remembered per operation node). */
export function usesIntrospection(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  let found = introspecting.get(operation);
  if (found === undefined) introspecting.set(operation, (found = selectsIntrospection(document, operation)));
  return found;
}

function selectsIntrospection(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const seen = new Set<string>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  let found = false;
  while (pending.length > 0 && !found) {
    visit(pending.pop()!, {
      Field(node) {
        if (INTROSPECTION_FIELDS.has(node.name.value)) found = true;
      },
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !seen.has(node.name.value)) {
          seen.add(node.name.value);
          pending.push(fragment);
        }
      },
    });
  }
  return found;
}

/** `INTROSPECTION_DISABLED` (HTTP 400): introspection is off for this caller. */
export function introspectionDisabled(): GraphQLError {
  return admissionError('INTROSPECTION_DISABLED', 'Introspection is disabled; it is allowed to principals holding the schema:read scope.');
}

/** The path of the first string holding a NUL character (U+0000) in `value`, or undefined. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = nulPath(v, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * `BAD_USER_INPUT` (HTTP 400, `extensions.field` naming the variable or argument) when a variable
 * value or a string literal of the document holds a NUL character, which no text column accepts
 * (PostgreSQL refuses `\u0000` in text); undefined otherwise.
 */
export function nulCharacterError(document: DocumentNode, variables: Record<string, unknown>): GraphQLError | undefined {
  const inVariables = nulPath(variables, '');
  if (inVariables)
    return admissionError('BAD_USER_INPUT', `$${inVariables}: must not contain a NUL character.`, 400, { field: inVariables });
  const argument = nulArgument(document);
  return argument === undefined
    ? undefined
    : admissionError('BAD_USER_INPUT', `${argument}: must not contain a NUL character.`, 400, { field: argument });
}

const nulArguments = new WeakMap<DocumentNode, string | null>();

/** The first argument of `document` with a string literal holding a NUL character (remembered per document node). */
function nulArgument(document: DocumentNode): string | undefined {
  let found = nulArguments.get(document);
  if (found === undefined) nulArguments.set(document, (found = scanNulArgument(document) ?? null));
  return found ?? undefined;
}

function scanNulArgument(document: DocumentNode): string | undefined {
  let argument: string | undefined;
  visit(document, {
    Argument: {
      enter(node) {
        let hasNul = false;
        visit(node.value, {
          StringValue(s) {
            if (s.value.includes('\u0000')) hasNul = true;
          },
        });
        if (hasNul && argument === undefined) argument = node.name.value;
      },
    },
  });
  return argument;
}
