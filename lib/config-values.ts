/**
 * The zod value parsers of the configuration (lib/config.ts): blank means unset, integers with a
 * lower bound, booleans spelled true/false/1/0, text and URLs. They read no environment.
 */
import { z } from 'zod';

/** A blank string counts as unset. */
export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A non-negative (or at least `min`) integer, `fallback` when unset. */
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

/** `true`/`false`/`1`/`0`, `fallback` when unset. */
export function bool(fallback?: boolean) {
  return z
    .preprocess(blankToUndefined, z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).optional())
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));
}

/** Any text, undefined when unset. */
export const text = z.preprocess(blankToUndefined, z.string().optional());
/** A URL, undefined when unset. */
export const url = z.preprocess(blankToUndefined, z.url({ error: 'must be a URL' }).optional());
