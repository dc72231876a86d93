// The operator CLI's machinery: a table of commands, each parsed by node:util's parseArgs,
// each answering --help, with exit codes an operator's scripts can rely on. The commands
// themselves are in cli.ts; this file knows nothing about Storyfund.
import { parseArgs } from 'node:util';

/** 64 is EX_USAGE of sysexits.h, the usual code for a bad command line. */
export const EXIT = {
  ok: 0,
  /** the command could not do its job: bad settings, database or Stripe failure */
  failed: 1,
  /** the job ran and found a problem: drift against Stripe, a payout that does not balance */
  drift: 2,
  usage: 64,
} as const;

/** Where a command reads and writes; the real process streams, or buffers in tests. */
export type CliIo = {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
};

export type OptionSpec =
  | { type: 'string' /** placeholder shown in help: `YYYY-MM-DD` */; value: string; description: string; default?: string }
  | { type: 'boolean'; description: string };

export type ArgSpec = { name: string; description: string; required: boolean };

type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { default: string } ? string : string | undefined;
};

export type CommandInput<O extends Record<string, OptionSpec>> = {
  values: OptionValues<O>;
  /** the positional arguments, already checked against `args` */
  args: string[];
  io: CliIo;
};

export type CommandSpec<O extends Record<string, OptionSpec>> = {
  /** the words typed after `npm run cli --`: `reconcile`, `contributions export` */
  name: string;
  /** one line for the overview */
  summary: string;
  /** more lines for the command's --help */
  description?: string;
  options?: O;
  args?: readonly ArgSpec[];
  examples?: readonly string[];
  run(input: CommandInput<O>): Promise<number>;
};

export type CliCommand = CommandSpec<Record<string, OptionSpec>>;

/** Keeps each command's option types for its own `run`, then files it in the one table. */
export function defineCommand<const O extends Record<string, OptionSpec> = Record<never, OptionSpec>>(spec: CommandSpec<O>): CliCommand {
  return spec as unknown as CliCommand;
}

/** A wrong command line: exit 64, the message, then how to use the command. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs `fn`, turning its error into a UsageError: for checks of option values that throw plain errors. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export type Cli = {
  /** how the CLI is started, shown in every usage line: `npm run cli --` */
  invocation: string;
  title: string;
  commands: readonly CliCommand[];
  /** lines after the command list of the overview (exit codes, say) */
  footer?: string;
  /** an error the commands raise whose message is all the operator needs (bad settings); anything else is shown as an error */
  isPlainError?(err: unknown): boolean;
};

const HELP = new Set(['--help', '-h']);

