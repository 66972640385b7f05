/**
 * The `smtp` block of an operator's configuration: the SMTP server citizens' notifications are
 * mailed through (nodemailer), the sender, and the outbox's retries; and the e-mail address
 * and one-line text types a mail header may carry.
 */
import { Type, type Static } from 'typebox';
import { strict, Url } from '../common.schema.ts';

/** An e-mail address a header may carry: ASCII dot-atoms (RFC 5321), no spaces, quotes or line breaks. */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?" +
  '(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$';
/** An e-mail address (see {@link EMAIL_PATTERN}). */
export const EmailAddress = Type.String({ maxLength: 254, pattern: EMAIL_PATTERN, description: 'e-mail address' });
/** One line of at most `max` characters: no line break or other control character. */
const OneLine = (max: number) => Type.String({ maxLength: max, pattern: '^[^\\x00-\\x1f\\x7f]*$', description: 'one line of text' });

/** The SMTP server an operator mails citizens' notifications through, and how. */
export const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, pattern: '^[^\\s/]+$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: Type.Boolean({ default: false }),
    /** Refuse to send unless the server upgrades the connection with STARTTLS. */
    require_tls: Type.Boolean({ default: false }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    from: Type.Object({ address: EmailAddress, name: Type.Optional(OneLine(100)) }, strict),
    /** Where the links in mails point (default: the issuer). */
    dashboard_url: Type.Optional(Url),
    max_attempts: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
    /** Wait after the first failed attempt; doubled after each further one (at most an hour). */
    retry_base_ms: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 30_000 }),
  },
  strict,
);

export type SmtpConfig = Static<typeof SmtpSchema>;
