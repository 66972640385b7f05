/**
 * The witness decision (C2SP tlog-witness): accepts and cosigns extensions, refuses a smaller
 * tree, a fork (same size, other root; or a proof that does not verify), a bad signature and an
 * unknown log, each with the spec's HTTP status; the add-checkpoint body; the log's side.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openCheckpoint, signCheckpoint } from '../../../src/audit/tlog/checkpoint.ts';
import { cosignatureSigner } from '../../../src/audit/tlog/cosignature.ts';
import { EMPTY_ROOT } from '../../../src/audit/tlog/merkle.ts';
import { MemoryTree } from '../../../src/audit/tlog/merkle-tree.ts';
import { parseNote, signNote } from '../../../src/audit/tlog/note.ts';
import { ed25519Signer } from '../../../src/audit/tlog/note-keys.ts';
import {
  addCosignatures,
  compareWithWitnessed,
  formatAddCheckpoint,
  parseAddCheckpoint,
  witnessCheckpoint,
  type AddCheckpointRequest,
  type WitnessDecision,
  type WitnessState,
} from '../../../src/audit/tlog/witness.ts';

const ORIGIN = 'gateway.example/log/instance-1';
const logKey = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
const cosigner = cosignatureSigner('operator.example/witness', generateKeyPairSync('ed25519').privateKey);
const log = { origin: ORIGIN, keys: [logKey.verifier] };

function treeOf(size: number, prefix = 'record'): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < size; i += 1) t.append(Buffer.from(`${prefix} ${i}`));
  return t;
}

const signed = (t: MemoryTree, signer = logKey): string =>
  signCheckpoint({ origin: ORIGIN, size: t.size, rootHash: t.root(), extensions: [] }, [signer]);

function submit(request: AddCheckpointRequest, held: WitnessState | undefined, watched = log): WitnessDecision {
  return witnessCheckpoint({ request: parseAddCheckpoint(formatAddCheckpoint(request)), log: watched, held, cosigner });
}

function accepted(d: WitnessDecision): WitnessState {
  if (!d.accepted) throw new Error(`refused: ${d.code} ${d.detail}`);
  return d.state;
}

const first = accepted(submit({ oldSize: 0, proof: [], checkpoint: signed(treeOf(5)) }, undefined));

describe('witness decision', () => {
  it('accepts a first checkpoint and cosigns it, keeping the log signature on the stored note', () => {
    const opened = openCheckpoint(first.note, [logKey.verifier, cosigner.verifier]);
    expect(opened.checkpoint.size).toBe(5);
    expect(opened.note.verified.map((s) => s.name)).toEqual([ORIGIN, 'operator.example/witness']);
  });

  it('stores only the log signature and its own cosignature, not what else the submitter added', () => {
    const stranger = ed25519Signer('stranger.example', generateKeyPairSync('ed25519').privateKey);
    const t = treeOf(5);
    const note = signNote(parseNote(signed(t)).text, [stranger], parseNote(signed(t)).signatures);
    const state = accepted(submit({ oldSize: 0, proof: [], checkpoint: note }, undefined));
    expect(parseNote(state.note).signatures.map((s) => s.name)).toEqual([ORIGIN, 'operator.example/witness']);
  });

  it('accepts an extension with a valid consistency proof, and the same checkpoint again', () => {
    const t = treeOf(12);
    const next = accepted(submit({ oldSize: 5, proof: t.consistencyProof(5), checkpoint: signed(t) }, first));
    expect(next.checkpoint.size).toBe(12);
    expect(accepted(submit({ oldSize: 12, proof: [], checkpoint: signed(t) }, next)).checkpoint.size).toBe(12);
  });

  it('refuses a smaller tree (a rollback): 409 with the held size, an alarm', () => {
    const d = submit({ oldSize: 3, proof: [], checkpoint: signed(treeOf(3)) }, first);
    expect(d).toMatchObject({ accepted: false, code: 'smaller', status: 409, alarm: true, latestSize: 5 });
  });

  it('refuses a fork at the same size: 422, an alarm', () => {
    const d = submit({ oldSize: 5, proof: [], checkpoint: signed(treeOf(5, 'other')) }, first);
    expect(d).toMatchObject({ accepted: false, code: 'fork', status: 422, alarm: true });
  });

  it('refuses a larger tree that does not extend the held one: 422 inconsistent, an alarm', () => {
    const forked = treeOf(9, 'other');
    const d = submit({ oldSize: 5, proof: forked.consistencyProof(5), checkpoint: signed(forked) }, first);
    expect(d).toMatchObject({ accepted: false, code: 'inconsistent', status: 422, alarm: true });
    const honest = treeOf(9);
    const wrongProof = submit({ oldSize: 5, proof: honest.consistencyProof(4), checkpoint: signed(honest) }, first);
    expect(wrongProof).toMatchObject({ code: 'inconsistent', status: 422 });
  });

  it('refuses a checkpoint not signed by the log: 403, no alarm', () => {
    const forger = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    const t = treeOf(8);
    const d = submit({ oldSize: 5, proof: t.consistencyProof(5), checkpoint: signed(t, forger) }, first);
    expect(d).toMatchObject({ accepted: false, code: 'bad_signature', status: 403, alarm: false });
    const tampered = signed(t).replace('\n8\n', '\n9\n');
    expect(submit({ oldSize: 5, proof: t.consistencyProof(5), checkpoint: tampered }, first)).toMatchObject({ code: 'bad_signature' });
  });

  it('refuses an unknown log: 404', () => {
    const other = { origin: 'elsewhere.example/log', keys: [logKey.verifier] };
    expect(submit({ oldSize: 5, proof: [], checkpoint: signed(treeOf(5)) }, first, other)).toMatchObject({
      code: 'unknown_log',
      status: 404,
    });
  });

  it('answers a stale old size with 409 and the held size, without an alarm', () => {
    const t = treeOf(9);
    const d = submit({ oldSize: 4, proof: t.consistencyProof(4), checkpoint: signed(t) }, first);
    expect(d).toMatchObject({ accepted: false, code: 'conflict', status: 409, alarm: false, latestSize: 5 });
  });

  it('refuses malformed requests: old size above the checkpoint size, a proof from the empty tree, a bad empty root', () => {
    expect(submit({ oldSize: 9, proof: [], checkpoint: signed(treeOf(8)) }, first)).toMatchObject({ code: 'malformed', status: 400 });
    const t = treeOf(2);
    expect(submit({ oldSize: 0, proof: [t.root()], checkpoint: signed(t) }, undefined)).toMatchObject({
      code: 'inconsistent',
      status: 422,
    });
    const badEmpty = signCheckpoint({ origin: ORIGIN, size: 0, rootHash: t.root(), extensions: [] }, [logKey]);
    expect(submit({ oldSize: 0, proof: [], checkpoint: badEmpty }, undefined)).toMatchObject({ code: 'inconsistent', status: 422 });
    const empty = signCheckpoint({ origin: ORIGIN, size: 0, rootHash: EMPTY_ROOT, extensions: [] }, [logKey]);
    expect(submit({ oldSize: 0, proof: [], checkpoint: empty }, undefined).accepted).toBe(true);
    const garbage = witnessCheckpoint({ request: { oldSize: 0, proof: [], checkpoint: 'not a note' }, log, held: undefined, cosigner });
    expect(garbage).toMatchObject({ code: 'malformed', status: 400 });
  });
});

describe('add-checkpoint body and the log side', () => {
  it("parses the spec's example request body", () => {
    const body =
      'old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n' +
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\n' +
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
    const req = parseAddCheckpoint(body);
    expect(req.oldSize).toBe(20852014);
    expect(req.proof).toHaveLength(4);
    expect(parseNote(req.checkpoint).text.split('\n')[1]).toBe('20852163');
    expect(formatAddCheckpoint(req)).toBe(body);
  });

  it('refuses malformed bodies', () => {
    expect(() => parseAddCheckpoint('old 01\n\nx')).toThrow(/old <size>/);
    expect(() => parseAddCheckpoint('old 1\nnot-a-hash\n\nx')).toThrow(/proof line 1/);
    expect(() => parseAddCheckpoint('old 1\n')).toThrow(/blank line/);
    expect(() => parseAddCheckpoint(`old 1\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64)}\nx`)).toThrow(/63/);
  });

  it("adds the witness's verified cosignature to the log's note", () => {
    const t = treeOf(8);
    const note = signed(t);
    const d = submit({ oldSize: 5, proof: t.consistencyProof(5), checkpoint: note }, first);
    if (!d.accepted) throw new Error(d.detail);
    const cosigned = addCosignatures(note, d.cosignatures, [cosigner.verifier]);
    expect(openCheckpoint(cosigned, [logKey.verifier, cosigner.verifier]).note.verified).toHaveLength(2);
    const stranger = cosignatureSigner('operator.example/witness', generateKeyPairSync('ed25519').privateKey);
    expect(() => addCosignatures(note, d.cosignatures, [stranger.verifier])).toThrow(/no signature from a known key/);
  });

  it('tells a cut tail and a changed log apart from a log that extends the witnessed checkpoint', () => {
    const witnessed = first.checkpoint;
    const local = treeOf(7);
    expect(compareWithWitnessed(local.size, (s) => local.rootAt(s), witnessed)).toEqual({ ok: true });
    const cut = treeOf(3);
    expect(compareWithWitnessed(cut.size, (s) => cut.rootAt(s), witnessed)).toMatchObject({ ok: false, reason: 'cut_tail' });
    const changed = treeOf(7, 'other');
    expect(compareWithWitnessed(changed.size, (s) => changed.rootAt(s), witnessed)).toMatchObject({ ok: false, reason: 'fork' });
  });
});
