/**
 * C2SP signed-note: the spec's own example (verifier keys section), golang.org/x/mod/sumdb/note's
 * PeterNeumann signing vector, transparency-dev/formats' ECDSA vectors (Rekor's key and checkpoint),
 * strict parsing (every malformation named), tampering, wrong keys, several signatures on one note.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  NoteError,
  formatSignatureLine,
  openNote,
  parseNote,
  parseSignatureLines,
  signNote,
  type NoteErrorCode,
} from '../../../src/audit/tlog/note.ts';
import { ecdsaSigner, ed25519PrivateKeyFromSeed, ed25519Signer, ed25519Verifier } from '../../../src/audit/tlog/note-keys.ts';
import { formatVerifierKey, parseVerifierKey } from '../../../src/audit/tlog/verifier-key.ts';

/** c2sp.org/signed-note, "Verifier keys", Example. */
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n' +
  '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

/**
 * golang.org/x/mod/sumdb/note note_test.go, TestSign: the signer key
 * "PRIVATE+KEY+PeterNeumann+c74f20a3+" + base64(0x01 || seed), its verifier key and the signed note.
 */
const PETER_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_NOTE =
  `${PETER_TEXT}\n` + '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

/** transparency-dev/formats note/note_verifier_test.go: Rekor's ECDSA (type 0x02) key and a Rekor checkpoint. */
const REKOR_VKEY =
  'rekor.sigstore.dev+c0d23d6a+' +
  'AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=';
const REKOR_NOTE =
  'Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n' +
  '— rekor.sigstore.dev wNI9ajBEAiARInWIWyCdyG27CO6LPnPekyw20qO0YJfoaPaowGp/XgIgc+qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n';

function code(f: () => unknown): NoteErrorCode | 'no error' {
  try {
    f();
    return 'no error';
  } catch (e) {
    if (e instanceof NoteError) return e.code;
    throw e;
  }
}

const fresh = (name: string) => ed25519Signer(name, generateKeyPairSync('ed25519').privateKey);

describe('signed-note: known vectors', () => {
  it("verifies the spec's example note with the spec's verifier key", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(key.keyId).toBe(0x530d903a);
    expect(formatVerifierKey(key)).toBe(SPEC_VKEY);
    const opened = openNote(SPEC_NOTE, [key]);
    expect(opened.text).toBe('This is an example message.\n');
    expect(opened.verified.map((s) => s.name)).toEqual(['example.com/foo']);
  });

  it('signs byte for byte as golang.org/x/mod/sumdb/note (Ed25519 is deterministic)', () => {
    const signer = ed25519Signer('PeterNeumann', ed25519PrivateKeyFromSeed(PETER_SEED));
    expect(formatVerifierKey(signer.verifier)).toBe(PETER_VKEY);
    expect(signNote(PETER_TEXT, [signer])).toBe(PETER_NOTE);
    expect(openNote(PETER_NOTE, [parseVerifierKey(PETER_VKEY)]).verified).toHaveLength(1);
  });

  it("verifies Rekor's ECDSA-signed checkpoint with Rekor's verifier key", () => {
    const key = parseVerifierKey(REKOR_VKEY);
    expect(formatVerifierKey(key)).toBe(REKOR_VKEY);
    expect(openNote(REKOR_NOTE, [key]).text).toBe('Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n');
    expect(code(() => openNote(REKOR_NOTE.replace('798034', '798035'), [key]))).toBe('invalid_signature');
  });
});

describe('signed-note: strict parsing', () => {
  const bad: [string, string][] = [
    ['no blank line', 'text\n— a AAAAAAE=\n'],
    ['no signature lines', 'text\n\n'],
    ['missing final newline', SPEC_NOTE.slice(0, -1)],
    ['extra final newline', `${SPEC_NOTE}\n`],
    ['CRLF line ends', SPEC_NOTE.replaceAll('\n', '\r\n')],
    ['a tab in the text', `a\tb${SPEC_NOTE}`],
    ['a hyphen for the em dash', SPEC_NOTE.replace('—', '-')],
    ['two spaces after the dash', SPEC_NOTE.replace('— ', '—  ')],
    ['a plus in the key name', SPEC_NOTE.replace('example.com/foo ', 'example.com+foo ')],
    ['no signature after the name', 'text\n\n— example.com/foo\n'],
    ['a short signature', 'text\n\n— a AAAAAA==\n'],
    ['non-canonical base64', 'text\n\n— a AAAAAAF=\n'],
    ['unpadded base64', 'text\n\n— a AAAAAAE\n'],
    ['a lone surrogate', `\ud800${SPEC_NOTE}`],
  ];
  it.each(bad)('refuses %s', (_what, note) => {
    expect(code(() => parseNote(note))).toBe('malformed_note');
  });

  it('refuses invalid UTF-8 bytes and accepts valid ones', () => {
    expect(code(() => parseNote(Buffer.concat([Buffer.from([0xff]), Buffer.from(SPEC_NOTE)])))).toBe('malformed_note');
    expect(parseNote(Buffer.from(SPEC_NOTE)).signatures[0]?.keyId).toBe(0x530d903a);
  });

  it('keeps blank lines inside the text: the last blank line separates the signatures', () => {
    const signer = fresh('example.com/log');
    const note = signNote('a\n\nb\n', [signer]);
    expect(openNote(note, [signer.verifier]).text).toBe('a\n\nb\n');
  });

  it('refuses more than 100 signatures', () => {
    const line = formatSignatureLine({ name: 'x', keyId: 1, signature: new Uint8Array(64) });
    expect(code(() => parseNote(`t\n\n${line.repeat(101)}`))).toBe('malformed_note');
    expect(parseNote(`t\n\n${line.repeat(100)}`).signatures).toHaveLength(100);
  });
});

