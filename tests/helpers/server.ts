// Starts the real Node server (npm start's entry) as a child process on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

export type RunningServer = {
  url: string;
  dbPath: string;
  env: Record<string, string>;
  output: () => string;
  /** standard output alone: the JSON log lines */
  stdout: () => string;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown code runs, as in a crash; the database and port are kept for restart() */
  crash(): Promise<void>;
  /** starts the server again with the same settings, database and port */
  restart(): Promise<void>;
};

/** Spawns the server and resolves once it says it is listening (its own output only: a restart's log follows the last one's). */
async function spawnServer(env: Record<string, string>, onOutput: (text: string) => void, onStdout: (text: string) => void = () => {}): Promise<ChildProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let own = '';
  const collect = (d: Buffer) => {
    own += d.toString();
    onOutput(d.toString());
  };
  child.stdout!.on('data', collect);
  child.stdout!.on('data', (d: Buffer) => onStdout(d.toString()));
  child.stderr!.on('data', collect);
  await new Promise<void>((res, rej) => {
    // generous: a start under a busy machine's load (tsx compiling) has taken seconds, never minutes
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${own}`)), 120_000);
    const check = () => {
      if (own.includes('listening')) {
        clearTimeout(timer);
        child.off('exit', exited);
        res();
      }
    };
    const exited = (code: number | null) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${own}`));
    };
    // the banner is on stderr (stdout holds JSON log lines only)
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', exited);
  });
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<void>((res) => (child.exitCode !== null || child.signalCode !== null ? res() : child.once('exit', () => res())));

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'storyfund-srv-'));
  let out = '';
  let stdout = '';
  const append = (text: string) => (out += text);
  const appendStdout = (text: string) => (stdout += text);
  // freePort() lets its port go before the server binds it, so a test file running beside this
  // one can take it in between: a start that finds its port taken is tried again with another
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const fullEnv = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      DATABASE_PATH: join(dir, 'storyfund.sqlite'),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      ...env,
    };
    try {
      const child = await spawnServer(fullEnv, append, appendStdout);
      return running(
        dir,
        url,
        fullEnv,
        child,
        () => out,
        () => stdout,
        append,
        appendStdout,
      );
    } catch (err) {
      if (!String(err).includes('EADDRINUSE') || attempt >= 5 || env.PORT) throw err;
      out = '';
      stdout = '';
    }
  }
}

function running(
  dir: string,
  url: string,
  fullEnv: Record<string, string>,
  first: ChildProcess,
  output: () => string,
  stdoutText: () => string,
  append: (text: string) => void,
  appendStdout: (text: string) => void,
): RunningServer {
  let child = first;
  return {
    url,
    dbPath: fullEnv.DATABASE_PATH ?? join(dir, 'storyfund.sqlite'),
    env: fullEnv,
    output,
    stdout: stdoutText,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = exitOf(child);
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    crash: async () => {
      const exited = exitOf(child);
      child.kill('SIGKILL');
      await exited;
    },
    restart: async () => {
      child = await spawnServer(fullEnv, append, appendStdout);
    },
  };
}

/**
 * Runs `npm run cli -- ...`'s entry and returns its stdout, stderr and exit code; with
 * `npm`, through `npm run -s cli` itself, as an operator types it.
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  opts: { npm?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, argv] = opts.npm ? ['npm', ['run', '-s', 'cli', '--', ...args]] : [process.execPath, ['--import', 'tsx', 'src/runtime/cli.ts', ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((res) => child.once('exit', (c) => res(c ?? -1)));
  return { code, stdout, stderr };
}
