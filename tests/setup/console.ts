// Every test file's setup: a test that writes to console.error or console.warn fails, unless
// it declared that output with expectConsole(). Such lines are how a swallowed error, a
// promise nobody awaited or a library's warning shows itself, and in a passing run they
// scroll past unread.
import { format } from 'node:util';
import { afterAll, afterEach, beforeEach } from 'vitest';

type Method = 'error' | 'warn';
const METHODS: readonly Method[] = ['error', 'warn'];

/** The lines a test said it would write, per method; reset for every test. */
let expected = new Map<Method, string[]>();
/** Lines no test declared: the running test's, or (between tests) the file's. */
let unexpected: string[] = [];

for (const method of METHODS) {
  const original = console[method].bind(console);
  // Assigned, not spied on: a test's vi.restoreAllMocks() must not take the check away.
  console[method] = (...args: unknown[]) => {
    const text = format(...args);
    const lines = expected.get(method);
    if (lines) {
      lines.push(text);
      return;
    }
    unexpected.push(`console.${method}: ${text}`);
    original(...args);
  };
}

/**
 * For a test that means to log: keeps its console.error (or warn) lines off the terminal
 * and out of the check, and returns them (filled as they come) for the test to assert on.
 */
export function expectConsole(method: Method): string[] {
  const lines = expected.get(method) ?? [];
  expected.set(method, lines);
  return lines;
}

function report(where: string): void {
  if (!unexpected.length) return;
  const lines = unexpected;
  unexpected = [];
  throw new Error(`${where} wrote to the console without expectConsole():\n${lines.map((l) => `  ${l}`).join('\n')}`);
}

// Registered before any test file's hooks: this beforeEach runs first and this afterEach last
// (vitest runs after-hooks in reverse), so a file's own hooks count as part of each test.
beforeEach(() => report('Code between tests (a hook, or work left running by an earlier test)'));
afterEach(() => {
  expected = new Map();
  report('This test');
});
afterAll(() => report('Code after the last test'));
