// The CLI run in this process against a test database, its standard output and error
// captured together: for tests that read what an operator would see.
import { Writable } from 'node:stream';
import { runCli } from '../../src/runtime/cli.js';

export async function runCliCaptured(argv: string[], databasePath: string): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  const code = await runCli(argv, { NODE_ENV: 'test', DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }, { out: sink, err: sink });
  return { code, out };
}
