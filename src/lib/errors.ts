// One error type for the whole app; onError maps its code to an HTTP status.
import { HTTPException } from 'hono/http-exception';

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_signature: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  upstream: 502,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** field name -> message, for input errors */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): (typeof ERROR_STATUS)[ErrorCode] {
    return ERROR_STATUS[this.code];
  }
}

export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** What a client may be told about an error: an AppError's own words, else a plain apology. */
export type PublicError = {
  status: ErrorStatus;
  message: string;
  fields: Record<string, string>;
  /** the request's id, for the reader to quote and staff to find in the logs */
  reference?: string;
};

export const UNEXPECTED_ERROR_MESSAGE = 'Something went wrong on our side. Nothing was charged twice; please try again.';

export function publicError(err: unknown): PublicError {
  if (err instanceof AppError) return { status: err.status, message: err.message, fields: err.fields };
  const client = clientHttpException(err);
  if (client) return { status: client.status, message: client.message, fields: client.fields };
  // an unexpected error's message may hold SQL, paths or keys: it goes to the log only
  return { status: 500, message: UNEXPECTED_ERROR_MESSAGE, fields: {} };
}

/**
 * Browsers posting a form, or asking for a page, get an HTML error page; API clients
 * (JSON bodies, fetch with its default Accept) and Stripe's webhooks get JSON.
 */
export function prefersHtml(contentType: string | undefined, accept: string | undefined): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/json') return false;
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data') return true;
  return /(^|[\s,])text\/html\b/i.test(accept ?? '');
}

const CODE_OF_STATUS: Partial<Record<number, ErrorCode>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'too_many_requests',
};

/**
 * Hono's own middleware and validators refuse bad requests with an HTTPException (a 400 for
 * "Malformed JSON in request body" or a multipart body without its boundary): the client's
 * error, as an AppError, never our 500. Any 4xx without a code of ours is a 400.
 */
export function clientHttpException(err: unknown): AppError | null {
  if (!(err instanceof HTTPException) || err.status < 400 || err.status >= 500) return null;
  return new AppError(CODE_OF_STATUS[err.status] ?? 'bad_request', err.message || 'The request could not be read', { body: 'could not be read' });
}
