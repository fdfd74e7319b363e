import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodInvalidInput } from './errors.ts';

describe('zodInvalidInput', () => {
  const body = z.object({ horizon: z.number().int().min(1).max(90), name: z.string() });

  it("names a whole-number field's own bound for a huge or tiny number, not the safe-integer range", () => {
    for (const [horizon, bound] of [
      [1e308, 'maximum'],
      [-1e308, 'minimum'],
    ] as const) {
      const r = body.safeParse({ horizon, name: 'x' });
      const e = zodInvalidInput(r.error as z.ZodError, 'body');
      expect(e.code).toBe('invalid_input');
      expect(e.message).not.toContain('9007199254740991');
      expect((e.details as { issues: unknown[] }).issues).toEqual([
        expect.objectContaining({ location: 'body.horizon', [bound]: bound === 'maximum' ? 90 : 1 }),
      ]);
    }
  });

  it('keeps every problem of different fields, and the safe-integer bound when it is the only one', () => {
    const r = body.safeParse({ horizon: 2.5, name: 3 });
    const e = zodInvalidInput(r.error as z.ZodError, 'body');
    expect(
      ((e.details as { issues: unknown[] }).issues as Array<{ location: string }>).map((i) => i.location),
    ).toEqual(['body.horizon', 'body.name']);
    const big = z.object({ n: z.number().int() }).safeParse({ n: 1e20 });
    const only = zodInvalidInput(big.error as z.ZodError, 'query');
    expect((only.details as { issues: unknown[] }).issues).toEqual([
      expect.objectContaining({ location: 'query.n', code: 'too_big' }),
    ]);
  });
});
