/**
 * Notifications, received by a real SMTP server on an ephemeral port (the demo's mail sink):
 * a citizen adds and confirms an address and ticks kinds; a new request and a consent
 * ending within 14 days (time moved by passing `now`) each arrive once, in the citizen's
 * language, without personal data, with a link to the dashboard, and show on the
 * dashboard; a mail queued while the SMTP server is down arrives once it is back; an
 * address or a service name with a line break cannot add a header.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenGet, signIn, type Citizen } from '../../src/demo/citizen-client.ts';
import { createMailSinkApp } from '../../src/demo/mail-sink/mail-sink.page.ts';
import { startMailSink, type MailSink, type ReceivedMail } from '../../src/demo/mail-sink/mail-sink.ts';
import { smtpTransport } from '../../src/operator/notifications/mail-sender.ts';
import { ConfigError } from '../../src/shared/config-loader.ts';
import type { SmtpConfig } from '../../src/shared/config.schema.ts';
import { loadPorttiConfig } from '../../src/shared/config.ts';
import { localDay } from '../../src/web/local-time.ts';
import type { StoreLocation } from '../../src/store/database.ts';
import { dialectCases, dropLocation, tempDir } from '../helpers/stores.ts';
import {
  callApi,
  createTestService,
  PEOPLE,
  PURPOSE,
  readSource,
  serviceDefinition,
  sourceToken,
  startWorld,
  type TestService,
  type World,
} from '../helpers/world.ts';

const DAY = 24 * 3600 * 1000;

describe.each(dialectCases())('notifications by e-mail and on the dashboard ($name)', (dialect) => {
  let sink: MailSink;
  let world: World;
  let service: TestService;
  let issuer: string;
  let aino: Citizen;
  let ainoId: string;
  let operatorStore: StoreLocation | undefined;
  let activeRecord: string;

  const put = (who: Citizen, body: unknown, lang = 'en') =>
    who.browser.request(`${who.issuer}/citizen/api/notifications/settings?lang=${lang}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': who.csrf },
      body: JSON.stringify(body),
    });
  const file = async (codes: string[], mode = 'data_subject_activates', extra: object = {}, client = service) => {
    const res = await callApi(client, issuer, 'POST', '/api/consent-requests', {
      subjects: codes.map((identifier) => ({ identifier_type: 'fi_hetu', identifier })),
      activation_mode: mode,
      purpose: PURPOSE,
      ...extra,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { record_id: string }).record_id;
  };
  const to = (address: string, subject: string) => (m: ReceivedMail) => m.envelope_to.includes(address) && m.subject === subject;

  beforeAll(async () => {
    sink = await startMailSink();
    const smtp = {
      ...{ host: '127.0.0.1', port: sink.port, secure: false, require_tls: false },
      ...{ from: { address: 'notifications@operator-a.example', name: 'Operator A' }, max_attempts: 6, retry_base_ms: 100 },
    };
    const dir = tempDir();
    const location = (name: string) =>
      name === 'operator-a' ? (operatorStore = dialect.location()) : { kind: 'sqlite' as const, path: join(dir, `${name}.db`) };
    world = await startWorld({ operatorConfig: { smtp }, location });
    issuer = world.issuers.a;
    service = await createTestService('fees');
    await world.operators.a.registry.putService(serviceDefinition(service));
    aino = await signIn(issuer, 'demo', 'aino');
    ainoId = (await citizenGet<{ account_id: string }>(aino, '/citizen/api/me')).account_id;
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await sink?.close();
    if (operatorStore) await dropLocation(operatorStore);
  });

  it('mails nothing before the address is confirmed, then confirms it by the mailed link', async () => {
    const res = await put(aino, { email: 'aino@example.fi', kinds: ['request', 'expiring'] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ email: 'aino@example.fi', confirmed: false, kinds: ['request', 'expiring'] });
    const mail = await sink.waitFor(to('aino@example.fi', 'Confirm your e-mail address'));
    const link = /(http:\/\/\S+\/dashboard\/notifications\/confirm\?token=[\w-]+&lang=en)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();
    const token = new URL(link!).searchParams.get('token')!;
    // opening the link (a mail scanner may) confirms nothing; the button does
    const page = await fetch(link!);
    expect(await page.text()).toContain('Confirm the address');
    expect((await citizenGet<{ settings: { confirmed: boolean } }>(aino, '/citizen/api/notifications')).settings.confirmed).toBe(false);
    const confirmed = await fetch(`${issuer}/dashboard/notifications/confirm?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('your address is confirmed');
    expect((await citizenGet<{ settings: { confirmed: boolean } }>(aino, '/citizen/api/notifications')).settings.confirmed).toBe(true);
    const again = await fetch(`${issuer}/dashboard/notifications/confirm`, { method: 'POST', body: new URLSearchParams({ token }) });
    expect(again.status).toBe(400);
  });

  it('a new request arrives once by mail, in her language, without personal data, and on the dashboard', async () => {
    const recordId = await file([PEOPLE.aino.personal_identity_code]);
    const mail = await sink.waitFor(to('aino@example.fi', 'New consent request: Customer Fee Unit'));
    expect(mail.text).toContain('Customer Fee Unit asks for your consent to use your data.');
    expect(mail.text).toContain(`${issuer}/dashboard/requests?lang=en`);
    expect(mail.text).toContain(`${issuer}/dashboard/notifications?lang=en`);
    for (const secret of [PEOPLE.aino.personal_identity_code, PEOPLE.aino.family_name, PEOPLE.aino.given_name, recordId]) {
      expect(mail.raw).not.toContain(secret);
    }
    expect(mail.headers).toContainEqual(['Auto-Submitted', 'auto-generated']);
    expect(mail.headers.find(([n]) => n === 'From')?.[1]).toBe('Operator A <notifications@operator-a.example>');

    const overview = await (await aino.browser.get(`${issuer}/dashboard?lang=en`)).text();
    expect(overview).toContain('1 new notification');
    const page = await (await aino.browser.get(`${issuer}/dashboard/notifications?lang=en`)).text();
    expect(page).toContain('New consent request: Customer Fee Unit');
    expect(page).toMatch(/<strong class="badge">new<\/strong>/);
    expect(await (await aino.browser.get(`${issuer}/dashboard?lang=en`)).text()).toContain('No new notifications');
    // the same event once more (the trigger runs again) mails nothing new
    await world.operators.a.notifications.notifications.requestFiled(await world.operators.a.consents.get(recordId));
    await world.operators.a.notifications.sender!.runOnce();
    expect(sink.mails.filter(to('aino@example.fi', 'New consent request: Customer Fee Unit'))).toHaveLength(1);
  });

  it('a consent ending in 14 days arrives once, with its end date', async () => {
    const recordId = await file([PEOPLE.aino.personal_identity_code], 'data_subject_activates', { validity_duration: 'P1Y' });
    const res = await aino.browser.request(`${issuer}/citizen/api/consents/${encodeURIComponent(recordId)}/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': aino.csrf },
      body: JSON.stringify({ approve: true }),
    });
    expect(res.status).toBe(200);
    activeRecord = recordId;
    const { expires_at } = await world.operators.a.consents.get(recordId);
    const jobs = world.operators.a.notifications.jobs;
    await jobs.ending(expires_at! - 20 * DAY); // not yet
    await jobs.ending(expires_at! - 13 * DAY);
    await jobs.ending(expires_at! - 12 * DAY); // the same end date: told once
    const mail = await sink.waitFor(to('aino@example.fi', 'A consent ends soon: Customer Fee Unit'));
    const day = localDay(new Date(expires_at!).toISOString(), 'en');
    expect(mail.text).toContain(`Your consent to Customer Fee Unit ends on ${day}`);
    expect(mail.text).toContain(`${issuer}/dashboard/consents?lang=en`);
    await world.operators.a.notifications.sender!.runOnce();
    expect(sink.mails.filter(to('aino@example.fi', 'A consent ends soon: Customer Fee Unit'))).toHaveLength(1);
    const list = await citizenGet<{ notifications: Array<{ kind: string }> }>(aino, '/citizen/api/notifications');
    expect(list.notifications.map((n) => n.kind)).toEqual(['expiring', 'request', 'request']);
  });

  it('the opt-in digest counts a day of reads, once', async () => {
    const saved = await put(aino, { email: 'aino@example.fi', kinds: ['request', 'expiring', 'reads_digest'] });
    expect(await saved.json()).toMatchObject({ confirmed: true }); // the same address stays confirmed
    const token = await sourceToken(service, issuer, world.resource, activeRecord, ['annual_income']);
    expect((await readSource(service, `${world.resource}/income`, token)).status).toBe(200);
    const uses = () => world.operators.a.citizens.accessLog(ainoId, { outcome: 'allowed' });
    await expect.poll(async () => (await uses()).length, { timeout: 10_000 }).toBe(1);
    const tomorrow = Date.now() + DAY;
    await world.operators.a.notifications.jobs.digest(tomorrow);
    await world.operators.a.notifications.jobs.digest(tomorrow + 3600_000); // the same day: once
    const day = localDay(new Date().toISOString(), 'en');
    const mail = await sink.waitFor(to('aino@example.fi', `Uses of your data on ${day}`));
    expect(mail.text).toContain('Services used your data once.');
    expect(mail.text).toContain(`${issuer}/dashboard/access?lang=en`);
    await world.operators.a.notifications.sender!.runOnce();
    expect(sink.mails.filter(to('aino@example.fi', `Uses of your data on ${day}`))).toHaveLength(1);
  });

  it('a mail queued while the SMTP server is down is retried with back-off and arrives once it is back', async () => {
    const port = sink.port;
    await sink.close();
    await file([PEOPLE.aino.personal_identity_code]);
    const failing = async () => (await world.operators.a.notifications.mailsOf(ainoId)).find((m) => m.status === 'pending');
    await expect.poll(async () => (await failing())?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect((await failing())?.last_error).toMatch(/ECONNREFUSED|connect/i);
    const down = sink.mails.length;
    sink = await startMailSink('127.0.0.1', port);
    const mail = await sink.waitFor(to('aino@example.fi', 'New consent request: Customer Fee Unit'), 15_000);
    expect(mail.text).toContain('Customer Fee Unit asks');
    await expect.poll(async () => (await world.operators.a.notifications.mailsOf(ainoId)).every((m) => m.status === 'sent')).toBe(true);
    expect(down).toBeGreaterThan(0);
  }, 30_000);

  it('another participant decided: the one it waits for sees it on the dashboard (in Finnish, no mail without an address)', async () => {
    const mikko = await signIn(issuer, 'demo', 'mikko');
    const codes = [PEOPLE.aino.personal_identity_code, PEOPLE.mikko.personal_identity_code];
    const recordId = await file(codes, 'all_activators_activate');
    const record = await world.operators.a.consents.get(recordId);
    const ainoParty = record.parties.find((p) => p.identifier === PEOPLE.aino.personal_identity_code)!;
    await world.operators.a.consents.decide(recordId, ainoParty.party_id, `account:${ainoId}`, { approve: true });
    await expect
      .poll(async () => (await citizenGet<{ notifications: Array<{ kind: string }> }>(mikko, '/citizen/api/notifications')).notifications)
      .toHaveLength(2);
    const page = await (await mikko.browser.get(`${issuer}/dashboard/notifications?lang=fi`)).text();
    expect(page).toContain('Pyyntö odottaa päätöstäsi: Asiakasmaksuyksikkö');
    expect(page).toContain('Uusi lupapyyntö: Asiakasmaksuyksikkö');
    expect(page).toContain('Sähköposti-ilmoitukset');
    expect(page).not.toMatch(/type="checkbox"[^>]*checked/);
  });

  it('refuses an address with a line break (header injection), on the API and on the form', async () => {
    for (const email of ['aino@example.fi\r\nBcc: evil@attacker.example', 'aino@example.fi\nBcc:evil@attacker.example', 'Aino <a@b.fi>']) {
      const res = await put(aino, { email, kinds: ['request'] });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('validation_failed');
    }
    const form = await aino.browser.request(`${issuer}/dashboard/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ email: 'aino@example.fi\r\nBcc: evil@attacker.example', kinds: 'request', _csrf: aino.csrf }).toString(),
    });
    expect(form.status).toBe(400);
    expect(form.headers.get('content-type')).toContain('text/html');
    expect((await citizenGet<{ settings: { email: string } }>(aino, '/citizen/api/notifications')).settings.email).toBe('aino@example.fi');
  });

  it('a service name with a line break cannot add a header: the subject is one line and nobody else gets the mail', async () => {
    const hostile = await createTestService('hostile');
    const definition = serviceDefinition(hostile);
    definition.name = { fi: 'Maksut\r\nBcc: evil@attacker.example', sv: 'Avgifter', en: 'Fees\r\nBcc: evil@attacker.example' };
    await world.operators.a.registry.putService(definition);
    await file([PEOPLE.aino.personal_identity_code], 'data_subject_activates', {}, hostile);
    const mail = await sink.waitFor((m) => m.envelope_to.includes('aino@example.fi') && m.subject.startsWith('New consent request: Fees'));
    expect(mail.subject).toBe('New consent request: Fees Bcc: evil@attacker.example');
    expect(mail.envelope_to).toEqual(['aino@example.fi']);
    expect(mail.headers.map(([n]) => n.toLowerCase())).not.toContain('bcc');
    expect(sink.mails.some((m) => m.envelope_to.includes('evil@attacker.example'))).toBe(false);
  });

  it('the demo inbox shows the received mail as HTML pages', async () => {
    const inbox = createMailSinkApp(sink);
    const list = await inbox.inject('/');
    expect(list.headers['content-type']).toContain('text/html');
    expect(list.body).toContain('New consent request: Customer Fee Unit');
    const id = sink.mails.find(to('aino@example.fi', 'New consent request: Customer Fee Unit'))!.id;
    const one = await inbox.inject(`/mail/${id}`);
    expect(one.body).toContain(`<a href="${issuer}/dashboard/requests?lang=en">`);
    expect(one.body).not.toContain('<script');
    for (const path of ['/mail/999999', '/mail/x', '/nowhere']) {
      const missing = await inbox.inject(path);
      expect([missing.statusCode, missing.headers['content-type']]).toEqual([404, 'text/html; charset=utf-8']);
    }
    await inbox.close();
  });
});

describe('the smtp block', () => {
  const operator = (smtp: string) => `operators:
  - name: op
    listen: { port: 8090 }
    issuer: https://op.example
    display_name: { fi: Operaattori, sv: Operatör, en: Operator }
    admin_token: admin-token-0123456789
    cookie_secret: 0123456789abcdef0123456789abcdef
    smtp:
${smtp}`;
  const load = (text: string) => {
    const path = join(tempDir(), 'portti.yaml');
    writeFileSync(path, text);
    return { path, load: () => loadPorttiConfig(path, {}) };
  };

  it('the transport itself refuses a header value with a line break, before connecting', async () => {
    const send = smtpTransport({
      host: '127.0.0.1',
      port: 9,
      secure: false,
      require_tls: false,
      from: { address: 'a@b.example' },
    } as SmtpConfig);
    const mail = { from: { name: 'Operator', address: 'a@b.example' }, to: 'c@d.example', subject: 'Hello', text: 'text' };
    await expect(send({ ...mail, to: 'c@d.example\r\nBcc: e@f.example' })).rejects.toThrow(/to holds a control character/);
    await expect(send({ ...mail, subject: 'Hi\nBcc: e@f.example' })).rejects.toThrow(/subject holds a control character/);
    await expect(send({ ...mail, from: { name: 'A\r\nBcc: e@f.example', address: 'a@b.example' } })).rejects.toThrow(/from/);
  });

  it('applies defaults', () => {
    const cfg = load(operator('      host: mail.example\n      from: { address: notices@op.example }\n')).load();
    expect(cfg.operators[0]!.smtp).toEqual({
      host: 'mail.example',
      port: 587,
      secure: false,
      require_tls: false,
      from: { address: 'notices@op.example' },
      max_attempts: 12,
      retry_base_ms: 30000,
    });
  });

  it('a sender with a line break or a bad address names the file, the line and the field', () => {
    const { path, load: run } = load(operator('      host: mail.example\n      from: { address: "a@b.example\\r\\nBcc: c@d.example" }\n'));
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toContainEqual(expect.objectContaining({ path: 'operators[0].smtp.from.address', line: 10 }));
    expect((err as ConfigError).message).toContain(path);
    const named = load(operator('      host: mail.example\n      from: { address: a@b.example, name: "A\\nBcc: x" }\n'));
    expect(() => named.load()).toThrow(/operators\[0\]\.smtp\.from\.name/);
  });
});
