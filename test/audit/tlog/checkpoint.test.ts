/**
 * C2SP tlog-checkpoint and tlog-cosignature (cosignature/v1): the specs' example checkpoint and
 * cosignature, strict parsing, signing and opening, tampered size and root, wrong keys, and a
 * witness cosignature on the log's note.
 */
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  peekCheckpoint,
  signCheckpoint,
  signedByAll,
  type Checkpoint,
} from '../../../src/audit/tlog/checkpoint.ts';
import { cosignatureMessage, cosignatureSigner, cosignatureTimestamp, cosignatureVerifier } from '../../../src/audit/tlog/cosignature.ts';
import { EMPTY_ROOT } from '../../../src/audit/tlog/merkle.ts';
import { MemoryTree } from '../../../src/audit/tlog/merkle-tree.ts';
import { NoteError, openNote, parseNote, signNote, type NoteErrorCode } from '../../../src/audit/tlog/note.ts';
import { ed25519RawPublicKey, ed25519Signer, ed25519Verifier } from '../../../src/audit/tlog/note-keys.ts';
import { formatVerifierKey, parseVerifierKey } from '../../../src/audit/tlog/verifier-key.ts';

/** c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature examples. */
const SPEC_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_COSIGNATURE =
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';

function code(f: () => unknown): NoteErrorCode | 'no error' {
  try {
    f();
    return 'no error';
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
}

const ORIGIN = 'gateway.example/log/instance-1';
const logKey = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
const witnessPrivate = generateKeyPairSync('ed25519').privateKey;
const witness = cosignatureSigner('witness.example/w1', witnessPrivate, () => 1_700_000_000);

function checkpointOf(size: number): Checkpoint {
  const t = new MemoryTree();
  for (let i = 0; i < size; i += 1) t.append(Buffer.from(`record ${i}`));
  return { origin: ORIGIN, size, rootHash: t.root(), extensions: [] };
}

describe('tlog-checkpoint', () => {
  it("parses and re-formats the spec's example", () => {
    const c = parseCheckpoint(SPEC_TEXT);
    expect(c).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(Buffer.from(c.rootHash).toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(formatCheckpoint(c)).toBe(SPEC_TEXT);
  });

  it('keeps extension lines and the empty tree', () => {
    const c = parseCheckpoint(`${SPEC_TEXT}ext one\next two\n`);
    expect(c.extensions).toEqual(['ext one', 'ext two']);
    expect(formatCheckpoint(c)).toBe(`${SPEC_TEXT}ext one\next two\n`);
    const empty = { origin: ORIGIN, size: 0, rootHash: EMPTY_ROOT, extensions: [] };
    expect(parseCheckpoint(formatCheckpoint(empty)).size).toBe(0);
  });

  const bad: [string, string][] = [
    ['two lines', 'example.com/x\n1\n'],
    ['no final newline', SPEC_TEXT.slice(0, -1)],
    ['an empty origin', `\n${SPEC_TEXT.split('\n').slice(1).join('\n')}`],
    ['a leading zero', SPEC_TEXT.replace('20852163', '020852163')],
    ['a signed size', SPEC_TEXT.replace('20852163', '+20852163')],
    ['an exponent', SPEC_TEXT.replace('20852163', '2e7')],
    ['a size beyond 2^53', SPEC_TEXT.replace('20852163', '18446744073709551615')],
    ['a short root', SPEC_TEXT.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==')],
    [
      'a hex root',
      SPEC_TEXT.replace('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', '0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62'),
    ],
    ['an empty extension line', `${SPEC_TEXT}\next\n`],
  ];
  it.each(bad)('refuses %s', (_what, text) => {
    expect(code(() => parseCheckpoint(text))).toBe('malformed_checkpoint');
  });

  it('signs with the origin as key name and opens with the log key', () => {
    const c = checkpointOf(5);
    const note = signCheckpoint(c, [logKey]);
    const opened = openCheckpoint(note, [logKey.verifier]);
    expect(opened.checkpoint.size).toBe(5);
    expect(Buffer.compare(opened.checkpoint.rootHash, c.rootHash)).toBe(0);
    expect(signedByAll(opened, [logKey])).toBe(true);
    expect(peekCheckpoint(note).origin).toBe(ORIGIN);
  });

  it('refuses a tampered size or root, and a note signed by another key', () => {
    const note = signCheckpoint(checkpointOf(5), [logKey]);
    const lines = note.split('\n');
    expect(code(() => openCheckpoint(note.replace('\n5\n', '\n4\n'), [logKey.verifier]))).toBe('invalid_signature');
    const otherRoot = Buffer.from(checkpointOf(4).rootHash).toString('base64');
    expect(code(() => openCheckpoint(note.replace(lines[2] as string, otherRoot), [logKey.verifier]))).toBe('invalid_signature');
    const forger = ed25519Signer(ORIGIN, generateKeyPairSync('ed25519').privateKey);
    expect(code(() => openCheckpoint(signCheckpoint(checkpointOf(5), [forger]), [logKey.verifier]))).toBe('unverified_note');
  });
});

describe('tlog-cosignature: cosignature/v1', () => {
  it("decodes the spec's example cosignature: key ID and the timestamp of its example message", () => {
    const sig = parseNote(`${SPEC_TEXT}\n${SPEC_COSIGNATURE}`).signatures[0];
    expect(sig?.keyId.toString(16)).toBe('8d66cf3f');
    expect(cosignatureTimestamp(sig?.signature ?? new Uint8Array())).toBe(1679315147);
  });

  it('signs the message "cosignature/v1\\ntime <t>\\n" + checkpoint with key ID type 0x04', () => {
    const text = formatCheckpoint(checkpointOf(3));
    const message = Buffer.from(cosignatureMessage(Buffer.from(text), 1_700_000_000)).toString();
    expect(message).toBe(`cosignature/v1\ntime 1700000000\n${text}`);
    const sig = witness.sign(Buffer.from(text));
    expect(cosignatureTimestamp(sig)).toBe(1_700_000_000);
    expect(verify(null, Buffer.from(message), witnessPrivate, sig.subarray(8))).toBe(true);
    expect(witness.keyId).not.toBe(ed25519Verifier('witness.example/w1', ed25519RawPublicKey(witnessPrivate)).keyId);
  });

  it('puts the cosignature beside the log signature on one note, each verified by its own key', () => {
    const logNote = signCheckpoint(checkpointOf(7), [logKey]);
    const cosigned = signNote(parseNote(logNote).text, [witness], parseNote(logNote).signatures);
    const witnessVkey = formatVerifierKey(witness.verifier);
    const opened = openCheckpoint(cosigned, [logKey.verifier, parseVerifierKey(witnessVkey)]);
    expect(opened.note.verified.map((s) => s.name)).toEqual([ORIGIN, 'witness.example/w1']);
    // The witness key as a plain Ed25519 note key does not match the cosignature's key ID: ignored.
    const plain = ed25519Verifier('witness.example/w1', witness.verifier.publicKey);
    expect(openNote(cosigned, [logKey.verifier, plain]).unverified.map((s) => s.name)).toEqual(['witness.example/w1']);
  });

  it('refuses a cosignature whose timestamp was changed', () => {
    const text = formatCheckpoint(checkpointOf(2));
    const sig = Buffer.from(witness.sign(Buffer.from(text)));
    sig.writeBigUInt64BE(1_700_000_001n, 0);
    expect(witness.verifier.verify(Buffer.from(text), sig)).toBe(false);
    expect(cosignatureVerifier('witness.example/w1', witness.verifier.publicKey).verify(Buffer.from(text), sig.subarray(1))).toBe(false);
  });
});
