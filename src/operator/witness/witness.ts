/**
 * The operator as a witness of its gateways' access logs (C2SP tlog-witness): a gateway client
 * offers a checkpoint of one of its logs with a consistency proof from the size this witness
 * holds; the witness checks the gateway's signature with the keys registered for that client,
 * cosigns (cosignature/v1, Ed25519) only a checkpoint that extends what it holds, and keeps it.
 * A log belongs to the gateway client that first offered it. A validly signed rollback or fork is
 * refused and raises an alarm: the `portti_witness_refusals_total` metric, an error log line and
 * a `/readyz` warning naming the log.
 */
import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, type Registry as Metrics } from 'prom-client';
import { parseCheckpoint } from '../../audit/tlog/checkpoint.ts';
import { cosignatureSigner } from '../../audit/tlog/cosignature.ts';
import { parseNote, type NoteSigner } from '../../audit/tlog/note.ts';
import { ecdsaVerifier, ed25519PrivateKeyFromSeed, type NoteKey } from '../../audit/tlog/note-keys.ts';
import { formatVerifierKey } from '../../audit/tlog/verifier-key.ts';
import { parseAddCheckpoint, witnessCheckpoint, WITNESS_REFUSAL_ALARM, type WitnessDecision } from '../../audit/tlog/witness.ts';
import type { Registry } from '../registry/registry.ts';
import { advanceLog, cosignedCheckpoint, heldLog, witnessSeed } from './witness.repository.ts';
import type { WitnessDatabase } from './witness.tables.ts';

/** The witness's answer to an add-checkpoint request, as HTTP. */
export interface WitnessAnswer {
  status: number;
  /** text/plain: the cosignature line(s), a size (409) or the reason. */
  body: string;
}

/** The checkpoints and keys a browser checks shown access-log entries with. */
export interface TransparencyEvidence {
  checkpoints: Record<string, string>;
  log_keys: Record<string, string[]>;
  witness_key: string;
}

/** The key name of the witness of `issuer`: its host and path, then `/witness`. */
export function witnessName(issuer: string): string {
  const u = new URL(issuer);
  return `${u.host}${u.pathname.replace(/\/$/, '')}/witness`;
}

/** The witness of one operator. */
export class Witness {
  private readonly db: Kysely<WitnessDatabase>;
  private readonly registry: Registry;
  private readonly log: FastifyBaseLogger;
  private readonly refusals: Counter;
  private readonly alarms = new Map<string, string>();
  private signer: (NoteSigner & { verifier: NoteKey }) | undefined;

  constructor(deps: { db: Kysely<WitnessDatabase>; registry: Registry; log: FastifyBaseLogger; metrics: Metrics }) {
    this.db = deps.db;
    this.registry = deps.registry;
    this.log = deps.log;
    this.refusals = new Counter({
      name: 'portti_witness_refusals_total',
      help: 'Checkpoints this witness refused, by reason (smaller, fork, inconsistent are evidence against the log)',
      labelNames: ['reason'],
      registers: [deps.metrics],
    });
  }

  /** The witness of the operator at `issuer`, its key loaded and its alarms in the server's /readyz. */
  static async open(deps: { db: Kysely<WitnessDatabase>; registry: Registry; issuer: string; app: FastifyInstance }): Promise<Witness> {
    const witness = new Witness({ db: deps.db, registry: deps.registry, log: deps.app.log, metrics: deps.app.metrics });
    await witness.open(deps.issuer);
    deps.app.addReadinessCheck('witness', async () => witness.alarmText());
    return witness;
  }

