// The Worker bundle from `wrangler deploy --dry-run`, run by workerd (through Miniflare)
// with a local D1 that `wrangler d1 migrations apply` migrated: the runtime and database
// engine production uses, offline. Outbound fetches never reach the network: msw's Stripe
// handlers answer them, and anything else is recorded and refused.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Log, LogLevel, Miniflare, type Request as MiniflareRequest, Response as MiniflareResponse } from 'miniflare';
import { getResponse, type RequestHandler } from 'msw';
import { inject } from 'vitest';
import { stripeHandlers, type StripeStore } from '../mocks/stripe-api.js';
import { freePort } from '../helpers/server.js';
import type { SqlParam, StartLive, StartSandbox, Target } from '../helpers/target.js';

export type WorkerBuild = {
  scriptPath: string;
  /** as `wrangler deploy` would upload it */
  uploadKiB: number;
  uploadGzipKiB: number;
  d1PersistTemplate: string;
  d1Id: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** wrangler.toml's [vars] */
  vars: Record<string, string>;
};

export type WorkerdTarget = Target & {
  mf: Miniflare;
  /** every outbound request the Worker made that no handler answered */
  refusedOutbound: string[];
};

export async function startWorkerd(opts: { env?: Record<string, string>; stripe?: StripeStore; outbound?: RequestHandler[] } = {}): Promise<WorkerdTarget> {
  const build = inject('workerBuild');
  const dir = mkdtempSync(join(tmpdir(), 'storyfund-workerd-'));
  cpSync(build.d1PersistTemplate, join(dir, 'd1'), { recursive: true });
  const refusedOutbound: string[] = [];
  let output = '';
  let logs = '';
  const handlers = [...(opts.stripe ? stripeHandlers(opts.stripe) : []), ...(opts.outbound ?? [])];
  // freePort() lets its port go before Miniflare binds it, so another test run (vitest runs
  // files in parallel) can take it in between: a port found taken is tried again with another
  let mf: Miniflare | undefined;
  let url = '';
  for (let attempt = 1; !mf; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const candidate = new Miniflare({
      modules: true,
      scriptPath: build.scriptPath,
      compatibilityDate: build.compatibilityDate,
      compatibilityFlags: build.compatibilityFlags,
      d1Databases: { DB: build.d1Id },
      d1Persist: join(dir, 'd1'),
      // wrangler.toml's [vars] (production settings) with `worker:dev`'s local overrides
      bindings: { ...build.vars, NODE_ENV: 'development', PUBLIC_URL: url, MAIL_TRANSPORT: 'preview', LOG_LEVEL: 'info', ...opts.env },
      host: '127.0.0.1',
      port,
      log: new Log(LogLevel.NONE),
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.on('data', (d: Buffer) => {
          output += d.toString();
          logs += d.toString();
        });
        stderr.on('data', (d: Buffer) => (output += d.toString()));
      },
      async outboundService(request: MiniflareRequest) {
        const answered = await getResponse(handlers, request as unknown as Request);
        if (!answered) {
          refusedOutbound.push(`${request.method} ${request.url}`);
          return new MiniflareResponse('refused by the test: no network here', { status: 599 });
        }
        return new MiniflareResponse(await answered.arrayBuffer(), { status: answered.status, headers: [...answered.headers] });
      },
    });
    try {
      await candidate.ready;
      mf = candidate;
    } catch (err) {
      await candidate.dispose().catch(() => {});
      if ((err as { code?: string }).code !== 'ERR_ADDRESS_IN_USE' || attempt >= 5) throw err;
    }
  }
  const d1 = await mf.getD1Database('DB');
  return {
    runtime: 'workerd',
    url,
    mf,
    refusedOutbound,
    query: async <T>(sql: string, ...params: SqlParam[]) =>
      (
        await d1
          .prepare(sql)
          .bind(...params)
          .all<T>()
      ).results,
    exec: async (sql: string) => {
      await d1.prepare(sql).run();
    },
    output: () => output,
    logs: () => logs,
    stop: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const startWorkerdSandbox: StartSandbox = (env) => startWorkerd({ env });
export const startWorkerdLive: StartLive = (env, stripe, outbound) => startWorkerd({ env: { NODE_ENV: 'test', ...env }, stripe, outbound });
