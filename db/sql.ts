// Hand-written SQL with named parameters, compiled to text once per module load. The
// webhook path runs the same dozen statements for every event; building each one with
// drizzle's query builder cost more CPU than SQLite spent running it (BENCHMARKS.md), so
// the hot statements are written here once and only their values change per event.
// Both drivers compile each text once and keep it: better-sqlite3 through the
// connection's statement cache (db/node.ts), D1 through its own prepared statements.
// They run through the `sql` port of the Db (db/db.ts).

/** What SQLite accepts as a bound value. Booleans are passed as 0 / 1. */
export type SqlValue = string | number | null;

/** A statement ready to run: SQL text with `?` placeholders and their values in order. */
export type SqlStatement = { readonly sql: string; readonly params: readonly SqlValue[] };

export type SqlTemplate<N extends string> = {
  readonly text: string;
  readonly names: readonly N[];
  /** the values for one run, by name; a name used twice in the text is bound twice */
  bind(values: { readonly [K in N]: SqlValue }): SqlStatement;
};

/** A constant fragment of SQL text, fixed when the module loads (a list of kinds, say). */
export type SqlFragment = { readonly fragment: string };

/** Quotes constant identifiers of the code (statuses, kinds) as SQL string literals. */
export function sqlList(values: readonly string[]): SqlFragment {
  for (const v of values) if (!/^[a-z_]+$/.test(v)) throw new Error(`not a constant name: ${v}`);
  return { fragment: values.length ? values.map((v) => `'${v}'`).join(', ') : 'null' };
}

/**
 * `sqlTemplate\`select … where id = ${'id'}\`` — every interpolation is a parameter
 * name (or a constant SqlFragment), never a value, so no value can reach the SQL text.
 */
export function sqlTemplate<const N extends string>(strings: TemplateStringsArray, ...parts: (N | SqlFragment)[]): SqlTemplate<N> {
  let text = strings[0]!;
  const names: N[] = [];
  parts.forEach((p, i) => {
    if (typeof p === 'string') {
      text += '?';
      names.push(p);
    } else {
      // a placeholder inside a fragment would shift every value after it
      if (p.fragment.includes('?')) throw new Error('an SQL fragment may not hold parameters');
      text += p.fragment;
    }
    text += strings[i + 1]!;
  });
  return templateOf(text.replace(/\s+/g, ' ').trim(), names);
}

/** Templates one after another, `separator` between them: for statements whose shape varies. */
export function sqlJoin<N extends string>(parts: readonly SqlTemplate<N>[], separator: string): SqlTemplate<N> {
  if (separator.includes('?')) throw new Error('an SQL separator may not hold parameters');
  return templateOf(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => p.names),
  );
}

function templateOf<N extends string>(text: string, names: readonly N[]): SqlTemplate<N> {
  return {
    text,
    names,
    bind(values) {
      const params = new Array<SqlValue>(names.length);
      for (let i = 0; i < names.length; i++) {
        const v = values[names[i]!];
        // undefined would bind as NULL on one driver and throw on the other: catch it here
        if (v === undefined) throw new Error(`SQL parameter "${names[i]}" has no value`);
        params[i] = v;
      }
      return { sql: text, params };
    },
  };
}

export function isSqlStatement(s: unknown): s is SqlStatement {
  return typeof s === 'object' && s !== null && typeof (s as SqlStatement).sql === 'string' && Array.isArray((s as SqlStatement).params);
}

/**
 * For an upsert's SET list: \`col = excluded.col\` for each column, only where the incoming
 * ordering key is newer than the one held (state that may arrive out of order). `'>='` lets an
 * equal key win too, in arrival order: for keys with one-second resolution where two real
 * changes can share a second (a redelivery never gets here: it is stopped by its event id).
 */
export function ifNewer(table: string, order: string, columns: readonly string[], cmp: '>' | '>=' = '>'): SqlFragment {
  for (const name of [table, order, ...columns]) if (!/^"?[a-z_]+"?$/.test(name)) throw new Error(`not a column name: ${name}`);
  return { fragment: columns.map((c) => `${c} = case when excluded.${order} ${cmp} ${table}.${order} then excluded.${c} else ${table}.${c} end`).join(', ') };
}

export const bool = (b: boolean): 0 | 1 => (b ? 1 : 0);