  /** Loads (or creates) the cosigning key; call once before use. */
  async open(issuer: string): Promise<void> {
    const name = witnessName(issuer);
    const seed = await witnessSeed(this.db, name, () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      return Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
    });
    this.signer = cosignatureSigner(name, ed25519PrivateKeyFromSeed(seed));
  }

  /** The witness's verifier key (`<name>+<id>+<key>`), published in the operator's metadata. */
  get verifierKey(): string {
    return formatVerifierKey(this.cosigner.verifier);
  }

  private get cosigner(): NoteSigner & { verifier: NoteKey } {
    if (!this.signer) throw new Error('the witness is not open');
    return this.signer;
  }

  /** The alarms raised since start (log origin → what happened), for /readyz. */
  alarmText(): string | undefined {
    return this.alarms.size === 0 ? undefined : [...this.alarms].map(([o, d]) => `${o}: ${d}`).join('; ');
  }

  /** Decides an add-checkpoint request from gateway client `clientId`. */
  async add(clientId: string, body: string): Promise<WitnessAnswer> {
    let request;
    try {
      request = parseAddCheckpoint(body);
    } catch (e) {
      return this.refused('malformed', 400, (e as Error).message, '-');
    }
    let origin: string;
    try {
      origin = parseCheckpoint(parseNote(request.checkpoint).text).origin;
    } catch (e) {
      return this.refused('malformed', 400, (e as Error).message, '-');
    }
    const held = await heldLog(this.db, origin);
    if (held && held.client_id !== clientId)
      return this.refused('unknown_log', 403, `the log ${origin} belongs to another gateway`, origin);
    const decision = witnessCheckpoint({
      request,
      log: { origin, keys: await this.gatewayKeys(clientId, origin) },
      held: held ? { checkpoint: parseCheckpoint(parseNote(held.note).text), note: held.note } : undefined,
      cosigner: this.cosigner,
    });
    if (!decision.accepted) return this.refusal(decision, origin);
    const row = { origin, client_id: clientId, size: decision.state.checkpoint.size, note: decision.state.note, updated_at: Date.now() };
    if (!(await advanceLog(this.db, row, held?.size))) {
      const now = await heldLog(this.db, origin);
      return { status: 409, body: `${now?.size ?? 0}\n` };
    }
    return { status: 200, body: decision.cosignatures };
  }

  private refusal(decision: Extract<WitnessDecision, { accepted: false }>, origin: string): WitnessAnswer {
    const answer = this.refused(decision.code, decision.status, decision.detail, origin);
    // a 409 carries the size the witness holds (text/x.tlog.size), so the log can retry from it
    return decision.latestSize === undefined ? answer : { status: 409, body: `${decision.latestSize}\n` };
  }

  private refused(reason: keyof typeof WITNESS_REFUSAL_ALARM, status: number, detail: string, origin: string): WitnessAnswer {
    this.refusals.inc({ reason });
    if (WITNESS_REFUSAL_ALARM[reason]) {
      this.alarms.set(origin, detail);
      this.log.error({ origin, reason, detail }, 'witness alarm: a gateway log shrank or forked');
    } else this.log.warn({ origin, reason, detail }, 'checkpoint refused');
    return { status, body: `${detail}\n` };
  }

  /**
   * What a browser needs to check shown entries itself: the cosigned checkpoints their proofs
   * are against ("<origin> <size>" → note), each log's verifier keys, and this witness's key.
   */
  async evidence(proofs: ReadonlyArray<{ origin: string; size: number }>): Promise<TransparencyEvidence> {
    const out: TransparencyEvidence = { checkpoints: {}, log_keys: {}, witness_key: this.verifierKey };
    for (const { origin, size } of proofs) {
      const id = `${origin} ${size}`;
      if (id in out.checkpoints) continue;
      const note = await cosignedCheckpoint(this.db, origin, size);
      if (note !== undefined) out.checkpoints[id] = note;
      if (!(origin in out.log_keys)) {
        const log = await heldLog(this.db, origin);
        out.log_keys[origin] = log ? (await this.gatewayKeys(log.client_id, origin)).map(formatVerifierKey) : [];
      }
    }
    return out;
  }

  /** The ECDSA note verifiers of the gateway client's registered keys, under the log's origin. */
  private async gatewayKeys(clientId: string, origin: string): Promise<NoteKey[]> {
    const entry = await this.registry.service(clientId);
    if (!entry || entry.kind !== 'gateway' || entry.status !== 'active') return [];
    const d = entry.definition as { jwks?: { keys: JsonWebKey[] }; jwks_uri?: string };
    const jwks = d.jwks ?? (d.jwks_uri ? await fetchJwks(d.jwks_uri) : { keys: [] });
    return jwks.keys.flatMap((jwk) => {
      if (jwk.kty !== 'EC') return [];
      try {
        return [ecdsaVerifier(origin, createPublicKey({ key: jwk, format: 'jwk' }))];
      } catch {
        return [];
      }
    });
  }
}

/** The keys at `url`; none when it cannot be read (the evidence then shows no key for the log). */
async function fetchJwks(url: string): Promise<{ keys: JsonWebKey[] }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } }).catch(() => undefined);
  if (!res?.ok) return { keys: [] };
  const body = (await res.json().catch(() => ({}))) as { keys?: unknown };
  return { keys: Array.isArray(body.keys) ? (body.keys as JsonWebKey[]) : [] };
}
