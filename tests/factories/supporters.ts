// A supporter row: a reader whose gift Stripe confirmed, one per email address.
import type { supporters } from '../../db/schema.js';
import { testId } from './ids.js';

export type Supporter = typeof supporters.$inferSelect;

/** Each call gets its own id and email address (the table keeps emails unique). */
export function buildSupporter(overrides: Partial<Supporter> = {}): Supporter {
  const id = overrides.id ?? testId('sup');
  return {
    id,
    email: `${id.replace(/_/g, '.')}@example.com`,
    name: 'A Reader',
    stripeCustomerId: null,
    createdAt: Date.parse('2026-11-01T09:00:00Z'),
    erasedAt: null,
    ...overrides,
  };
}