/** Parses argv against the table, runs the command and returns its exit code. Never throws. */
export async function runCommandLine(cli: Cli, argv: readonly string[], io: CliIo): Promise<number> {
  let current: CliCommand | undefined;
  try {
    const found = resolve(cli, argv);
    if (found.kind === 'overview') {
      io.out.write(overview(cli));
      return EXIT.ok;
    }
    if (found.kind === 'group') {
      io.out.write(groupHelp(cli, found.group));
      return EXIT.ok;
    }
    const { command, rest } = found;
    current = command;
    if (wantsHelp(rest)) {
      io.out.write(commandHelp(cli, command));
      return EXIT.ok;
    }
    const { values, args } = parseCommandArgs(command, rest);
    // each value has its option's type: parseCommandArgs checked it against the spec
    return await command.run({ values: values as CommandInput<Record<string, OptionSpec>>['values'], args, io });
  } catch (err) {
    if (err instanceof UsageError) {
      // a command's own usage once the command is known, else the way to the list
      const how = current
        ? `Usage: ${usageLine(cli, current)}\nRun '${cli.invocation} ${current.name} --help' for details.`
        : `Run '${cli.invocation} --help' for the list of commands.`;
      io.err.write(`${err.message}\n${how}\n`);
      return EXIT.usage;
    }
    if (cli.isPlainError?.(err)) io.err.write(`${(err as Error).message}\n`);
    else io.err.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

type Resolved = { kind: 'overview' } | { kind: 'group'; group: string } | { kind: 'command'; command: CliCommand; rest: string[] };

function resolve(cli: Cli, argv: readonly string[]): Resolved {
  const [first, ...after] = argv;
  if (first === undefined || HELP.has(first)) return { kind: 'overview' };
  // `help reconcile` reads as `reconcile --help`
  if (first === 'help') return after.length ? resolve(cli, [...after, '--help']) : { kind: 'overview' };
  // the longest name wins, so `staff` can be a group and `staff add` a command
  const match = [...cli.commands].sort((a, b) => words(b).length - words(a).length).find((c) => words(c).every((w, i) => argv[i] === w));
  if (match) return { kind: 'command', command: match, rest: argv.slice(words(match).length) };
  // the longest run of typed words that starts some longer command names is a group
  // (`staff`, `staff token`)
  let depth = 0;
  while (argv[depth] !== undefined && cli.commands.some((c) => words(c).length > depth + 1 && argv.slice(0, depth + 1).every((w, i) => words(c)[i] === w)))
    depth++;
  if (depth > 0) {
    const group = argv.slice(0, depth).join(' ');
    const subcommands = cli.commands.filter((c) => c.name.startsWith(`${group} `));
    const sub = argv[depth];
    if (sub === undefined || HELP.has(sub)) return { kind: 'group', group };
    if (sub.startsWith('-')) throw new UsageError(`'${group}' needs a subcommand first: ${subcommands.map((c) => c.name).join(', ')}.`);
    throw new UsageError(unknownCommand(`${group} ${sub}`, nearest(sub, [...new Set(subcommands.map((c) => words(c)[depth]!))]), group));
  }
  if (first.startsWith('-')) throw new UsageError(`Unknown option '${first}' before any command.`);
  const tops = [...new Set(cli.commands.map((c) => words(c)[0]!))];
  let guess = nearest(first, tops);
  // `contributons export`: suggest the whole command when the second word is right
  if (guess && after[0] && cli.commands.some((c) => c.name === `${guess} ${after[0]}`)) guess = `${guess} ${after[0]}`;
  throw new UsageError(unknownCommand(first, guess));
}

function unknownCommand(typed: string, guess: string | undefined, group?: string): string {
  const suggestion = guess ? ` Did you mean '${group ? `${group} ${guess}` : guess}'?` : '';
  return `Unknown command '${typed}'.${suggestion}`;
}

function words(c: CliCommand): string[] {
  return c.name.split(' ');
}

/** --help anywhere before a `--` asks for help, whatever else is on the line. */
function wantsHelp(rest: readonly string[]): boolean {
  for (const arg of rest) {
    if (arg === '--') return false;
    if (HELP.has(arg)) return true;
  }
  return false;
}

/**
 * parseArgs in its lenient mode returns every token, so each problem gets a message naming
 * the option (and the nearest real one), where strict mode's would name neither clearly.
 */
function parseCommandArgs(command: CliCommand, rest: string[]): { values: Record<string, string | boolean | undefined>; args: string[] } {
  const specs: Record<string, OptionSpec> = command.options ?? {};
  const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]));
  const { tokens } = parseArgs({ args: rest, options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean | undefined> = {};
  const args: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      args.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) {
      const guess = nearest(token.name, Object.keys(specs));
      throw new UsageError(`Unknown option '${token.rawName}' for '${command.name}'.${guess ? ` Did you mean '--${guess}'?` : ''}`);
    }
    const flag = `--${token.name}`;
    if (token.name in values) throw new UsageError(`${flag} is given more than once.`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${flag} takes no value (got '${token.value}').`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${flag} needs a value: ${flag} ${spec.value}`);
    // `--from --to x` would otherwise read `--to` as the date
    if (!token.inlineValue && token.value.startsWith('-'))
      throw new UsageError(`${flag} needs a value before '${token.value}' (write ${flag}=${token.value} if that is the value).`);
    values[token.name] = token.value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in values) continue;
    values[name] = spec.type === 'boolean' ? false : spec.default;
  }
  const declared = command.args ?? [];
  const missing = declared.slice(args.length).find((a) => a.required);
  if (missing) throw new UsageError(`'${command.name}' needs ${missing.name}: ${missing.description}.`);
  if (args.length > declared.length) {
    const extra = args[declared.length]!;
    throw new UsageError(declared.length ? `Unexpected argument '${extra}'.` : `'${command.name}' takes no arguments (got '${extra}').`);
  }
  return { values, args };
}

/** The candidate an operator most likely meant: a unique prefix, or one or two typos away. */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  const prefixed = candidates.filter((c) => c.startsWith(typed));
  if (typed.length >= 2 && prefixed.length === 1) return prefixed[0];
  const limit = Math.max(1, Math.min(3, Math.floor(typed.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(typed, c);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

// ---------------------------------------------------------------------------------------
// Help

export function usageLine(cli: Cli, command: CliCommand): string {
  const parts = [cli.invocation, command.name];
  for (const arg of command.args ?? []) parts.push(arg.required ? arg.name : `[${arg.name}]`);
  for (const [name, spec] of Object.entries(command.options ?? {})) parts.push(spec.type === 'boolean' ? `[--${name}]` : `[--${name} ${spec.value}]`);
  return parts.join(' ');
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

export function overview(cli: Cli): string {
  const lines = [`${cli.title}`, '', `Usage: ${cli.invocation} <command> [options]`, '', 'Commands:', table(cli.commands.map((c) => [c.name, c.summary]))];
  lines.push('', `Run '${cli.invocation} <command> --help' for a command's options.`);
  if (cli.footer) lines.push('', cli.footer);
  return `${lines.join('\n')}\n`;
}

function groupHelp(cli: Cli, group: string): string {
  const commands = cli.commands.filter((c) => c.name.startsWith(`${group} `));
  const lines = [`Usage: ${cli.invocation} ${group} <subcommand> [options]`, '', 'Subcommands:', table(commands.map((c) => [c.name, c.summary]))];
  lines.push('', `Run '${cli.invocation} ${group} <subcommand> --help' for its options.`);
  return `${lines.join('\n')}\n`;
}

export function commandHelp(cli: Cli, command: CliCommand): string {
  const lines = [`Usage: ${usageLine(cli, command)}`, '', command.summary];
  if (command.description) lines.push('', command.description);
  if (command.args?.length) lines.push('', 'Arguments:', table(command.args.map((a) => [a.name, a.description])));
  const options: [string, string][] = Object.entries(command.options ?? {}).map(([name, spec]) => {
    if (spec.type === 'boolean') return [`--${name}`, spec.description];
    return [`--${name} ${spec.value}`, spec.default !== undefined ? `${spec.description} (default ${spec.default})` : spec.description];
  });
  options.push(['-h, --help', 'show this help']);
  lines.push('', 'Options:', table(options));
  if (command.examples?.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}
