/**
 * Looks for a person's traces in a store, as a data-protection auditor would: every row of
 * every table (text, numbers and blobs, with the payload of every JWS decoded), and on SQLite
 * the raw bytes of the database file and its `-wal` and `-shm` files, for each needle as text
 * and base64/base64url-encoded at each of the three alignments. Returns where each was found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Store } from '../../src/store/database.ts';

/** The encodings a needle may hide in: itself, and the base64 and base64url runs that encode it at any offset. */
export function needleForms(needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const forms = [needle];
  for (let k = 0; k < 3; k += 1) {
    const enc = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const run = enc.slice(Math.ceil((k * 4) / 3), 4 * Math.floor((k + bytes.length) / 3));
    if (run.length >= 4) forms.push(run, run.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)];
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  const s = String(value);
  const payloads = [...s.matchAll(/eyJ[A-Za-z0-9_-]*\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*/g)].map((m) =>
    Buffer.from(m[1]!, 'base64url').toString('utf8'),
  );
  return [s, ...payloads].join('\n');
}

/** `table.column` (or file name) → needles found there. */
export async function scanStore<DB>(store: Store<DB>, needles: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const note = (where: string, hay: string) => {
    const hits = needles.filter((n) => needleForms(n).some((f) => hay.includes(f)));
    if (hits.length > 0) found.set(where, [...new Set([...(found.get(where) ?? []), ...hits])]);
  };
  const tables =
    store.dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
          store.db,
        );
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db);
    for (const row of rows.rows) for (const [column, value] of Object.entries(row)) note(`${name}.${column}`, text(value));
  }
  if (store.location.kind === 'sqlite') {
    for (const file of [store.location.path, `${store.location.path}-wal`, `${store.location.path}-shm`]) {
      if (existsSync(file)) note(file.slice(file.lastIndexOf('/') + 1), readFileSync(file).toString('latin1'));
    }
  }
  return found;
}
