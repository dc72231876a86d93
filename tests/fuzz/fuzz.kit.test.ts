// The fuzzers' response checks catch what they are there to catch, and pass a clean page.
import { describe, expect, it } from 'vitest';
import { expectSafeResponse } from './fuzz.kit.js';

const html = (body: string, status = 200) => new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });

describe('expectSafeResponse', () => {
  it.each([
    ['a 5xx', html('<p>sorry</p>', 500)],
    ['a stack trace', html('<pre>boom\n    at readRow (/srv/app/src/ledger/ledger.export.ts:12:3)</pre>')],
    ['a source path', new Response('{"error":"in /app/src/ledger/ledger.repo.ts"}')],
    ['SQL text', new Response('{"error":"SQLITE_CONSTRAINT: NOT NULL constraint failed"}')],
    ['a drizzle query', html('<p>Failed query: select "id" from "gifts"</p>')],
    ['an error name', new Response('TypeError: currency.toLowerCase is not a function')],
    ['a marker reflected raw in HTML', html('<input value=""><x-fuzz>">')],
    ['a marker in a header', new Response('', { status: 303, headers: { location: '/<x-fuzz>' } })],
  ])('fails on %s', async (_what, res) => {
    await expect(expectSafeResponse(res, [], 'case')).rejects.toThrow();
  });

  it('passes an escaped marker, a page titled "Error: …" and the input itself echoed in JSON', async () => {
    await expectSafeResponse(html('<title>Error: Council sat on results</title><input value="&quot;&gt;&lt;x-fuzz&gt;">', 400), [], 'escaped');
    await expectSafeResponse(
      new Response('{"fields":{"campaign":"TypeError: select * from x"}}', { status: 400 }),
      ['TypeError: select * from x'],
      'echoed input',
    );
  });
});
