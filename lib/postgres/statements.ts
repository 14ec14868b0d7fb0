// The lease core's SQL (SQLite style, `?` placeholders) as PostgreSQL takes it, and the texts the
// two dialects spell differently.
import { get, type Dialect } from '../core/store';

const positional = new Map<string, string>();

/**
 * `text` with its `?` placeholders numbered `$1`, `$2` … (the seam's contract: `?` appears only as
 * a placeholder). Each text is rewritten once per process.
 */
export function positionalText(text: string): string {
  let rewritten = positional.get(text);
  if (rewritten === undefined) {
    let n = 0;
    rewritten = text.replace(/\?/g, () => `$${++n}`);
    positional.set(text, rewritten);
  }
  return rewritten;
}

export const POSTGRES_DIALECT: Dialect = {
  inList: (column) => `${column} = ANY (ARRAY(SELECT jsonb_array_elements_text(?::text::jsonb)))`,
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  *newToken() {
    const taken = yield* get<{ n: number }>("SELECT nextval(pg_get_serial_sequence('leases', 'token')) AS n");
    return taken!.n;
  },
};

/** Whether a statement may change rows: anything but a query. */
export function changesRows(text: string): boolean {
  return !/^\s*SELECT\b/i.test(text);
}
