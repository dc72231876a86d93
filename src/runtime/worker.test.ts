import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectConsole } from '../../tests/setup/console.js';
import worker, { type WorkerEnv } from './worker.js';

// These requests never reach the database, so a bare object stands in for the D1 binding;
// the flow suite runs the Worker against real D1 in workerd.
const envWith = (settings: Record<string, string>): WorkerEnv => ({ DB: {} as D1Database, LOG_LEVEL: 'info', ...settings });
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
const get = (env: WorkerEnv, path = '/') => worker.fetch!(new Request(`http://worker.test${path}`) as Request<unknown, IncomingRequestCfProperties>, env, ctx);

afterEach(() => vi.restoreAllMocks());

describe('the Worker entry', () => {
  it("builds the app once per env object and never serves one env with another env's settings", async () => {
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const alpha = envWith({ PUBLICATION_NAME: 'Alpha Gazette' });
    const beta = envWith({ PUBLICATION_NAME: 'Beta Courier' });
    const sandboxNotices = () => logs.mock.calls.filter(([line]) => String(line).includes('OFFLINE SANDBOX is active')).length;

    expect(await (await get(alpha)).text()).toContain('Alpha Gazette');
    expect(sandboxNotices()).toBe(1);
    expect(await (await get(alpha)).text()).toContain('Alpha Gazette');
    expect(sandboxNotices()).toBe(1);
    const b = await (await get(beta)).text();
    expect(b).toContain('Beta Courier');
    expect(b).not.toContain('Alpha Gazette');
    expect(sandboxNotices()).toBe(2);
  });

  it('answers 503 with every problem for a bad env, and keeps serving a good one beside it', async () => {
    const errors = expectConsole('error');
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const bad = envWith({ AMOUNT_MIN: 'one', DEFAULT_CURRENCY: 'xyz' });
    const res = await get(bad, '/health');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('60');
    const text = await res.text();
    expect(text).toMatch(/AMOUNT_MIN/);
    expect(text).toMatch(/DEFAULT_CURRENCY must be one of CURRENCIES/);
    expect(errors).toEqual([expect.stringContaining('"invalid configuration; refusing to serve"')]);
    expect((await get(envWith({}), '/health')).status).toBe(200);
  });

  it('refuses SMTP, which Workers cannot speak, naming the setting', async () => {
    const errors = expectConsole('error');
    const res = await get(envWith({ MAIL_TRANSPORT: 'smtp', SMTP_HOST: 'smtp.news.example', MAIL_FROM: 'give@news.example' }), '/health');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('MAIL_TRANSPORT=smtp works only on Node; on Workers use MAIL_TRANSPORT=http');
    expect(errors).toEqual([expect.stringContaining('MAIL_TRANSPORT=smtp works only on Node')]);
  });

  it('refuses to start without the D1 binding', async () => {
    const errors = expectConsole('error');
    const res = await get({ PUBLICATION_NAME: 'No DB' } as unknown as WorkerEnv, '/health');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('DB (the D1 binding) is missing');
    expect(errors).toEqual([expect.stringContaining('DB (the D1 binding) is missing')]);
  });
});
