/**
 * What a personal data store does, over its vault: take verified deposits, serve the
 * current document to the gateway, let the person see, correct (where the depositor
 * allows), delete and erase, and give aggregate services k-anonymous profiles of those
 * who opted in.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PersonalDataStoreConfig } from '../shared/config.schema.ts';
import { ProblemError } from '../shared/errors.ts';
import { anonymise, resolvePointer, type AnonymisedAnswer } from './anonymise.ts';
import type { Deposit, DepositVerifier } from './deposits.ts';
import type { DocumentVersion, Vault } from './vault.ts';

/** Where a document came from, as shown to people and services. */
export interface Provenance {
  status: 'verified' | 'corrected';
  depositor: string;
  /** "verified by X on D": when the depositor signed the copy. */
  issued_at: string;
  version: number;
}

/** Where a document version came from, as the citizen API shows it. */
export function provenanceOf(v: DocumentVersion): Provenance {
  return { status: v.status, depositor: v.depositor, issued_at: new Date(v.issued_at).toISOString(), version: v.version };
}

/** One of the person's documents with its history, for the citizen API. */
export interface CitizenDocument {
  category: string;
  document: Record<string, unknown>;
  provenance: Provenance;
  correctable: string[];
  corrected_fields: string[];
  /** The depositor's signed copy of the current version (verified only). */
  jws: string | null;
  history: Array<Provenance & { stored_at: string }>;
}

/** The store's operations on people's documents: deposits, reads, corrections, sharing and aggregates. */
export class PdsService {
  readonly config: PersonalDataStoreConfig;
  readonly vault: Vault;
  readonly deposits: DepositVerifier;

  constructor(config: PersonalDataStoreConfig, vault: Vault, deposits: DepositVerifier) {
    this.config = config;
    this.vault = vault;
    this.deposits = deposits;
  }

  private category(id: string) {
    const c = this.config.categories.find((x) => x.id === id);
    if (!c) throw new ProblemError(404, 'not_found', `no category ${id}`);
    return c;
  }

  /** Stores a verified deposit as the new current version; the older one stays in history. */
  async deposit(
    jws: string,
  ): Promise<{ category: string; version: number; status: 'verified'; verified_by: string; verified_at: string; replayed: boolean }> {
    const d: Deposit = await this.deposits.verify(jws);
    this.category(d.category);
    const subject = this.vault.subjectOf(d.identifier);
    const current = await this.vault.current(subject, d.category);
    const answer = (version: number, replayed: boolean) => ({
      category: d.category,
      version,
      status: 'verified' as const,
      verified_by: d.depositor,
      verified_at: new Date(d.issued_at).toISOString(),
      replayed,
    });
    if (current?.jws === jws) return answer(current.version, true);
    if (current && current.issued_at > d.issued_at)
      throw new ProblemError(409, 'conflict', 'the store already holds a copy signed later than this one');
    const version = await this.vault.put(subject, d.category, {
      document: d.document,
      jws,
      correctable: d.correctable,
      corrected_fields: [],
      status: 'verified',
      depositor: d.depositor,
      issued_at: d.issued_at,
    });
    return answer(version, false);
  }

  /** The current document as the gateway reads it, with its provenance under `_provenance`. */
  async read(identifier: string, category: string): Promise<Record<string, unknown>> {
    this.category(category);
    const v = await this.vault.current(this.vault.subjectOf(identifier), category);
    if (!v) throw new ProblemError(404, 'not_found', 'no such document');
    return { ...v.document, _provenance: provenanceOf(v) };
  }

  /** Everything the store holds about the person, current versions with history. */
  async documents(identifier: string): Promise<{ documents: CitizenDocument[]; sharing: string[] }> {
    const subject = this.vault.subjectOf(identifier);
    const all = await this.vault.versions(subject);
    const documents: CitizenDocument[] = [];
    for (const v of all.filter((x) => x.current)) {
      documents.push({
        category: v.category,
        document: v.document,
        provenance: provenanceOf(v),
        correctable: v.correctable,
        corrected_fields: v.corrected_fields,
        jws: v.jws,
        history: all
          .filter((x) => x.category === v.category)
          .map((x) => ({ ...provenanceOf(x), stored_at: new Date(x.stored_at).toISOString() })),
      });
    }
    return { documents, sharing: await this.vault.sharing(subject) };
  }

