// Runs wrk (Debian's `wrk` package) and reads the JSON line bench/wrk/report.lua prints.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cpuMicros, pinned, shellLine } from './proc.js';

export const WRK_DIR = join(import.meta.dirname, '..', 'wrk');

export type WrkSummary = {
  requests: number;
  duration_us: number;
  bytes: number;
  connect: number;
  read: number;
  write: number;
  /** responses with status >= 400 */
  status: number;
  timeout: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  /** a script ran out of prepared requests and started again */
  wrapped: boolean;
};

export type WrkRun = WrkSummary & { rps: number; errors: number; command: string; serverCpuUs: number | null };

export type WrkOptions = {
  url: string;
  script: string;
  scriptArgs?: string[];
  connections: number;
  seconds: number;
  core: string | null;
  /** the server whose CPU time is charged to this run */
  serverPid?: number;
  /** stop early (SIGINT: wrk still prints its summary) when this resolves */
  until?: Promise<unknown>;
};

export function wrkArgv(o: WrkOptions): string[] {
  return pinned(o.core, [
    'wrk',
    '-t1',
    `-c${o.connections}`,
    `-d${o.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    join(WRK_DIR, o.script),
    o.url,
    ...(o.scriptArgs?.length ? ['--', ...o.scriptArgs] : []),
  ]);
}

export async function runWrk(o: WrkOptions): Promise<WrkRun> {
  const argv = wrkArgv(o);
  const cpuBefore = o.serverPid ? cpuMicros(o.serverPid) : null;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  void o.until?.then(() => {
    if (child.exitCode === null) child.kill('SIGINT');
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
  const cpuAfter = o.serverPid ? cpuMicros(o.serverPid) : null;
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk exited with ${code} and no summary:\n${shellLine(argv)}\n${out}`);
  const s = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkSummary;
  return {
    ...s,
    rps: s.requests / (s.duration_us / 1e6),
    errors: s.connect + s.read + s.write + s.status + s.timeout,
    command: shellLine(argv),
    serverCpuUs: cpuBefore !== null && cpuAfter !== null && s.requests > 0 ? (cpuAfter - cpuBefore) / s.requests : null,
  };
}
