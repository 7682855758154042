import { GraphQLError } from 'graphql';
import {
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  ORDER_TRANSITIONS,
  canTransition,
  formatOrderNumber,
  orderTotal,
  requireTransition,
  sameOrderPayload,
  validatePlaceOrder,
  type OrderStatusName,
} from '../../../subgraphs/orders/order/order.rules';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';

/** The `extensions` of the GraphQLError `fn` throws. */
function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return { message: (err as GraphQLError).message, ...(err as GraphQLError).extensions };
  }
  throw new Error('expected a GraphQLError');
}

describe('validatePlaceOrder', () => {
  it('keeps the lines in input order, lower-cases product ids and trims the idempotency key', () => {
    expect(
      validatePlaceOrder({
        lines: [
          { productId: P2.toUpperCase(), quantity: 3 },
          { productId: P1, quantity: 1 },
        ],
        idempotencyKey: '  key-1  ',
      }),
    ).toEqual({
      lines: [
        { productId: P2, quantity: 3 },
        { productId: P1, quantity: 1 },
      ],
      idempotencyKey: 'key-1',
    });
    expect(validatePlaceOrder({ lines: [{ productId: P1, quantity: 1 }] }).idempotencyKey).toBeNull();
  });

  it.each([
    ['no lines', { lines: [] }, 'input.lines'],
    ['too many lines', { lines: Array.from({ length: MAX_ORDER_LINES + 1 }, () => ({ productId: P1, quantity: 1 })) }, 'input.lines'],
    ['a zero quantity', { lines: [{ productId: P1, quantity: 0 }] }, 'input.lines[0].quantity'],
    ['a quantity above the maximum', { lines: [{ productId: P1, quantity: MAX_LINE_QUANTITY + 1 }] }, 'input.lines[0].quantity'],
    ['a fractional quantity', { lines: [{ productId: P1, quantity: 1.5 }] }, 'input.lines[0].quantity'],
    [
      'a repeated product',
      {
        lines: [
          { productId: P1, quantity: 1 },
          { productId: P1.toUpperCase(), quantity: 2 },
        ],
      },
      'input.lines[1].productId',
    ],
    ['an empty idempotency key', { lines: [{ productId: P1, quantity: 1 }], idempotencyKey: '   ' }, 'input.idempotencyKey'],
    [
      'an idempotency key over 200 characters',
      { lines: [{ productId: P1, quantity: 1 }], idempotencyKey: 'k'.repeat(201) },
      'input.idempotencyKey',
    ],
  ])('rejects %s with BAD_USER_INPUT naming the field', (_name, input, field) => {
    expect(errorOf(() => validatePlaceOrder(input))).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('answers NOT_FOUND for a product id that is not a UUID (no such product can exist)', () => {
    expect(errorOf(() => validatePlaceOrder({ lines: [{ productId: 'nope', quantity: 1 }] }))).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Product nope was not found.',
    });
  });
});

describe('order lifecycle', () => {
  const all = Object.keys(ORDER_TRANSITIONS) as OrderStatusName[];

  it('allows exactly PENDING -> CONFIRMED | CANCELLED, CONFIRMED -> SHIPPED | CANCELLED, SHIPPED -> DELIVERED', () => {
    const allowed = all.flatMap((from) => all.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual([
      'CONFIRMED->CANCELLED',
      'CONFIRMED->SHIPPED',
      'PENDING->CANCELLED',
      'PENDING->CONFIRMED',
      'SHIPPED->DELIVERED',
    ]);
  });

  it('never allows staying in the same status, and DELIVERED and CANCELLED are final', () => {
    for (const s of all) expect(canTransition(s, s)).toBe(false);
    expect(all.filter((to) => canTransition('DELIVERED', to) || canTransition('CANCELLED', to))).toEqual([]);
  });

  it('requireTransition refuses with BAD_USER_INPUT on `status`, naming the order and both statuses', () => {
    expect(() => requireTransition('ORD-000001', 'PENDING', 'SHIPPED')).toThrow('Cannot move order ORD-000001 from PENDING to SHIPPED.');
    expect(errorOf(() => requireTransition('ORD-000001', 'DELIVERED', 'CANCELLED'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'status',
    });
    expect(() => requireTransition('ORD-000001', 'PENDING', 'CONFIRMED')).not.toThrow();
  });
});

describe('formatOrderNumber', () => {
  it('pads to six digits and keeps larger numbers whole', () => {
    expect(formatOrderNumber(42)).toBe('ORD-000042');
    expect(formatOrderNumber(1_234_567)).toBe('ORD-1234567');
  });
});

describe('orderTotal', () => {
  const line = (quantity: number, unitPriceAmount: number, unitPriceCurrency = 'USD') => ({
    productId: P1,
    position: 0,
    quantity,
    unitPriceAmount,
    unitPriceCurrency,
  });

  it('sums quantity x unit price in minor units', () => {
    expect(orderTotal([line(2, 1999), line(1, 1)])).toEqual({ currency: 'USD', totalAmount: 3999 });
  });

  it('refuses mixed currencies and totals above the 32-bit column', () => {
    expect(errorOf(() => orderTotal([line(1, 100), line(1, 100, 'EUR')]))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines' });
    expect(errorOf(() => orderTotal([line(10_000, 2_000_000)]))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines' });
  });
});

describe('sameOrderPayload', () => {
  const requested = [
    { productId: P1, quantity: 1 },
    { productId: P2, quantity: 2 },
  ];

  it('is true for the same products and quantities in the same positions (product ids compared case-insensitively)', () => {
    expect(
      sameOrderPayload(
        [
          { productId: P1.toUpperCase(), quantity: 1 },
          { productId: P2, quantity: 2 },
        ],
        requested,
      ),
    ).toBe(true);
  });

  it('is false for another quantity, another product, another order of lines, or another number of lines', () => {
    expect(
      sameOrderPayload(
        [
          { productId: P1, quantity: 1 },
          { productId: P2, quantity: 3 },
        ],
        requested,
      ),
    ).toBe(false);
    expect(
      sameOrderPayload(
        [
          { productId: P2, quantity: 2 },
          { productId: P1, quantity: 1 },
        ],
        requested,
      ),
    ).toBe(false);
    expect(sameOrderPayload([{ productId: P1, quantity: 1 }], requested)).toBe(false);
  });
});
