import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type Cli, type CliIo, defineCommand, EXIT, editDistance, nearest, runCommandLine, UsageError } from './cli.kit.js';

class PlainError extends Error {}

/** A small table shaped like the real one: single words, a group, options and arguments. */
function fixture() {
  const calls: { name: string; values: Record<string, unknown>; args: string[] }[] = [];
  const record = (name: string) => (input: { values: Record<string, unknown>; args: string[] }) => {
    calls.push({ name, values: input.values, args: input.args });
    return Promise.resolve(EXIT.ok);
  };
  const cli: Cli = {
    invocation: 'tool',
    title: 'A test tool',
    footer: 'Exit codes: 0 done',
    isPlainError: (err) => err instanceof PlainError,
    commands: [
      defineCommand({ name: 'migrate', summary: 'apply migrations', run: record('migrate') }),
      defineCommand({
        name: 'reconcile',
        summary: 'compare with Stripe',
        options: {
          since: { type: 'string', value: '30d', description: 'how far back', default: '30d' },
          dry: { type: 'boolean', description: 'change nothing' },
        },
        run: async (input) => {
          await record('reconcile')(input);
          return input.values.since === 'drift' ? EXIT.drift : EXIT.ok;
        },
      }),
      defineCommand({
        name: 'contributions export',
        summary: 'CSV to stdout',
        options: {
          from: { type: 'string', value: 'YYYY-MM-DD', description: 'first day' },
          to: { type: 'string', value: 'YYYY-MM-DD', description: 'last day' },
        },
        run: record('contributions export'),
      }),
      defineCommand({ name: 'contributions import', summary: 'CSV from stdin', run: record('contributions import') }),
      defineCommand({
        name: 'backup',
        summary: 'copy the database',
        args: [{ name: '<file>', description: 'where to write', required: true }],
        run: (input) => {
          if (input.args[0] === 'exists') throw new UsageError('exists already exists');
          if (input.args[0] === 'config') throw new PlainError('Invalid configuration: PORT');
          if (input.args[0] === 'boom') throw new Error('disk full');
          return record('backup')(input);
        },
      }),
    ],
  };
  return { cli, calls };
}

async function run(argv: string[]) {
  const { cli, calls } = fixture();
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const io: CliIo = { out: sink((s) => (out += s)), err: sink((s) => (err += s)), stdin: new PassThrough(), env: {} };
  const code = await runCommandLine(cli, argv, io);
  return { code, out, err, calls };
}

describe('the overview', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('is printed for %j with exit 0, naming every command', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('Usage: tool <command> [options]');
    for (const name of ['migrate', 'reconcile', 'contributions export', 'contributions import', 'backup']) expect(r.out).toContain(`  ${name}`);
    expect(r.out).toContain('Exit codes: 0 done');
    expect(r.calls).toEqual([]);
  });
});

describe('--help', () => {
  it.each([
    [['migrate', '--help'], 'Usage: tool migrate\n'],
    [['reconcile', '-h'], 'Usage: tool reconcile [--since 30d] [--dry]\n'],
    [['reconcile', '--since', '2d', '--help'], 'Usage: tool reconcile [--since 30d] [--dry]\n'],
    [['reconcile', '--bogus', '-h'], 'Usage: tool reconcile [--since 30d] [--dry]\n'],
    [['contributions', 'export', '--help'], 'Usage: tool contributions export [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n'],
    [['backup', '--help'], 'Usage: tool backup <file>\n'],
    [['help', 'backup'], 'Usage: tool backup <file>\n'],
    [['contributions'], 'Usage: tool contributions <subcommand> [options]\n'],
    [['contributions', '--help'], 'Usage: tool contributions <subcommand> [options]\n'],
    [['help', 'contributions'], 'Usage: tool contributions <subcommand> [options]\n'],
  ])('%j prints that usage with exit 0 and runs nothing', async (argv, first) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.out.startsWith(first)).toBe(true);
    expect(r.err).toBe('');
    expect(r.calls).toEqual([]);
  });

  it("lists a command's options, their defaults and -h", async () => {
    const r = await run(['reconcile', '--help']);
    expect(r.out).toMatch(/--since 30d\s+how far back \(default 30d\)/);
    expect(r.out).toMatch(/--dry\s+change nothing/);
    expect(r.out).toMatch(/-h, --help\s+show this help/);
  });

  it("lists a group's subcommands", async () => {
    const r = await run(['contributions']);
    expect(r.out).toMatch(/contributions export\s+CSV to stdout/);
    expect(r.out).toMatch(/contributions import\s+CSV from stdin/);
  });

  it('is an argument, not a request for help, after --', async () => {
    const r = await run(['backup', '--', '--help']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ name: 'backup', values: {}, args: ['--help'] }]);
  });
});

