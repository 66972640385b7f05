/**
 * The replica's side of a move between operators: whichever order the two operators'
 * events arrive in, exactly one of the old and the new record is honoured; the hand-over
 * survives a restart; a "replacement" for another service or other people supersedes nothing.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConsentEvent } from '../../src/core/consent-feed.ts';
import { ConsentReplica } from '../../src/gateway/consent/consent-replica.ts';
import { gatewayMigrations, type GatewayDatabase } from '../../src/gateway/gateway.tables.ts';
import { migrateToLatest, openStore } from '../../src/store/database.ts';
import { tempDir } from '../helpers/stores.ts';

const SOURCE = 'https://gw.example/sources/incomes';
const A = 'https://operator-a.example';
const B = 'https://operator-b.example';
const person = [{ ref: 'p1', identifier_type: 'fi_hetu', identifier: '010188-9028', datatypes: ['annual_income'] }];

let seq = 0;
const event = (iss: string, record: string, status: ConsentEvent['status'], extra: Partial<ConsentEvent> = {}): ConsentEvent => ({
  typ: 'consent-state',
  iss,
  seq: (seq += 1),
  record_id: record,
  client_id: 'city-fees',
  source: SOURCE,
  status,
  subjects: person,
  purpose: 'https://w3id.org/dpv#ServiceProvision',
  legal_basis: 'https://w3id.org/dpv/legal/eu/gdpr#A6-1-a',
  expires_at: null,
  updated_at: Date.now(),
  ...extra,
});

async function replica(handoverMs = 30_000) {
  const store = await openStore<GatewayDatabase>({ kind: 'sqlite', path: join(tempDir(), 'gw.db') });
  await migrateToLatest(store, gatewayMigrations);
  return { store, replica: new ConsentReplica(store.db, handoverMs) };
}

const honoured = (r: ConsentReplica, iss: string, id: string) => {
  const e = r.get(iss, id, SOURCE);
  return e ? r.honours(e).honoured : false;
};

describe('replica hand-over of a moved consent', () => {
  it('new record first: the old one stops in the same step the new one starts', async () => {
    const { replica: r } = await replica();
    await r.apply(event(A, 'old', 'active'), '1');
    await r.apply(event(B, 'new', 'active', { replaces: 'old' }), '1');
    expect([honoured(r, A, 'old'), honoured(r, B, 'new')]).toEqual([false, true]);
    await r.apply(event(A, 'old', 'moved', { replaced_by: 'new' }), '2');
    expect([honoured(r, A, 'old'), honoured(r, B, 'new')]).toEqual([false, true]);
  });

  it('old operator first: the moved record stays honoured until its replacement arrives', async () => {
    const { replica: r } = await replica();
    await r.apply(event(A, 'old2', 'active'), '1');
    await r.apply(event(A, 'old2', 'moved', { replaced_by: 'new2' }), '2');
    expect([honoured(r, A, 'old2'), honoured(r, B, 'new2')]).toEqual([true, false]);
    await r.apply(event(B, 'new2', 'active', { replaces: 'old2' }), '1');
    expect([honoured(r, A, 'old2'), honoured(r, B, 'new2')]).toEqual([false, true]);
  });

  it('a moved record whose replacement never arrives stops after the hand-over bound', async () => {
    const { replica: r } = await replica(50);
    await r.apply(event(A, 'old3', 'active'), '1');
    await r.apply(event(A, 'old3', 'moved', { replaced_by: 'never' }), '2');
    expect(honoured(r, A, 'old3')).toBe(true);
    await new Promise((res) => setTimeout(res, 80));
    expect(honoured(r, A, 'old3')).toBe(false);
  });

  it('a replacement for another service, other people or a pending one supersedes nothing', async () => {
    const { replica: r } = await replica();
    await r.apply(event(A, 'keep', 'active'), '1');
    await r.apply(event(B, 'x1', 'active', { replaces: 'keep', client_id: 'someone-else' }), '1');
    await r.apply(event(B, 'x2', 'active', { replaces: 'keep', subjects: [{ ...person[0]!, identifier: '020286-9059' }] }), '2');
    await r.apply(event(B, 'x3', 'pending', { replaces: 'keep' }), '3');
    await r.apply(event(A, 'x4', 'active', { replaces: 'keep' }), '4'); // same operator: not a move
    expect(honoured(r, A, 'keep')).toBe(true);
  });

  it('the hand-over is persisted: a restarted gateway honours the same record', async () => {
    const { store, replica: r } = await replica();
    await r.apply(event(A, 'old5', 'active'), '1');
    await r.apply(event(B, 'new5', 'active', { replaces: 'old5' }), '1');
    const again = new ConsentReplica(store.db);
    await again.load();
    expect([honoured(again, A, 'old5'), honoured(again, B, 'new5')]).toEqual([false, true]);
  });
});
