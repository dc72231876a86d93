// Giving over time as an SVG drawn on the server: readable without script, no chart
// library to serve, the same on Node and Workers. Stacked bars: one-off under recurring.
import { formatMoney } from '../lib/money.js';
import type { Range } from './finance.ranges.js';
import type { Bucket, SeriesPoint } from './finance.totals.repo.js';
import { DAY_MS } from './finance.js';

/** Every bucket in the range, so gaps show as empty days rather than being skipped. */
export function bucketsOf(range: Range, bucket: Bucket): string[] {
  const out: string[] = [];
  if (bucket === 'day') {
    for (let t = range.fromMs; t < range.toMs; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
    return out;
  }
  const d = new Date(range.fromMs);
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth();
  while (Date.UTC(y, m, 1) < range.toMs) {
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    m += 1;
    if (m === 12) {
      m = 0;
      y += 1;
    }
  }
  return out;
}

/** The most bars a chart draws before it narrows to the months that have giving. */
export const MAX_BARS = 120;

/**
 * The part of the range the chart spans. A range of decades (`from=1900-01-01`) would draw
 * a bar a month for every empty year: past MAX_BARS months the chart keeps to the months
 * from the first to the last with giving, in any currency, so every chart of the page lines up.
 */
export function chartRange(range: Range, bucket: Bucket, points: readonly SeriesPoint[]): Range {
  if (bucket !== 'month' || points.length === 0) return range;
  const from = new Date(range.fromMs);
  const to = new Date(range.toMs);
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  if (months <= MAX_BARS) return range;
  const keys = points.map((p) => p.bucket).sort();
  const first = Date.parse(`${keys[0]}-01T00:00:00Z`);
  const last = new Date(Date.parse(`${keys[keys.length - 1]}-01T00:00:00Z`));
  const afterLast = Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 1);
  return { fromMs: Math.max(range.fromMs, first), toMs: Math.min(range.toMs, afterLast) };
}

/** Days for up to about two months, months beyond. */
export function bucketFor(range: Range): Bucket {
  return range.toMs - range.fromMs <= 62 * DAY_MS ? 'day' : 'month';
}

const W = 640;
const H = 220;
const PAD = { left: 8, right: 8, top: 16, bottom: 28 };

export function GivingChart(props: { currency: string; points: readonly SeriesPoint[]; range: Range; bucket: Bucket }) {
  const keys = bucketsOf(props.range, props.bucket);
  const byKey = new Map(props.points.filter((p) => p.currency === props.currency).map((p) => [p.bucket, p]));
  const max = Math.max(1, ...keys.map((k) => (byKey.get(k)?.oneOffMinor ?? 0) + (byKey.get(k)?.recurringMinor ?? 0)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, keys.length);
  const barW = Math.max(1, slot * 0.75);
  const y = (v: number) => (v / max) * plotH;
  const every = Math.ceil(keys.length / 8);
  const total = keys.reduce((s, k) => s + (byKey.get(k)?.oneOffMinor ?? 0) + (byKey.get(k)?.recurringMinor ?? 0), 0);
  const title = `Giving in ${props.currency.toUpperCase()} per ${props.bucket}: ${formatMoney(total, props.currency)} in all, highest ${formatMoney(max, props.currency)}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} xmlns="http://www.w3.org/2000/svg">
        <title>{title}</title>
        <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} stroke="#888" />
        <text x={PAD.left} y={PAD.top - 4} class="chart__axis">
          {formatMoney(max, props.currency)}
        </text>
        {keys.map((k, i) => {
          const p = byKey.get(k);
          const one = p?.oneOffMinor ?? 0;
          const rec = p?.recurringMinor ?? 0;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          const base = PAD.top + plotH;
          return (
            <g>
              <title>{`${k}: one-off ${formatMoney(one, props.currency)}, recurring ${formatMoney(rec, props.currency)}`}</title>
              {one > 0 ? (
                <rect x={x.toFixed(1)} y={(base - y(one)).toFixed(1)} width={barW.toFixed(1)} height={y(one).toFixed(1)} class="chart__one-off" />
              ) : null}
              {rec > 0 ? (
                <rect x={x.toFixed(1)} y={(base - y(one) - y(rec)).toFixed(1)} width={barW.toFixed(1)} height={y(rec).toFixed(1)} class="chart__recurring" />
              ) : null}
              {i % every === 0 ? (
                <text x={(x + barW / 2).toFixed(1)} y={H - 8} text-anchor="middle" class="chart__axis">
                  {props.bucket === 'day' ? k.slice(5) : k}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key key--one-off" /> One-off <span class="key key--recurring" /> Recurring ({props.currency.toUpperCase()}, per {props.bucket}, UTC)
      </figcaption>
    </figure>
  );
}
