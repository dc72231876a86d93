import { describe, expect, it } from 'vitest';
import { AppError, prefersHtml, publicError } from './errors.js';

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
  it('keeps an AppError\'s words and status, and hides an unexpected error\'s', () => {
    expect(publicError(new AppError('upstream', 'Stripe is down', {}))).toEqual({ status: 502, message: 'Stripe is down', fields: {} });
    const hidden = publicError(new Error('SQLITE_FULL at /var/lib/storyfund.sqlite'));
    expect(hidden.status).toBe(500);
    expect(hidden.message).not.toContain('SQLITE');
  });
});
