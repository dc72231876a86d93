// Stripe's error envelope (https://docs.stripe.com/api/errors), so the SDK raises for a
// request the sandbox rejects the same error class, message and param it would for Stripe.
import type { Context } from 'hono';

type StripeErrorBody = { type?: string; message: string; param?: string; code?: string };

export class SandboxApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'SandboxApiError';
  }
}

export const invalid = (message: string, param?: string) => new SandboxApiError(400, { message, ...(param ? { param } : {}) });

export function notFound(type: string, id: string, param: string): SandboxApiError {
  return new SandboxApiError(404, { message: `No such ${type}: '${id}'`, param, code: 'resource_missing' });
}

export function errorResponse(c: Context, err: SandboxApiError): Response {
  const { body } = err;
  const type = body.type ?? 'invalid_request_error';
  const docUrl = body.code ? `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` : undefined;
  return c.json({ error: { type, message: body.message, param: body.param, code: body.code, doc_url: docUrl } }, err.status);
}
