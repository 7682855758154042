/**
 * Input checks shared by the subgraphs. Each throws `BAD_USER_INPUT` naming the field, before any write.
 */
import { badInput } from '../../lib/errors';

/** True when `id` is a UUID; ids that are not cannot exist, so callers answer "not found" (lib/uuid.ts). */
export { isUuid } from '../../lib/uuid';

/** Trims `value` and checks its length is within 1..`max` characters. */
export function requireText(field: string, value: string, max: number): string {
  const v = value.trim();
  if (v.length === 0) throw badInput(field, 'must not be empty.');
  if (v.length > max) throw badInput(field, `must be at most ${max} characters.`);
  return v;
}

/** Checks an integer is within `min..max`. */
export function requireInt(field: string, value: number, min: number, max = 2_147_483_647): number {
  if (!Number.isInteger(value) || value < min || value > max) throw badInput(field, `must be an integer between ${min} and ${max}.`);
  return value;
}

/** Checks an ISO 4217 currency code (three upper-case letters). */
export function requireCurrency(field: string, value: string): string {
  if (!/^[A-Z]{3}$/.test(value)) throw badInput(field, 'must be an ISO 4217 code such as USD.');
  return value;
}
