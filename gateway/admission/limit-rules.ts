/**
 * The document limits as graphql-js validation rules, run with the standard rules on every new
 * document (document-admission.ts). Depth, aliases and directives are graphql-armor's rules
 * (`@escape.tech/graphql-armor-*`, maintained by Escape; depth with `flattenFragments`, so a
 * fragment counts at the depth where it is spread); root fields per operation and fields per
 * operation (duplicates included: 500 repeated `__typename`) are ours (graphql-armor has no such
 * rules); the depth of introspection (`fields { type { fields ...` circles) is graphql-js's
 * `MaxIntrospectionDepthRule`. Each rejection is reported as a GraphQLError with the limit's documented
 * `extensions.code` (admission-error.ts), not thrown, so every broken limit is reported at once.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  Kind,
  MaxIntrospectionDepthRule,
  OperationTypeNode,
  type ASTVisitor,
  type GraphQLError,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { limitExceeded, type LimitName } from './admission-error';
import type { OperationLimits } from './operation-limits';

/** What graphql-armor's messages say was found (`... exceeded, found 31.`). */
function foundIn(error: GraphQLError, fallback: number): number {
  const m = /found (\d+)/.exec(error.message);
  return m ? Number(m[1]) : fallback;
}

/** graphql-armor's callbacks reporting a rejection on the validation context with our code. */
function report(limit: LimitName, max: number, what: string) {
  return {
    n: max,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(limitExceeded(limit, max, foundIn(error, max + 1), what)),
    ],
  };
}

/** Root fields of `selectionSet`, with fragments (inline and spread) flattened; `__typename` is free. */
function countRootFields(selectionSet: SelectionSetNode, context: ValidationContext, seen = new Set<string>()): number {
  let n = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') n++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      n += countRootFields(selection.selectionSet, context, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) n += countRootFields(fragment.selectionSet, context, seen);
    }
  }
  return n;
}

/** At most `maxRootFields` root fields per query or subscription, `maxMutationRootFields` per mutation. */
export function maxRootFieldsRule(limits: Pick<OperationLimits, 'maxRootFields' | 'maxMutationRootFields'>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const max = operation.operation === OperationTypeNode.MUTATION ? limits.maxMutationRootFields : limits.maxRootFields;
      const found = countRootFields(operation.selectionSet, context);
      if (found > max) {
        context.reportError(limitExceeded('rootFields', max, found, `root fields in one ${operation.operation}`));
      }
    },
  });
}

/** Fields selected by `selectionSet`, nested ones and fragments (counted where spread) included. */
function countFields(selectionSet: SelectionSetNode, context: ValidationContext, memo: Map<string, number>): number {
  let n = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      n += 1 + (selection.selectionSet ? countFields(selection.selectionSet, context, memo) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      n += countFields(selection.selectionSet, context, memo);
    } else {
      const name = selection.name.value;
      if (!memo.has(name)) {
        memo.set(name, 0); // a fragment cycle (refused by NoFragmentCyclesRule) counts nothing more
        const fragment = context.getFragment(name);
        memo.set(name, fragment ? countFields(fragment.selectionSet, context, memo) : 0);
      }
      n += memo.get(name)!;
    }
  }
  return n;
}

/** At most `maxFields` fields selected per operation (MAX_FIELDS_LIMIT). */
export function maxFieldsRule(limits: Pick<OperationLimits, 'maxFields'>): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const found = countFields(operation.selectionSet, context, new Map());
      if (found > limits.maxFields) context.reportError(limitExceeded('fields', limits.maxFields, found, 'fields selected'));
    },
  });
}

/** The validation rules of the document limits (added to graphql-js's `specifiedRules`). */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  return [
    MaxIntrospectionDepthRule,
    maxFieldsRule(limits),
    maxDepthRule({ ...report('depth', limits.maxDepth, 'levels of nesting'), flattenFragments: true, ignoreIntrospection: true }),
    maxAliasesRule({ ...report('aliases', limits.maxAliases, 'aliases'), allowList: [] }) as ValidationRule,
    maxDirectivesRule(report('directives', limits.maxDirectives, 'directives')) as ValidationRule,
    maxRootFieldsRule(limits),
  ];
}
