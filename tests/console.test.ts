// The console check every test file runs under (tests/setup/console.ts): declared output is
// kept for the test and off the terminal. Undeclared output failing its test was tried by
// hand: vitest reports "This test wrote to the console without expectConsole()".
import { describe, expect, it } from 'vitest';
import { expectConsole } from './setup/console.js';

describe('expectConsole', () => {
  it('hands a test the error and warning lines it said it would write, formatted as the console would', () => {
    const errors = expectConsole('error');
    const warnings = expectConsole('warn');
    console.error('failed %d times: %s', 3, 'disk full');
    console.warn({ retry: true });
    console.error('again');
    expect(errors).toEqual(['failed 3 times: disk full', 'again']);
    expect(warnings).toEqual(['{ retry: true }']);
  });

  it('starts every test with nothing declared', () => {
    expect(expectConsole('error')).toEqual([]);
  });
});
