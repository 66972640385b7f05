/**
 * The only code that queries the registry's tables (services and gateways, sources). Other
 * features read the registry through `Registry`, which parses these rows.
 */
import type { Selectable } from 'kysely';
import type { RegistryDatabase, ServicesTable, SourcesTable } from './registry.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<RegistryDatabase>;

/** Adds or replaces a source row. */
export async function upsertSource(db: Db, source: Selectable<SourcesTable>): Promise<void> {
  const { source_id, ...row } = source;
  await db
    .insertInto('sources')
    .values({ source_id, ...row })
    .onConflict((oc) => oc.column('source_id').doUpdateSet(row))
    .execute();
}

/** Every source row, by id. */
export async function sourceRows(db: Db): Promise<Array<Selectable<SourcesTable>>> {
  return db.selectFrom('sources').selectAll().orderBy('source_id').execute();
}

/** Adds or replaces a client row (a new row gets `created_at` and `status`, an existing one keeps its own: a suspension stays). */
export async function upsertClient(
  db: Db,
  clientId: string,
  row: Omit<Selectable<ServicesTable>, 'client_id' | 'created_at'>,
  now: number,
): Promise<void> {
  const { status: _kept, ...update } = row;
  await db
    .insertInto('services')
    .values({ client_id: clientId, created_at: now, ...row })
    .onConflict((oc) => oc.column('client_id').doUpdateSet(update))
    .execute();
}

/** Sets a client's status (`active` or `suspended`); returns whether the client exists. */
export async function setClientStatus(db: Db, clientId: string, status: string, now: number): Promise<boolean> {
  const res = await db.updateTable('services').set({ status, updated_at: now }).where('client_id', '=', clientId).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** One client row. */
export async function clientRow(db: Db, clientId: string): Promise<Selectable<ServicesTable> | undefined> {
  return db.selectFrom('services').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** Every client id, sorted. */
export async function clientIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('services').select('client_id').orderBy('client_id').execute()).map((r) => r.client_id);
}

/** Every client's definition (JSON), for the set of registered jwks_uri values. */
export async function clientDefinitions(db: Db): Promise<string[]> {
  return (await db.selectFrom('services').select('definition').execute()).map((r) => r.definition);
}

/** Name and definition (JSON) of the named clients, for lists that show many records at once. */
export async function clientSummaries(
  db: Db,
  ids: string[],
): Promise<Array<Pick<Selectable<ServicesTable>, 'client_id' | 'name' | 'definition'>>> {
  if (ids.length === 0) return [];
  return db.selectFrom('services').select(['client_id', 'name', 'definition']).where('client_id', 'in', ids).execute();
}
