/**
 * The value schemas of the configuration (zod): how one environment variable is read. A blank value
 * counts as unset; each schema's error message says what the value must be, and lib/config.ts names
 * the variable.
 */
import { z } from 'zod';

/** `undefined` for a blank string (an unset variable), the value otherwise. */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A decimal integer of at least `min`, or `fallback` when unset. */
export function int(fallback: number, min = 0) {
  const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
  return z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^-?\d+$/, { error: `must be ${what}` })
        .transform(Number)
        .refine((n) => Number.isSafeInteger(n) && n >= min, { error: `must be ${what}` })
        .optional(),
    )
    .transform((n) => n ?? fallback);
}

/** `true`/`1` or `false`/`0`, or `fallback` when unset. */
export function bool(fallback?: boolean) {
  return z
    .preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional())
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));
}

/** Any text, or undefined when unset. */
export const text = z.preprocess(blankToUndefined, z.string().optional());

/** A URL, or undefined when unset. */
export const url = z.preprocess(blankToUndefined, z.url({ error: 'must be a URL' }).optional());
