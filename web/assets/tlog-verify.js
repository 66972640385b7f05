// Portti: checks "Who used my data" in the citizen's own browser, with no library and no server
// round trip. Each entry carries the record exactly as the gateway logged it (data-leaf) and its
// RFC 9162 inclusion proof (data-proof) in a checkpoint (C2SP tlog-checkpoint) that the gateway
// signed (ECDSA P-256) and this operator cosigned as a witness (cosignature/v1, Ed25519). This
// script recomputes the Merkle root from the record and the proof, checks both signatures with
// the published keys (shown on the page), and marks each entry. Without JavaScript the page says
// what the operator's server found.
const enc = new TextEncoder();

const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

/** RFC 9162 section 2.1.3.2: the root an inclusion proof leads to, compared with `root`. */
async function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = await leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = await nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** A verifier key `<name>+<hex id>+<base64(type || key)>` (C2SP signed-note). */
function parseKey(vkey) {
  const [name, id, ...rest] = vkey.trim().split('+');
  const raw = b64(rest.join('+'));
  return { name, id: parseInt(id, 16), type: raw[0], key: raw.slice(1) };
}

/** A DER ECDSA signature as the fixed-size r || s WebCrypto verifies. */
function derToP1363(der, size = 32) {
  let at = 2 + (der[1] & 0x80 ? der[1] & 0x7f : 0);
  const int = () => {
    const len = der[at + 1];
    const bytes = der.slice(at + 2, at + 2 + len);
    at += 2 + len;
    const trimmed = bytes[0] === 0 ? bytes.slice(1) : bytes;
    return concat(new Uint8Array(size - trimmed.length), trimmed);
  };
  return concat(int(), int());
}

async function verifySignature(k, text, sig) {
  if (k.type === 0x02) {
    const key = await crypto.subtle.importKey('spki', k.key, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, derToP1363(sig), text);
  }
  if (k.type === 0x04 && sig.length === 72) {
    const key = await crypto.subtle.importKey('raw', k.key, { name: 'Ed25519' }, false, ['verify']);
    const time = new DataView(sig.buffer, sig.byteOffset, 8).getBigUint64(0);
    const message = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), text);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, sig.slice(8), message);
  }
  return false;
}

/** The root of a checkpoint note signed by one of `logKeys` and cosigned by `witness`, or null. */
async function openCheckpoint(note, logKeys, witness) {
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  let logOk = false;
  let witnessOk = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const raw = b64(m[2]);
    const id = new DataView(raw.buffer).getUint32(0);
    for (const k of [...logKeys, witness]) {
      if (k.name !== m[1] || k.id !== id || !(await verifySignature(k, enc.encode(text), raw.slice(4)))) continue;
      if (k === witness) witnessOk = true;
      else logOk = true;
    }
  }
  return logOk && witnessOk ? { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) } : null;
}

async function checkPage(table) {
  // `table` is the list of entries (#access-log); each entry with a proof is checked
  const data = JSON.parse(table.dataset.tlog);
  const witness = parseKey(data.witness_key);
  const opened = new Map();
  const checkpoint = (origin, size) => {
    const id = `${origin} ${size}`;
    if (!opened.has(id)) {
      const note = data.checkpoints[id];
      const keys = (data.log_keys[origin] || []).map(parseKey);
      opened.set(id, note ? openCheckpoint(note, keys, witness) : Promise.resolve(null));
    }
    return opened.get(id);
  };
  let ok = 0;
  let failed = 0;
  for (const row of table.querySelectorAll('[data-proof]')) {
    const proof = JSON.parse(row.dataset.proof);
    const cp = await checkpoint(proof.origin, proof.size);
    const good =
      cp !== null &&
      cp.origin === proof.origin &&
      cp.size === proof.size &&
      (await verifyInclusion(proof.index, proof.size, enc.encode(row.dataset.leaf), proof.hashes.map(b64), cp.root));
    const cell = row.querySelector('.proof');
    cell.textContent = good ? table.dataset.msgOk : table.dataset.msgFail;
    cell.className = good ? 'proof proof-ok' : 'proof proof-fail';
    if (good) ok += 1;
    else failed += 1;
  }
  const status = document.getElementById('tlog-status');
  // nothing the browser could check (no proofs yet, or only uses that came with a move, which the
  // server checked against the old operator's evidence): the server's statement stands
  if (status && ok + failed > 0) {
    status.textContent = (failed === 0 ? table.dataset.msgAllOk : table.dataset.msgSomeFail)
      .replace('{ok}', ok)
      .replace('{failed}', failed);
    status.dataset.checked = failed === 0 ? 'ok' : 'failed';
  }
}

const table = document.getElementById('access-log');
if (table && table.dataset.tlog && window.crypto && crypto.subtle) {
  checkPage(table).catch(() => {
    const status = document.getElementById('tlog-status');
    if (status) status.textContent = table.dataset.msgError;
  });
}
