/**
 * The only code that queries the moves' table. A move's stored bundle (megabytes) is read
 * by none of these: progress and lists read every column but it.
 */
import type { Insertable, Selectable } from 'kysely';
import type { MoveItem, MoveView } from './bundle.ts';
import type { MovesTable, PortabilityDatabase } from './portability.tables.ts';
import type { Queryable } from '../../store/database.ts';

type Db = Queryable<PortabilityDatabase>;

/** Columns of a move without the stored bundle. */
const MOVE_COLUMNS = [
  'move_id',
  'direction',
  'account_id',
  'peer',
  'status',
  'total',
  'done',
  'result',
  'left_behind',
  'created_at',
  'updated_at',
] as const;

/** A move as stored, without its bundle. */
export type MoveRow = Pick<Selectable<MovesTable>, (typeof MOVE_COLUMNS)[number]>;

/** A stored move as the citizen sees it. */
export function moveView(m: MoveRow): MoveView {
  return {
    move_id: m.move_id,
    direction: m.direction as MoveView['direction'],
    peer: m.peer,
    status: m.status as MoveView['status'],
    total: m.total,
    done: m.done,
    items: JSON.parse(m.result) as MoveItem[],
    left_behind: m.left_behind ? (JSON.parse(m.left_behind) as MoveView['left_behind']) : [],
    created_at: new Date(m.created_at).toISOString(),
    updated_at: new Date(m.updated_at).toISOString(),
  };
}

/** Records a new move. */
export async function insertMove(db: Db, move: Insertable<MovesTable>): Promise<void> {
  await db.insertInto('moves').values(move).execute();
}

/** Updates a move's progress, outcome or status. */
export async function updateMove(
  db: Db,
  moveId: string,
  changes: Partial<Pick<MovesTable, 'status' | 'done' | 'result' | 'evidence' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('moves').set(changes).where('move_id', '=', moveId).execute();
}

/** True when a move with this id is recorded (a bundle imported twice). */
export async function moveExists(db: Db, moveId: string): Promise<boolean> {
  return (await db.selectFrom('moves').select('move_id').where('move_id', '=', moveId).executeTakeFirst()) !== undefined;
}

/** A move out of this operator. */
export async function outgoingMove(db: Db, moveId: string): Promise<MoveRow | undefined> {
  return db.selectFrom('moves').select(MOVE_COLUMNS).where('move_id', '=', moveId).where('direction', '=', 'out').executeTakeFirst();
}

/** True when some move out of this operator went to `peer`. */
export async function movedOutTo(db: Db, peer: string): Promise<boolean> {
  const known = await db.selectFrom('moves').select('move_id').where('peer', '=', peer).where('direction', '=', 'out').executeTakeFirst();
  return known !== undefined;
}

/** Finished moves into this operator, whose records may still need handing over. */
export async function finishedIncomingMoves(db: Db): Promise<Array<{ move_id: string; peer: string; result: string }>> {
  return db.selectFrom('moves').select(['move_id', 'peer', 'result']).where('direction', '=', 'in').where('status', '=', 'done').execute();
}

/** A move's per-record outcome as stored now (JSON). */
export async function moveResult(db: Db, moveId: string): Promise<string> {
  return (await db.selectFrom('moves').select('result').where('move_id', '=', moveId).executeTakeFirstOrThrow()).result;
}

/** One move of the account. */
export async function moveOf(db: Db, accountId: string, moveId: string): Promise<MoveRow | undefined> {
  return db.selectFrom('moves').select(MOVE_COLUMNS).where('move_id', '=', moveId).where('account_id', '=', accountId).executeTakeFirst();
}

/** Every move of the account, newest first. */
export async function movesOf(db: Db, accountId: string): Promise<MoveRow[]> {
  return db.selectFrom('moves').select(MOVE_COLUMNS).where('account_id', '=', accountId).orderBy('created_at', 'desc').execute();
}

/** Deletes an account's moves and their bundles (its erasure). */
export async function deleteMovesOf(db: Db, accountId: string): Promise<void> {
  await db.deleteFrom('moves').where('account_id', '=', accountId).execute();
}

/** The citizen's moves here from other operators: each old operator, its records' outcomes and its transparency evidence. */
export async function movesIn(db: Db, accountId: string): Promise<Array<{ peer: string; result: string; evidence: string | null }>> {
  return db
    .selectFrom('moves')
    .select(['peer', 'result', 'evidence'])
    .where('account_id', '=', accountId)
    .where('direction', '=', 'in')
    .execute();
}

/** The account's newest finished move to another operator (the new operator reported the hand-over), if any. */
export async function lastMoveOut(db: Db, accountId: string): Promise<{ peer: string; updated_at: number } | undefined> {
  return db
    .selectFrom('moves')
    .select(['peer', 'updated_at'])
    .where('account_id', '=', accountId)
    .where('direction', '=', 'out')
    .where('status', '=', 'done')
    .orderBy('updated_at', 'desc')
    .executeTakeFirst();
}

/** The bundles of the citizen's moves here, as received (verified at import), oldest first. */
export async function bundlesIn(db: Db, accountId: string): Promise<Array<{ peer: string; created_at: number; bundle: string | null }>> {
  return db
    .selectFrom('moves')
    .select(['peer', 'created_at', 'bundle'])
    .where('account_id', '=', accountId)
    .where('direction', '=', 'in')
    .orderBy('created_at')
    .execute();
}
