// The one way input is checked: a zod schema, and on failure an AppError naming each bad
// field. Routes use `validate(target, schema)` (Hono middleware over @hono/zod-validator
// with this hook) or `parseInput(schema, value)` where the value is read by hand first.
import { zValidator } from '@hono/zod-validator';
import type { HonoRequest, ValidationTargets } from 'hono';
import type { BodyData } from 'hono/utils/body';
import type { z } from 'zod';
import { AppError } from './errors.js';

export type FieldErrors = Record<string, string>;

export const INPUT_ERROR_MESSAGE = 'Please check the highlighted fields';

/** The first message for each field; a nested path is joined with dots (`items.0.price`). */
export function fieldErrors(error: z.core.$ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : 'body';
    fields[key] ??= issue.message;
  }
  return fields;
}

/** The parsed value, or an AppError (400) naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, message = INPUT_ERROR_MESSAGE): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('bad_request', message, fieldErrors(parsed.error));
  return parsed.data;
}

/**
 * Hono middleware: parses the request's `target` (json, form, query, param, header) with
 * `schema` and puts the result on `c.req.valid(target)`; bad input raises the AppError
 * that onError turns into a 400 (JSON for API clients, an HTML page for browsers). A page
 * that re-renders its form with the reader's values parses inside its handler instead,
 * with `parseInput` or `schema.safeParse` + `fieldErrors`.
 */
export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, fieldErrors(result.error));
  });
}

/**
 * A posted form's fields (urlencoded or multipart), or an AppError (400) when the body cannot
 * be read as a form at all: a multipart body without its boundary, or cut short. Hono's
 * parseBody throws a plain TypeError for those, which would otherwise be answered as our 500.
 */
export async function readForm(req: HonoRequest): Promise<BodyData> {
  try {
    return await req.parseBody();
  } catch {
    throw new AppError('bad_request', 'The form could not be read. Please send it again.', { body: 'must be a form post' });
  }
}
