import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors.js';
import { fieldErrors, parseInput, validate } from './validate.js';

const schema = z.object({ name: z.string().min(1, 'Enter a name'), age: z.coerce.number().int('whole years') });

describe('validate', () => {
  it('parseInput returns the parsed value', () => {
    expect(parseInput(schema, { name: 'Ada', age: '36' })).toEqual({ name: 'Ada', age: 36 });
  });

  it('parseInput raises a 400 AppError naming each bad field', () => {
    try {
      parseInput(schema, { name: '', age: '1.5' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).fields).toEqual({ name: 'Enter a name', age: 'whole years' });
    }
  });

  it('fieldErrors joins nested paths and names a top-level failure "body"', () => {
    const nested = z.object({ items: z.array(z.object({ price: z.number() })) }).safeParse({ items: [{ price: 'x' }] });
    expect(nested.success).toBe(false);
    if (!nested.success) expect(Object.keys(fieldErrors(nested.error))).toEqual(['items.0.price']);
    const top = z.object({}).safeParse(null);
    if (!top.success) expect(Object.keys(fieldErrors(top.error))).toEqual(['body']);
  });

  it('validate() hands a bad query to onError as an AppError', async () => {
    const app = new Hono();
    app.get('/x', validate('query', z.object({ n: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number) })), (c) =>
      c.json(c.req.valid('query')),
    );
    app.onError((err, c) => c.json({ fields: err instanceof AppError ? err.fields : null }, err instanceof AppError ? err.status : 500));
    const ok = await app.request('/x?n=3');
    expect(await ok.json()).toEqual({ n: 3 });
    const bad = await app.request('/x?n=three');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ fields: { n: 'must be a whole number' } });
  });
});
