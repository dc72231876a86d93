// Processes for the bench: pinned to a core where taskset exists, measured through /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

export type Pinning = { server: string | null; load: string | null; note: string };

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Server on core 0, load generator (and this harness) on core 1, when the machine allows it. */
export function choosePinning(): Pinning {
  const cores = cpus().length;
  if (!has('taskset')) return { server: null, load: null, note: 'taskset not found: nothing pinned (numbers are noisier)' };
  if (cores < 2) return { server: null, load: null, note: `${cores} core: nothing pinned, server and load generator share it` };
  return { server: '0', load: '1', note: `server on core 0, load generator and harness on core 1 (taskset; ${cores} cores)` };
}

export function hasCommand(command: string): boolean {
  return has(command);
}

/** The argv that runs `argv` on `core` (or unpinned). */
export function pinned(core: string | null, argv: string[]): string[] {
  return core === null ? argv : ['taskset', '-c', core, ...argv];
}

export function pinSelf(core: string | null): void {
  if (core !== null) execFileSync('taskset', ['-pc', core, String(process.pid)], { stdio: 'ignore' });
}

/** A shell-ready rendering of a command line, for the report's "rerun" section. */
export function shellLine(argv: string[], env: Record<string, string> = {}): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const vars = Object.entries(env).map(([k, v]) => `${k}=${q(v)}`);
  return [...(vars.length ? ['env', ...vars] : []), ...argv.map(q)].join(' ');
}

export type Server = { name: string; pid: number; url: string; child: ChildProcess; command: string; output(): string; stop(): Promise<void> };

const running = new Set<ChildProcess>();

/** Ends every child this harness started, by pid, when it exits for any reason. */
export function stopAllOnExit(): void {
  const stop = () => {
    for (const child of running) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  };
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
}

export async function startServer(opts: {
  name: string;
  argv: string[];
  env: Record<string, string>;
  port: number;
  core: string | null;
  readyPath?: string;
}): Promise<Server> {
  const argv = pinned(opts.core, opts.argv);
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(url + (opts.readyPath ?? '/'), { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${opts.name} did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name: opts.name,
    pid: child.pid!,
    url,
    child,
    command: shellLine(argv, opts.env),
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        running.delete(child);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let ticksPerSecond: number | null = null;

/** CPU time (user + system, every thread) a process has used, in microseconds. */
export function cpuMicros(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

/** Resident set size and its high-water mark, in KiB. */
export function memoryKiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Starts a fresh high-water mark (Linux: clear_refs 5), so a peak belongs to one phase. */
export function resetPeak(pid: number): boolean {
  const path = `/proc/${pid}/clear_refs`;
  if (!existsSync(path)) return false;
  try {
    writeFileSync(path, '5');
    return true;
  } catch {
    return false;
  }
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The stand-in Stripe (bench/servers/stripe-standin.ts, bundled to `script`), answering from
 * the test fixtures, beside the load generator so the server's core runs only Storyfund.
 */
export async function startStandin(script: string, fixtures: string, core: string | null): Promise<Server> {
  const port = await freePort();
  return startServer({
    name: 'stripe stand-in',
    argv: ['node', script],
    env: { PORT: String(port), BENCH_FIXTURES: fixtures },
    port,
    core,
    readyPath: '/__bench/stats',
  });
}
