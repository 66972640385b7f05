/** The only code that queries the witness's tables. */
import type { Queryable } from '../../store/database.ts';
import type { WitnessDatabase, WitnessLogsTable } from './witness.tables.ts';

type Db = Queryable<WitnessDatabase>;

/** The witness key's seed under `name`, created by `create` on first use. */
export async function witnessSeed(db: Db, name: string, create: () => Uint8Array): Promise<Uint8Array> {
  const row = await db.selectFrom('witness_keys').select('seed').where('name', '=', name).executeTakeFirst();
  if (row) return row.seed;
  await db
    .insertInto('witness_keys')
    .values({ name, seed: create(), created_at: Date.now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return (await db.selectFrom('witness_keys').select('seed').where('name', '=', name).executeTakeFirstOrThrow()).seed;
}

/** What the witness holds for a log. */
export async function heldLog(db: Db, origin: string): Promise<WitnessLogsTable | undefined> {
  const row = await db.selectFrom('witness_logs').selectAll().where('origin', '=', origin).executeTakeFirst();
  return row && { ...row, size: Number(row.size) };
}

/**
 * Stores a newly cosigned checkpoint if the held size is still `heldSize` (compare and set: two
 * operator instances never both advance a log from the same state); false when another won.
 */
export async function advanceLog(db: Db, row: WitnessLogsTable, heldSize: number | undefined): Promise<boolean> {
  const stored = await db.transaction().execute(async (trx) => {
    if (heldSize === undefined) {
      const r = await trx
        .insertInto('witness_logs')
        .values(row)
        .onConflict((oc) => oc.column('origin').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    } else {
      const r = await trx
        .updateTable('witness_logs')
        .set({ size: row.size, note: row.note, updated_at: row.updated_at })
        .where('origin', '=', row.origin)
        .where('size', '=', heldSize)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
    }
    await trx
      .insertInto('witness_checkpoints')
      .values({ origin: row.origin, size: row.size, note: row.note, cosigned_at: row.updated_at })
      .onConflict((oc) => oc.columns(['origin', 'size']).doNothing())
      .execute();
    return true;
  });
  return stored;
}

/** A checkpoint the witness cosigned, by origin and size. */
export async function cosignedCheckpoint(db: Db, origin: string, size: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('witness_checkpoints')
    .select('note')
    .where('origin', '=', origin)
    .where('size', '=', size)
    .executeTakeFirst();
  return row?.note;
}

/** Every log the witness holds (origin, size, note), for its public list. */
export function heldLogs(db: Db): Promise<Array<Pick<WitnessLogsTable, 'origin' | 'size' | 'note' | 'updated_at'>>> {
  return db.selectFrom('witness_logs').select(['origin', 'size', 'note', 'updated_at']).orderBy('origin').execute();
}