describe('signed-note: verification', () => {
  const log = fresh('example.com/log');
  const text = 'example.com/log\n3\nqwCp0P9W0ZrJpZ8z7ZDu3Ymqrq4pYk1vqJgS3xw5jQk=\n';
  const note = signNote(text, [log]);

  it('refuses tampered text and a tampered signature', () => {
    expect(code(() => openNote(note.replace('\n3\n', '\n4\n'), [log.verifier]))).toBe('invalid_signature');
    const sig = parseNote(note).signatures[0];
    if (sig === undefined) throw new Error('no signature');
    const broken = { ...sig, signature: Buffer.from(sig.signature).map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(code(() => openNote(`${text}\n${formatSignatureLine(broken)}`, [log.verifier]))).toBe('invalid_signature');
  });

  it('refuses a note signed by another key, even under the same name', () => {
    const impostor = fresh('example.com/log');
    expect(code(() => openNote(signNote(text, [impostor]), [log.verifier]))).toBe('unverified_note');
    expect(code(() => openNote(note, [fresh('example.com/other').verifier]))).toBe('unverified_note');
  });

  it('ignores unknown signatures, drops duplicates and keeps several signatures on one note', () => {
    const witness = fresh('witness.example/w1');
    const stranger = fresh('stranger.example');
    const both = signNote(text, [witness, stranger], parseNote(note).signatures);
    const doubled = both + formatSignatureLine(parseNote(note).signatures[0] as never);
    const opened = openNote(doubled, [log.verifier, witness.verifier]);
    expect(opened.verified.map((s) => s.name)).toEqual(['example.com/log', 'witness.example/w1']);
    expect(opened.unverified.map((s) => s.name)).toEqual(['stranger.example']);
  });

  it('replaces an older signature of the same key when signing again', () => {
    const again = signNote(text, [log], parseNote(note).signatures);
    expect(parseNote(again).signatures).toHaveLength(1);
    expect(parseSignatureLines(formatSignatureLine(parseNote(again).signatures[0] as never))).toHaveLength(1);
  });

  it('signs and verifies with ECDSA P-256 keys', () => {
    const ec = ecdsaSigner('example.com/ec-log', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const signed = signNote(text, [ec]);
    expect(openNote(signed, [parseVerifierKey(formatVerifierKey(ec.verifier))]).verified).toHaveLength(1);
  });

  it('refuses to sign malformed text', () => {
    expect(code(() => signNote('no newline', [log]))).toBe('malformed_note');
    expect(code(() => signNote('a\rb\n', [log]))).toBe('malformed_note');
    expect(code(() => signNote('a\n', []))).toBe('malformed_note');
  });
});

describe('signed-note: verifier keys', () => {
  const bad = [
    ['two parts', 'example.com/foo+530d903a'],
    ['a trailing plus', `${SPEC_VKEY}+`],
    ['a short key ID', SPEC_VKEY.replace('530d903a', '530d903')],
    ['a wrong key ID', SPEC_VKEY.replace('530d903a', '530d903b')],
    ['another name', SPEC_VKEY.replace('example.com/foo', 'example.com/bar')],
    ['an unknown type', 'a+00000000+BekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'],
    ['a short Ed25519 key', 'a+00000000+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U0='],
    ['bad base64', 'example.com/foo+530d903a+not base64!'],
    ['an empty name', '+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'],
  ];
  it.each(bad)('refuses %s', (_what, vkey) => {
    expect(code(() => parseVerifierKey(vkey as string))).toBe('malformed_key');
  });

  it('round-trips generated keys of every type', () => {
    const ed = fresh('example.com/a');
    expect(parseVerifierKey(formatVerifierKey(ed.verifier)).keyId).toBe(ed.keyId);
    expect(ed25519Verifier('example.com/a', ed.verifier.publicKey).keyId).toBe(ed.keyId);
  });
});
