// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time per function
// and per package, and the inclusive time of the functions named with --focus, so a
// profile can be read in a terminal and compared before/after a change.
//
//   npx tsx bench/profile-summary.ts bench/results/profiles/CPU.*.cpuprofile [--top 40] [--focus name,name]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, focus: { type: 'string', default: '' } },
});
if (positionals.length === 0) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--focus fnA,fnB]');
  process.exit(2);
}

for (const file of positionals) summarise(file);

function summarise(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));

  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = sumWhere(byId, selfUs, (f) => f.functionName === '(idle)');
  const busy = total - idle;

  const fnSelf = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    fnSelf.set(label(f), (fnSelf.get(label(f)) ?? 0) + us);
    pkgSelf.set(pkg(f.url), (pkgSelf.get(pkg(f.url)) ?? 0) + us);
  }

  console.log(`\n${file}\n  ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (not idle)\n`);
  console.log('Self time by package (% of busy):');
  for (const [k, us] of top(pkgSelf, 20)) console.log(`  ${pct(us, busy)}  ${k}`);
  console.log(`\nSelf time by function (top ${values.top}, % of busy):`);
  for (const [k, us] of top(fnSelf, Number(values.top))) console.log(`  ${pct(us, busy)}  ${k}`);

  const focus = values.focus ? values.focus.split(',') : [];
  if (focus.length) {
    // inclusive: a sample counts once for a name if that name is anywhere on its stack
    const incl = new Map<string, number>(focus.map((f) => [f, 0]));
    for (const [id, us] of selfUs) {
      const seen = new Set<string>();
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const name = byId.get(n)!.callFrame.functionName;
        if (incl.has(name) && !seen.has(name)) {
          seen.add(name);
          incl.set(name, incl.get(name)! + us);
        }
      }
    }
    console.log('\nInclusive time of --focus functions (% of busy):');
    for (const [k, us] of incl) console.log(`  ${pct(us, busy)}  ${k}`);
  }
}

function sumWhere(byId: Map<number, ProfileNode>, self: Map<number, number>, pred: (f: CallFrame) => boolean): number {
  let s = 0;
  for (const [id, us] of self) if (pred(byId.get(id)!.callFrame)) s += us;
  return s;
}

function pkg(url: string): string {
  if (!url) return '(native / V8)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return 'node core';
  return 'app bundle';
}

function label(f: CallFrame): string {
  const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/bench\/results\/build\//, 'build/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

function top(m: Map<string, number>, n: number): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
}

function pct(us: number, of: number): string {
  return `${((100 * us) / of).toFixed(1).padStart(5)}%`;
}
