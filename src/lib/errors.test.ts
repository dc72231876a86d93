import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { AppError, clientHttpException, prefersHtml, publicError } from './errors.js';

describe('prefersHtml', () => {
  it.each<[string | undefined, string | undefined, boolean]>([
    ['application/x-www-form-urlencoded', undefined, true],
    ['multipart/form-data; boundary=x', '*/*', true],
    ['Application/X-WWW-Form-Urlencoded;charset=UTF-8', undefined, true],
    [undefined, 'text/html,application/xhtml+xml,*/*;q=0.8', true],
    ['application/json', 'text/html', false],
    ['application/json; charset=utf-8', undefined, false],
    [undefined, '*/*', false],
    [undefined, '*/*; q=0.5, application/xml', false],
    [undefined, undefined, false],
  ])('content-type %s, accept %s: %s', (contentType, accept, expected) => {
    expect(prefersHtml(contentType, accept)).toBe(expected);
  });
});

describe('publicError', () => {
  it("keeps an AppError's words and status, and hides an unexpected error's", () => {
    expect(publicError(new AppError('upstream', 'Stripe is down', {}))).toEqual({ status: 502, message: 'Stripe is down', fields: {} });
    const hidden = publicError(new Error('SQLITE_FULL at /var/lib/storyfund.sqlite'));
    expect(hidden.status).toBe(500);
    expect(hidden.message).not.toContain('SQLITE');
  });
});

describe('an HTTPException from Hono', () => {
  it("is the client's error when it is a 4xx: its status (or 400), its message, never our 500", () => {
    expect(publicError(new HTTPException(400, { message: 'Malformed JSON in request body' }))).toEqual({
      status: 400,
      message: 'Malformed JSON in request body',
      fields: { body: 'could not be read' },
    });
    expect(publicError(new HTTPException(403, { message: 'Forbidden' })).status).toBe(403);
    expect(publicError(new HTTPException(413, { message: 'Payload Too Large' })).status).toBe(400);
  });

  it('stays ours when it is a 5xx, and is no client error', () => {
    expect(clientHttpException(new HTTPException(503, { message: 'down' }))).toBeNull();
    expect(publicError(new HTTPException(503, { message: 'internal detail' }))).toMatchObject({ status: 500 });
    expect(clientHttpException(new Error('x'))).toBeNull();
  });
});