  /** The person corrects fields the depositor allows; the result is "corrected by the person". */
  async correct(identifier: string, category: string, changes: Record<string, unknown>): Promise<{ version: number }> {
    this.category(category);
    const subject = this.vault.subjectOf(identifier);
    const current = await this.vault.current(subject, category);
    if (!current) throw new ProblemError(404, 'not_found', 'no such document');
    const pointers = Object.keys(changes);
    if (pointers.length === 0) throw new ProblemError(400, 'bad_request', 'no changes');
    const refused = pointers.filter((p) => !current.correctable.includes(p));
    if (refused.length > 0)
      throw new ProblemError(403, 'field_not_correctable', `the depositor does not let these be corrected: ${refused.join(', ')}`, {
        fields: refused,
      });
    const document = structuredClone(current.document);
    for (const p of pointers) setPointer(document, p, coerce(resolvePointer(current.document, p), changes[p]));
    const version = await this.vault.put(subject, category, {
      document,
      jws: null,
      correctable: current.correctable,
      corrected_fields: [...new Set([...current.corrected_fields, ...pointers])].sort(),
      status: 'corrected',
      depositor: current.depositor,
      issued_at: current.issued_at,
    });
    return { version };
  }

  /** Deletes one of the person's documents, every version of it. */
  async remove(identifier: string, category: string): Promise<void> {
    this.category(category);
    const n = await this.vault.deleteCategory(this.vault.subjectOf(identifier), category);
    if (n === 0) throw new ProblemError(404, 'not_found', 'no such document');
  }

  /** Erases the person from the store (key destroyed, rows deleted). */
  async erase(identifier: string): Promise<void> {
    await this.vault.erase(this.vault.subjectOf(identifier));
  }

  /** Sets which aggregate services may include the person. */
  async setSharing(identifier: string, services: string[]): Promise<string[]> {
    const unknown = services.filter((s) => !this.config.aggregate_services.some((a) => a.id === s));
    if (unknown.length > 0) throw new ProblemError(400, 'bad_request', `unknown aggregate services: ${unknown.join(', ')}`);
    const subject = this.vault.subjectOf(identifier);
    if ((await this.vault.versions(subject, undefined, true)).length === 0)
      throw new ProblemError(404, 'not_found', 'the store holds nothing about you');
    await this.vault.setSharing(subject, services);
    return this.vault.sharing(subject);
  }

  /** k-anonymous profiles for an aggregate service; `k` below the service's floor is refused. */
  async aggregate(serviceId: string, token: string | undefined, k?: number): Promise<AnonymisedAnswer> {
    const service = this.config.aggregate_services.find((a) => a.id === serviceId);
    if (!service || !token || !constantTimeEqual(token, service.token))
      throw new ProblemError(401, 'unauthorized', 'unknown aggregate service or wrong credential', {}, { 'www-authenticate': 'Bearer' });
    const wanted = k ?? service.k_min;
    if (wanted < service.k_min)
      throw new ProblemError(400, 'k_anonymity_threshold', `k must be at least ${service.k_min} for ${service.id}`, {
        k_min: service.k_min,
      });
    const people: Array<{ pseudonym: string; document: unknown }> = [];
    for (const subject of await this.vault.optedIn(service.id)) {
      const v = await this.vault.current(subject, service.category);
      if (v) people.push({ pseudonym: this.vault.pseudonym(subject, service.id), document: v.document });
    }
    return anonymise(people, service.fields, wanted);
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Keeps a number a number when a form sends text. */
function coerce(previous: unknown, value: unknown): unknown {
  if (typeof previous === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (value !== null && typeof value === 'object')
    throw new ProblemError(400, 'bad_request', 'corrected values are strings, numbers, booleans or null');
  return value;
}

function setPointer(doc: Record<string, unknown>, pointer: string, value: unknown): void {
  const keys = pointer
    .slice(1)
    .split('/')
    .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop()!;
  const parent = resolvePointer(doc, keys.length ? `/${keys.map((k) => k.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}` : '');
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent) || ['__proto__', 'constructor', 'prototype'].includes(last)) {
    throw new ProblemError(400, 'bad_request', `cannot set ${pointer}`);
  }
  (parent as Record<string, unknown>)[last] = value;
}
