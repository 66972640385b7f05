/**
 * The demo's mail sink: a local SMTP server (the `smtp-server` package) that accepts every
 * mail the operators send and keeps the newest in memory, read back as plain text (the
 * headers unfolded and their encoded words decoded, the body's transfer encoding undone).
 * Tests receive notification mails with it too. Nothing leaves the machine.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One received mail. */
export interface ReceivedMail {
  id: number;
  received_at: string;
  /** The envelope's sender and recipients (what the SMTP client said, not the headers). */
  envelope_from: string;
  envelope_to: string[];
  headers: Array<[string, string]>;
  subject: string;
  text: string;
  raw: string;
}

/** A running sink. */
export interface MailSink {
  port: number;
  mails: ReceivedMail[];
  /** Resolves with the first mail (received already or later) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const KEEP = 200;

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`); whitespace between two of them goes. */
export function decodeWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  return joined.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qpBytes(text.replace(/_/g, ' ')).toString('utf8'),
  );
}

/** The bytes of quoted-printable text (soft line breaks removed). */
function qpBytes(text: string): Buffer {
  const bytes: number[] = [];
  const s = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i += 1) {
    const hex = s[i] === '=' ? s.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes);
}

/** Splits a single-part message into decoded headers and text. */
export function parseMail(raw: string): Pick<ReceivedMail, 'headers' | 'subject' | 'text'> {
  const cut = raw.search(/\r?\n\r?\n/);
  const head = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut).replace(/^\r?\n\r?\n/, '');
  const headers = head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .filter((l) => l.includes(':'))
    .map((l): [string, string] => [l.slice(0, l.indexOf(':')).trim(), decodeWords(l.slice(l.indexOf(':') + 1).trim())]);
  const header = (name: string) => headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? '';
  const encoding = header('content-transfer-encoding').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? qpBytes(body).toString('utf8')
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { headers, subject: header('subject'), text: text.replace(/\r\n/g, '\n') };
}

/** Starts a sink on `host:port` (port 0: any free port). */
export async function startMailSink(host = '127.0.0.1', port = 0): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let next = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = session.envelope;
        mails.push({
          id: next++,
          received_at: new Date().toISOString(),
          envelope_from: envelope.mailFrom ? envelope.mailFrom.address : '',
          envelope_to: envelope.rcptTo.map((r) => r.address),
          ...parseMail(raw),
          raw,
        });
        if (mails.length > KEEP) mails.shift();
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = mails.find(match);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => (done(), reject(new Error('no such mail arrived'))), timeoutMs);
        const done = () => (clearTimeout(timer), waiters.delete(check));
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
