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

export type RunningServer = { url: string; dbPath: string; env: Record<string, string>; output: () => string; stop(): Promise<void> };

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'storyfund-srv-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fullEnv = { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATABASE_PATH: join(dir, 'storyfund.sqlite'), NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...fullEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes('listening')) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    dbPath: fullEnv.DATABASE_PATH,
    env: fullEnv,
    output: () => out,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res(rmSync(dir, { recursive: true, force: true }));
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          res();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `npm run cli -- ...`'s entry and returns its stdout, stderr and exit code. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/cli.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((res) => child.once('exit', (c) => res(c ?? -1)));
  return { code, stdout, stderr };
}
