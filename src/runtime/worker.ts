// Workers entry: the same app as Node, over D1, with settings from bindings and secrets.
import Stripe from 'stripe';
import { openD1Db } from '../../db/d1.js';
import { createApp } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, forJob, type Deps } from '../deps.js';
import { describeError } from '../lib/log.js';
import { cloudflareRayId, newRequestId } from '../lib/request-id.js';
import { dispatchOutbox } from '../mail/mail.dispatch.js';
import { createTransport } from '../mail/mail.transport.js';
import { scheduledReconcile } from './reconcile.js';
import { createStripe } from './stripe.js';
import { createMailPort } from '../mail/mail.port.js';
import { pruneIdentity } from '../auth/auth.repo.js';

/** The daily trigger in wrangler.toml; every other trigger only sends emails. */
const RECONCILE_CRON = '17 4 * * *';

/** POSTs that may queue an email a person is waiting for. */
const MAIL_AFTER = new Set(['/webhooks/stripe', '/signin', '/staff/password/reset']);

/** Bindings from wrangler.toml: the D1 database plus string settings (vars and secrets). */
export type WorkerEnv = { DB: D1Database } & Record<string, unknown>;

type App = ReturnType<typeof createApp>;
type Built = { ok: true; app: App; deps: Deps } | { ok: false; error: ConfigError };

// Keyed by the env object itself: an isolate reuses it across requests, and a new env
// (another deployment's bindings, a test's Miniflare) can never be served a DB handle or
// config built from the old one. A WeakMap lets a dropped env be collected.
const built = new WeakMap<object, Built>();

/** Only string settings reach the schema; bindings such as DB are objects. */
function settingsOf(env: WorkerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string') out[k] = v;
    // [vars] may hold TOML numbers and booleans; the schema reads strings, as on Node
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

function build(env: WorkerEnv): Built {
  const cached = built.get(env);
  if (cached) return cached;
  const problems = env.DB ? [] : ['DB (the D1 binding) is missing: add [[d1_databases]] binding = "DB" to wrangler.toml'];
  let config: Config | null = null;
  try {
    config = loadConfig(settingsOf(env));
    // Workers cannot open SMTP sockets: refuse the setting now rather than at the first send
    createTransport(config.mail);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.unshift(...err.problems);
  }
  const result: Built = config && !problems.length ? { ok: true, ...buildApp(config, env.DB) } : { ok: false, error: new ConfigError(problems) };
  built.set(env, result);
  return result;
}

function buildApp(config: Config, binding: D1Database): { app: App; deps: Deps } {
  const db = openD1Db(binding);
  const now = () => Date.now();
  const deps: Deps = {
    db,
    stripe: createStripe(config, db, now),
    config,
    now,
    log: createLogger(config.logLevel, (line) => console.log(line), now),
    mail: createMailPort(now),
    // set by Cloudflare's edge on every request (https://developers.cloudflare.com/fundamentals/reference/http-headers/#cf-connecting-ip)
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? null,
    // node:crypto is not there without nodejs_compat; SubtleCrypto is native to workerd
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
    trustedRequestId: cloudflareRayId,
  };
  if (config.stripe.mode === 'sandbox') {
    // Workers have no start-up banner; the first request of each isolate says it instead.
    deps.log
      .child({ job: 'start' })
      .warn(
        'Stripe: OFFLINE SANDBOX is active (no STRIPE_SECRET_KEY set). Payments are simulated on a local test page; no real money moves and nothing is sent to Stripe.',
      );
  }
  return { app: createApp(deps), deps };
}

/** Sends due emails; failures are logged and retried by a later run, never thrown at a reader. */
async function sendEmails(deps: Deps) {
  try {
    return await dispatchOutbox(deps, createTransport(deps.config.mail));
  } catch (err) {
    deps.log.error('outbox run failed', { error: describeError(err) });
    return null;
  }
}

/** With no valid settings there is no configured logger: this one logs errors only. */
function configErrorResponse(error: ConfigError, requestId: string | null): Response {
  const log = createLogger(
    'error',
    (line) => console.error(line),
    () => Date.now(),
  );
  // The problems name settings, never their values, so they are safe to show the operator.
  log.error('invalid configuration; refusing to serve', { problems: error.problems, ...(requestId ? { requestId } : {}) });
  return new Response(`Storyfund is not configured correctly, so it is not serving requests.\n\n${error.message}\n`, {
    status: 503,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      'retry-after': '60',
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
  });
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const b = build(env);
    if (!b.ok) return configErrorResponse(b.error, cloudflareRayId(request.headers) ?? newRequestId());
    const response = await b.app.fetch(request, env, ctx);
    // A webhook may have queued a receipt, a sign-in form a link: send it after the reply
    // rather than waiting for the next cron run (https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil).
    if (response.ok && request.method === 'POST' && b.deps.config.mail.transport !== 'none' && MAIL_AFTER.has(new URL(request.url).pathname)) {
      // its lines name the request whose reply queued the email
      ctx.waitUntil(sendEmails(forJob(b.deps, 'outbox', { requestId: response.headers.get('x-request-id') })));
    }
    return response;
  },

  async scheduled(controller, env): Promise<void> {
    const b = build(env);
    if (!b.ok) {
      configErrorResponse(b.error, null);
      // a thrown error marks the cron run as failed in the dashboard, which is what it is
      throw b.error;
    }
    if (controller.cron === RECONCILE_CRON) {
      // scheduledReconcile logs its own report; drift is logged as an error for alerting
      const run = forJob(b.deps, 'reconcile', { cron: controller.cron });
      await scheduledReconcile(run);
      run.log.info('expired sign-in state removed', await pruneIdentity(run.db, run.now()));
      return;
    }
    const run = forJob(b.deps, 'outbox', { cron: controller.cron });
    const mail = run.config.mail.transport === 'none' ? null : await sendEmails(run);
    run.log.info('scheduled run', { scheduledTime: controller.scheduledTime, emails: mail });
  },
} satisfies ExportedHandler<WorkerEnv>;
