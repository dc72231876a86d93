// Every statement on api_tokens. Reads run at once; writes are statements for one atomic()
// with their audit row.
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { apiTokens, staff } from '../../db/schema.js';

export type ApiTokenRow = typeof apiTokens.$inferSelect;
/** A token with its owner, as the staff page and the CLI list them (never the hash). */
export type ApiTokenListing = Omit<ApiTokenRow, 'tokenHash'> & { staffEmail: string; staffName: string };

export function insertApiToken(db: Db, row: typeof apiTokens.$inferInsert): Statement {
  return db.orm.insert(apiTokens).values(row);
}

/** The token and its owner, by the token's hash; revocation and expiry are the caller's to judge. */
export async function findApiTokenByHash(db: Db, tokenHash: string) {
  const rows = await db.orm
    .select({ token: apiTokens, owner: staff })
    .from(apiTokens)
    .innerJoin(staff, eq(staff.id, apiTokens.staffId))
    .where(eq(apiTokens.tokenHash, tokenHash))
    .limit(1);
  return rows[0] ?? null;
}

export async function findApiToken(db: Db, id: string): Promise<ApiTokenRow | null> {
  return (await db.orm.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1))[0] ?? null;
}

/** Newest first; `staffId` narrows to one person's. */
export async function listApiTokens(db: Db, opts: { staffId?: string } = {}): Promise<ApiTokenListing[]> {
  return db.orm
    .select({
      id: apiTokens.id,
      staffId: apiTokens.staffId,
      name: apiTokens.name,
      createdBy: apiTokens.createdBy,
      createdAt: apiTokens.createdAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      staffEmail: staff.email,
      staffName: staff.name,
    })
    .from(apiTokens)
    .innerJoin(staff, eq(staff.id, apiTokens.staffId))
    .where(opts.staffId ? eq(apiTokens.staffId, opts.staffId) : undefined)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** Revokes a live token; a token already revoked keeps its first revocation time. */
export function revokeApiToken(db: Db, id: string, now: number): Statement {
  return db.orm
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)));
}

export async function touchApiToken(db: Db, id: string, now: number): Promise<void> {
  await db.orm.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
}
