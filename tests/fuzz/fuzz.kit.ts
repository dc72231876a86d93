// Shared pieces of the property-based fuzzers: how many cases and which seed (fixed, so a
// failure in CI reproduces on any machine), the input generators, and the checks every
// response must pass whatever was sent.
import fc from 'fast-check';
import { expect } from 'vitest';

/** CI's fixed seed; `npm run fuzz -- --seed S` (FUZZ_SEED) tries others. */
export const DEFAULT_SEED = 20_261_130;

export const FUZZ = {
  runs: positiveInt(process.env.FUZZ_RUNS, 1000),
  seed: process.env.FUZZ_SEED ? Number.parseInt(process.env.FUZZ_SEED, 10) : DEFAULT_SEED,
};

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/**
 * Runs `property` on FUZZ.runs generated cases. A failure names the seed and the shrunk case,
 * and the command that replays it.
 */
export async function fuzz<T>(target: string, arb: fc.Arbitrary<T>, property: (value: T) => Promise<void>): Promise<void> {
  const result = await fc.check(fc.asyncProperty(arb, property), { numRuns: FUZZ.runs, seed: FUZZ.seed });
  if (result.failed) {
    throw new Error(
      `fuzz target "${target}" failed with seed ${result.seed} (path ${result.counterexamplePath}); ` +
        `replay it with: npm run fuzz -- --target ${target} --seed ${result.seed} --runs ${FUZZ.runs}\n${fc.defaultReportMessage(result)}\n` +
        `${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
      { cause: result.errorInstance },
    );
  }
}

/** Tags put into input: none may come back raw in an HTML page, whatever it is wrapped in. */
export const MARKERS = [
  '<x-fuzz>',
  '"><x-fuzz>',
  "'><x-fuzz a=1>",
  '</textarea><x-fuzz>',
  '</script><x-fuzz>',
  'javascript:<x-fuzz>',
  '<x-fuzz\u2028>',
] as const;
const RAW_MARKER = '<x-fuzz';

/** Strings a careless parser trips on: lone surrogates, odd numbers, controls, long runs. */
const ODD = [
  '\uD800',
  '\uDFFF',
  'a\uDC00b',
  '\uFFFD',
  '\u0000',
  '\u202E',
  '\r\n',
  '',
  ' ',
  '1e400',
  '-1e400',
  '1e21',
  '-0',
  'NaN',
  'Infinity',
  '0x10',
  '1_000',
  '10.505',
  '10,50',
  '\u0661\u0660',
  '9007199254740993',
  '00010',
  '+5',
  '.5',
  '5.',
  '-1500',
  '15.5',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  "'; drop table gifts; --",
  '%',
  '%zz',
  '../../etc/passwd',
  'x'.repeat(10_000),
  '9'.repeat(400),
] as const;

/** One text value of any kind the web can send. */
export const nastyText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 30 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 3 },
  { arbitrary: fc.constantFrom(...ODD), weight: 3 },
  { arbitrary: fc.constantFrom(...MARKERS), weight: 2 },
  { arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...MARKERS), fc.constantFrom(...ODD)).map((p) => p.join('')), weight: 2 },
  { arbitrary: fc.oneof(fc.double(), fc.integer(), fc.bigInt()).map(String), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 300_000 }).map((n) => 'y'.repeat(n)), weight: 1 },
);

/** A value of any JSON type, for fields that expect another. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e20, -1e20, 1e308, 0.5, Number.MAX_SAFE_INTEGER + 2, [], {}, [[]], { a: 1 }),
  fc.jsonValue({ maxDepth: 2 }),
  nastyText,
);

/** A percent-encoded query or form value, including encodings that decode to nothing valid. */
export const encodedText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: nastyText.map((s) => encodeURIComponent(s.toWellFormed())), weight: 6 },
  { arbitrary: fc.constantFrom('%ED%A0%80', '%', '%zz', '%E0%A4%A', '%00', '%C0%AF', '%FF%FE', '+%2B+', '%25%32%35'), weight: 2 },
);

const LEAKS: [string, RegExp][] = [
  ['a stack trace', /\n\s+at \S+ \(|\bat (async )?[\w$.]+ \([^)]*:\d+:\d+\)/],
  ['a file path', /[/\\](src|node_modules|db|tests|dist)[/\\][\w./\\-]+\.(ts|tsx|js|mjs|cjs)\b|file:\/\//],
  ['SQL text', /\bSQLITE_[A-Z_]+\b|no such (table|column)|constraint failed|\b(select|insert into|update|delete from)\s+["*`]|\bfrom\s+"\w+"/i],
  // a JavaScript error's name and message (a page may be titled "Error: …" for the reader)
  ['an error message', /\b[A-Z]\w*Error:|(^|\n)\s*Error: [a-z]/],
];

/** The body with every input removed, as sent, HTML-escaped or JSON-escaped: what the app said by itself. */
function withoutInputs(body: string, inputs: readonly string[]): string {
  let out = body;
  const forms = (s: string) => [s, escapeHtml(s), JSON.stringify(s).slice(1, -1), escapeHtml(JSON.stringify(s).slice(1, -1))];
  for (const input of [...inputs].sort((a, b) => b.length - a.length)) {
    if (input.length < 3) continue;
    for (const form of forms(input)) out = out.split(form).join('');
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/**
 * What every answer to any input must be: below 500, without a stack trace, a source path,
 * SQL or an error name, and (for HTML) with no marker put in the input reflected raw.
 * Returns the body for further checks.
 */
export async function expectSafeResponse(res: Response, inputs: readonly string[], what: string): Promise<string> {
  const body = await res.text();
  expect(res.status, `${what}: status (${body.slice(0, 300)})`).toBeLessThan(500);
  const own = withoutInputs(body, inputs);
  for (const [name, pattern] of LEAKS) {
    const m = pattern.exec(own);
    expect(m ? own.slice(Math.max(0, m.index - 120), m.index + 120) : null, `${what}: ${name} in the body`).toBeNull();
  }
  if ((res.headers.get('content-type') ?? '').includes('text/html')) {
    const at = body.indexOf(RAW_MARKER);
    expect(at === -1 ? null : body.slice(Math.max(0, at - 80), at + 40), `${what}: input reflected unescaped in HTML`).toBeNull();
  }
  for (const [name, value] of res.headers) expect(value.includes(RAW_MARKER) ? name : null, `${what}: input reflected raw in a header`).toBeNull();
  return body;
}

/** Every string inside a value, for withoutInputs. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}