describe('an unknown command', () => {
  it.each([
    [['reconcle'], "Unknown command 'reconcle'. Did you mean 'reconcile'?"],
    [['recon'], "Unknown command 'recon'. Did you mean 'reconcile'?"],
    [['bakcup', 'x'], "Unknown command 'bakcup'. Did you mean 'backup'?"],
    [['contributons', 'export'], "Unknown command 'contributons'. Did you mean 'contributions export'?"],
    [['contributions', 'exprt'], "Unknown command 'contributions exprt'. Did you mean 'contributions export'?"],
    [['frobnicate'], "Unknown command 'frobnicate'."],
    [['--verbose'], "Unknown option '--verbose' before any command."],
    [['contributions', '--from', 'x'], "'contributions' needs a subcommand first: contributions export, contributions import."],
  ])('%j exits 64 naming the nearest one', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.usage);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${message}\nRun 'tool --help' for the list of commands.\n`);
  });
});

describe('options and arguments', () => {
  it('hands the command its values, defaults filled in, in either spelling', async () => {
    expect((await run(['reconcile'])).calls).toEqual([{ name: 'reconcile', values: { since: '30d', dry: false }, args: [] }]);
    expect((await run(['reconcile', '--since=36h', '--dry'])).calls).toEqual([{ name: 'reconcile', values: { since: '36h', dry: true }, args: [] }]);
    expect((await run(['contributions', 'export', '--to', '2026-11-30'])).calls).toEqual([
      { name: 'contributions export', values: { from: undefined, to: '2026-11-30' }, args: [] },
    ]);
    expect((await run(['backup', 'copy.sqlite'])).calls).toEqual([{ name: 'backup', values: {}, args: ['copy.sqlite'] }]);
  });

  it.each([
    [['reconcile', '--sinse', '2d'], "Unknown option '--sinse' for 'reconcile'. Did you mean '--since'?"],
    [['reconcile', '-x'], "Unknown option '-x' for 'reconcile'."],
    [['reconcile', '--since'], '--since needs a value: --since 30d'],
    [['reconcile', '--since', '--dry'], "--since needs a value before '--dry' (write --since=--dry if that is the value)."],
    [['reconcile', '--dry=yes'], "--dry takes no value (got 'yes')."],
    [['reconcile', '--since', '1d', '--since', '2d'], '--since is given more than once.'],
    [['reconcile', 'now'], "'reconcile' takes no arguments (got 'now')."],
    [['backup'], "'backup' needs <file>: where to write."],
    [['backup', 'a', 'b'], "Unexpected argument 'b'."],
  ])('%j exits 64 with the message and the usage, running nothing', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(EXIT.usage);
    const name = argv[0]!;
    expect(r.err).toBe(
      `${message}\nUsage: ${name === 'backup' ? 'tool backup <file>' : 'tool reconcile [--since 30d] [--dry]'}\nRun 'tool ${name} --help' for details.\n`,
    );
    expect(r.calls).toEqual([]);
  });
});

describe('exit codes', () => {
  it("passes the command's own code through", async () => {
    expect((await run(['reconcile', '--since', 'drift'])).code).toBe(EXIT.drift);
  });

  it('maps a usage error raised by the command to 64 with its usage', async () => {
    const r = await run(['backup', 'exists']);
    expect(r.code).toBe(64);
    expect(r.err).toBe("exists already exists\nUsage: tool backup <file>\nRun 'tool backup --help' for details.\n");
  });

  it('maps any other failure to 1: a plain error by its message, others marked as errors', async () => {
    const config = await run(['backup', 'config']);
    expect(config.code).toBe(1);
    expect(config.err).toBe('Invalid configuration: PORT\n');
    const boom = await run(['backup', 'boom']);
    expect(boom.code).toBe(1);
    expect(boom.err).toBe('Error: disk full\n');
  });
});

describe('nearest', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('reconcile', 'reconcile')).toBe(0);
    expect(editDistance('bakcup', 'backup')).toBe(1);
    expect(editDistance('reconcle', 'reconcile')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests a unique prefix or a close spelling, and nothing far off', () => {
    const names = ['migrate', 'reconcile', 'backup', 'dev', 'payouts'];
    expect(nearest('pay', names)).toBe('payouts');
    expect(nearest('migrat', names)).toBe('migrate');
    expect(nearest('dve', names)).toBe('dev');
    expect(nearest('zzz', names)).toBeUndefined();
    expect(nearest('x', names)).toBeUndefined();
  });
});

describe('a group inside a group', () => {
  async function nested(argv: string[]) {
    const ran: string[] = [];
    const command = (name: string) =>
      defineCommand({
        name,
        summary: `does ${name}`,
        run: () => {
          ran.push(name);
          return Promise.resolve(EXIT.ok);
        },
      });
    const cli: Cli = { invocation: 'tool', title: 'T', commands: [command('staff add'), command('staff token create'), command('staff token revoke')] };
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          append(String(chunk));
          cb();
        },
      });
    const code = await runCommandLine(cli, argv, { out: sink((s) => (out += s)), err: sink((s) => (err += s)), stdin: new PassThrough(), env: {} });
    return { code, out, err, ran };
  }

  it('runs a three-word command, lists the inner group alone, and suggests within it', async () => {
    expect((await nested(['staff', 'token', 'revoke'])).ran).toEqual(['staff token revoke']);
    const group = await nested(['staff', 'token']);
    expect(group.code).toBe(0);
    expect(group.out).toContain('Usage: tool staff token <subcommand> [options]');
    expect(group.out).toMatch(/staff token create\s+does staff token create/);
    expect(group.out).not.toContain('staff add');
    const outer = await nested(['staff']);
    expect(outer.out).toMatch(/staff add[\s\S]*staff token create[\s\S]*staff token revoke/);
    const typo = await nested(['staff', 'token', 'revok']);
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.err).toContain("Unknown command 'staff token revok'. Did you mean 'staff token revoke'?");
    const outerTypo = await nested(['staff', 'tokn']);
    expect(outerTypo.err).toContain("Unknown command 'staff tokn'. Did you mean 'staff token'?");
  });
});
