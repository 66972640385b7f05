/**
 * What every change of a consent record does besides saving it, inside the change's own
 * transaction: a signed feed event per source (gateways learn the new state), a signed
 * ISO/IEC TS 27560 receipt, a webhook delivery to the service (webhooks/webhook-events.ts),
 * and the removal of the record's grants and codes once it no longer stands (neither
 * pending nor active).
 */
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import type { Transaction } from 'kysely';
import { CONSENT_EVENT_JWS_TYP, CONSENT_EVENT_PAYLOAD_TYP, type ConsentEvent } from '../../core/consent-feed.ts';
import { STATUS_RULES } from '../../core/consent-rules.ts';
import { sourcesOf, subjectsForSource, type ConsentState } from '../../core/consent.ts';
import { buildReceipt, signReceipt } from '../../core/receipt/receipt.ts';
import type { Dialect } from '../../store/database.ts';
import type { SigningKey } from '../../store/keys.ts';
import { deleteConsentEventsExcept, lockFeedWriters, reserveFeedEvent, setFeedEventJws } from '../feed/feed.repository.ts';
import type { FeedDatabase } from '../feed/feed.tables.ts';
import { destroyByConsentRecord } from '../oauth/oidc-store.repository.ts';
import type { OidcStoreDatabase } from '../oauth/oidc-store.tables.ts';
import type { ServiceEntry } from '../registry/registry.ts';
import type { ServiceDefinition } from '../registry/registry.schema.ts';
import { queueConsentWebhook } from '../webhooks/webhook-events.ts';
import type { WebhooksDatabase } from '../webhooks/webhooks.tables.ts';
import { loadHistory } from './consent.repository.ts';
import type { ConsentDatabase } from './consent.tables.ts';
import { insertReceipt } from './receipts.repository.ts';
import type { ReceiptsDatabase } from './receipts.tables.ts';

/** The tables a consent change writes: the record, its feed events, receipt and webhook, and the grants it removes. */
export interface ConsentChangeDatabase extends ConsentDatabase, FeedDatabase, ReceiptsDatabase, WebhooksDatabase, OidcStoreDatabase {}

type Trx = Transaction<ConsentChangeDatabase>;

/** Who this operator is, for what a change signs. */
export interface EffectsContext {
  issuer: string;
  operatorName: string;
  signingKey: () => SigningKey;
  dialect: Dialect;
}

/** Side effects of a change, inside its transaction. Returns the last feed seq (none when the record has no source). */
export async function recordChangeEffects(
  trx: Trx,
  state: ConsentState,
  service: ServiceEntry | undefined,
  ctx: EffectsContext,
  facts: ReceiptFacts,
): Promise<number | undefined> {
  const key = ctx.signingKey();
  const last = (await appendFeedEvents(trx, state, key, ctx)).at(-1);
  await issueReceipt(trx, state, { service, key, ctx, facts });
  await queueConsentWebhook(trx, state, service);
  if (!STATUS_RULES[state.status].standing) await destroyByConsentRecord(trx, state.record_id);
  return last;
}

/**
 * After an erasure (GDPR Art. 17): the record's state once more on the feed, now without the
 * erased identifiers, and its earlier consent events, which named them, deleted. Each event
 * carries the record's whole state, so a gateway reading from any cursor ends in the same
 * place. No receipt or webhook: no decision changed. Returns the last seq.
 */
export async function republishErased(trx: Trx, state: ConsentState, ctx: EffectsContext): Promise<number | undefined> {
  const seqs = await appendFeedEvents(trx, state, ctx.signingKey(), ctx);
  await deleteConsentEventsExcept(trx, state.record_id, seqs);
  return seqs.at(-1);
}

/** One signed feed event per source the record releases; returns their seqs. */
async function appendFeedEvents(trx: Trx, state: ConsentState, key: SigningKey, ctx: EffectsContext): Promise<number[]> {
  await lockFeedWriters(trx, ctx.dialect);
  const now = state.updated_at;
  const seqs: number[] = [];
  for (const source of sourcesOf(state)) {
    const seq = await reserveFeedEvent(trx, state.record_id, source, now);
    const event: ConsentEvent = {
      typ: CONSENT_EVENT_PAYLOAD_TYP,
      iss: ctx.issuer,
      seq,
      record_id: state.record_id,
      client_id: state.client_id,
      source,
      status: state.status,
      subjects: subjectsForSource(state, source),
      purpose: state.purposes[0]?.purpose ?? null,
      legal_basis: state.purposes[0]?.lawful_basis ?? null,
      expires_at: state.expires_at,
      updated_at: now,
      replaces: state.replaces,
      ...(state.replaced_by ? { replaced_by: state.replaced_by } : {}),
    };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(event)))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CONSENT_EVENT_JWS_TYP })
      .sign(key.privateKey);
    await setFeedEventJws(trx, seq, jws);
    seqs.push(seq);
  }
  return seqs;
}

/** What a receipt needs to know beyond the record: read before the change's transaction opens. */
export interface ReceiptFacts {
  /** The language of the request that started the record. */
  language: string;
  /** Pairwise subjects of the data subjects with an account, by party id. */
  subjects: ReadonlyMap<string, string>;
}

/** The signed receipt of the record's state after the change, with its whole history. */
async function issueReceipt(
  trx: Trx,
  state: ConsentState,
  { service, key, ctx, facts }: { service: ServiceEntry | undefined; key: SigningKey; ctx: EffectsContext; facts: ReceiptFacts },
) {
  const history = await loadHistory(trx, state.record_id);
  const definition = service?.definition as ServiceDefinition | undefined;
  const receiptId = `urn:uuid:${randomUUID()}`;
  const { language, subjects } = facts;
  const receipt = buildReceipt(
    state,
    history,
    {
      issuer: ctx.issuer,
      operatorName: ctx.operatorName,
      jurisdiction: 'FI',
      language,
      privacyNotice: definition?.privacy_notice ?? `${ctx.issuer}/privacy`,
      controller: definition?.controller ?? { name: state.client_id },
      serviceName: definition?.name[language as keyof ServiceDefinition['name']],
      subjects,
    },
    receiptId,
    state.updated_at,
  );
  await insertReceipt(trx, {
    receipt_id: receiptId,
    record_id: state.record_id,
    time: state.updated_at,
    jws: await signReceipt(receipt, key),
  });
}
