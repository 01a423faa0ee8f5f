import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AccountMessage, MfaCodeMessage } from '../../lib/index.js';
import { DemoOutbox } from '../../sample-app/src/demo-outbox.js';
import { startSampleApp, type SampleApp } from '../fixtures/sample-app.js';

const EMAIL_USER = { username: 'email.user', password: 'emailpass123', email: 'email@example.com' };

function message(to: string, code: string): MfaCodeMessage {
  return {
    channel: to.startsWith('+') ? 'sms' : 'email',
    to,
    code,
    subject: 'Your code',
    text: `Your code is ${code}.`,
    expiresInSeconds: 600,
    user: { id: 'u1', username: 'someone' },
  };
}

describe('DemoOutbox (the demo e-mail and SMS senders)', () => {
  it('keeps e-mails and SMS, lists them newest first as { to, subject, text, code }', async () => {
    const outbox = new DemoOutbox({ logger: { log: () => undefined } });
    await outbox.send(message('a@example.com', '111111'));
    await outbox.send(message('+15550001111', '222222'));
    await outbox.send(message('b@example.com', '333333'));
    expect(outbox.list().map((m) => m.code)).toEqual(['333333', '222222', '111111']);
    expect(outbox.list('+15550001111')).toEqual([
      { to: '+15550001111', subject: 'Your code', text: 'Your code is 222222.', code: '222222' },
    ]);
  });

  it('matches the address case-insensitively and ignores surrounding blanks', async () => {
    const outbox = new DemoOutbox({ logger: { log: () => undefined } });
    await outbox.send(message('Email@Example.com', '123456'));
    expect(outbox.list(' email@EXAMPLE.com ').map((m) => m.code)).toEqual(['123456']);
    expect(outbox.list('other@example.com')).toEqual([]);
  });

  it('is bounded: keeps the last 100 messages by default', async () => {
    const outbox = new DemoOutbox({ logger: { log: () => undefined } });
    for (let i = 0; i < 130; i++) await outbox.send(message('a@example.com', String(i).padStart(6, '0')));
    const kept = outbox.list();
    expect(kept).toHaveLength(100);
    expect(kept[0].code).toBe('000129');
    expect(kept.at(-1)?.code).toBe('000030');
  });

  it('hands out copies: changing a listed message does not change the outbox', async () => {
    const outbox = new DemoOutbox({ capacity: 2, logger: { log: () => undefined } });
    await outbox.send(message('a@example.com', '123456'));
    outbox.list()[0].code = 'changed';
    expect(outbox.list()[0].code).toBe('123456');
  });

  it('never logs a code', async () => {
    const lines: string[] = [];
    const outbox = new DemoOutbox({ readAt: '/dev/outbox', logger: { log: (line: unknown) => void lines.push(String(line)) } });
    await outbox.send(message('a@example.com', '987654'));
    await outbox.send(message('+15550001111', '876543'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('/dev/outbox?to=a%40example.com');
    expect(lines.join('\n')).not.toMatch(/987654|876543/);
  });

  it("keeps account e-mails too, with their token or code ('' for a notice), and logs what they are, never the token or link", async () => {
    const lines: string[] = [];
    const outbox = new DemoOutbox({ readAt: '/dev/outbox', logger: { log: (line: unknown) => void lines.push(String(line)) } });
    const account = (purpose: AccountMessage['purpose'], code: string): AccountMessage => ({
      purpose,
      channel: 'email',
      to: 'a@example.com',
      subject: `Subject of ${purpose}`,
      text: code === '' ? 'A notice.' : `Open https://demo.example.com/?x=${code}`,
      code,
      link: code === '' ? '' : `https://demo.example.com/?x=${code}`,
      expiresInSeconds: code === '' ? 0 : 1800,
      user: { id: 'u1', username: 'someone' },
    });
    await outbox.send(account('password-reset', 'reset-token-abcdef'));
    await outbox.send(account('email-verification', 'verify-token-abcdef'));
    await outbox.send(account('email-change-notice', ''));
    await outbox.send(account('login-code', '12345678'));
    expect(outbox.list('a@example.com')).toEqual([
      { to: 'a@example.com', subject: 'Subject of login-code', text: 'Open https://demo.example.com/?x=12345678', code: '12345678' },
      { to: 'a@example.com', subject: 'Subject of email-change-notice', text: 'A notice.', code: '' },
      {
        to: 'a@example.com',
        subject: 'Subject of email-verification',
        text: 'Open https://demo.example.com/?x=verify-token-abcdef',
        code: 'verify-token-abcdef',
      },
      {
        to: 'a@example.com',
        subject: 'Subject of password-reset',
        text: 'Open https://demo.example.com/?x=reset-token-abcdef',
        code: 'reset-token-abcdef',
      },
    ]);
    expect(lines.map((line) => line.replace(/ for .*/, ''))).toEqual([
      'Kept a password reset e-mail',
      'Kept a verification e-mail',
      'Kept an e-mail notice',
      'Kept a sign-in code e-mail',
    ]);
    expect(lines.join('\n')).not.toMatch(/token-abcdef|12345678|https:/);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new DemoOutbox({ capacity: 0 })).toThrow(/capacity/);
  });
});

describe('GET /dev/outbox (sample app, development)', () => {
  let sample: SampleApp;

  beforeAll(async () => {
    sample = await startSampleApp();
  });

  afterAll(async () => {
    await sample?.close();
  });

  it('is public and lists the code e-mailed at the login of email.user, not cached', async () => {
    const login = await sample.http.post('/auth/login').send({ username: EMAIL_USER.username, password: EMAIL_USER.password });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ isRequiresMfa: true, mfaMethods: ['email'], defaultMfaMethod: 'email' });

    const res = await sample.http.get('/dev/outbox').query({ to: EMAIL_USER.email });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual([
      {
        to: EMAIL_USER.email,
        subject: 'Your nest-gatekeeper demo verification code',
        text: expect.stringContaining(sample.outbox.list()[0].code),
        code: expect.stringMatching(/^\d{6}$/),
      },
    ]);
  });

  it('lists the newest first; another address gets only its own; without `to`, every message', async () => {
    const first = await sample.http.post('/auth/login').send({ username: EMAIL_USER.username, password: EMAIL_USER.password });
    const resend = await sample.http.post('/auth/mfa/send').send({ mfaToken: first.body.mfaToken, method: 'email' });
    expect(resend.status).toBe(200);
    const newest = sample.outbox.list(EMAIL_USER.email)[0];

    const mine = await sample.http.get('/dev/outbox?to=EMAIL%40example.com');
    expect(mine.status).toBe(200);
    expect(mine.body).toHaveLength(3);
    expect(mine.body[0]).toEqual(newest);

    expect((await sample.http.get('/dev/outbox?to=nobody%40example.com')).body).toEqual([]);
    expect((await sample.http.get('/dev/outbox')).body).toEqual(sample.outbox.list());
  });

  it('answers an empty or repeated `to` with a 400 problem', async () => {
    for (const query of ['to=', 'to=a%40example.com&to=b%40example.com']) {
      const res = await sample.http.get(`/dev/outbox?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors: [{ field: 'to' }] });
    }
  });

  it('is documented in Swagger', async () => {
    const res = await sample.http.get('/docs-json');
    expect(Object.keys(res.body.paths as object)).toContain('/dev/outbox');
  });
});

describe('GET /dev/outbox (sample app, NODE_ENV=production)', () => {
  let sample: SampleApp;

  beforeAll(async () => {
    // The demo users and Swagger are opt-in in production.
    sample = await startSampleApp({ NODE_ENV: 'production', SEED_DEMO_USERS: 'on', SWAGGER: 'on' });
  });

  afterAll(async () => {
    await sample?.close();
  });

  it('does not exist: 404 problem, also with a code waiting in the outbox', async () => {
    const login = await sample.http.post('/auth/login').send({ username: EMAIL_USER.username, password: EMAIL_USER.password });
    expect(login.body).toMatchObject({ isRequiresMfa: true, defaultMfaMethod: 'email' });
    expect(sample.outbox.list(EMAIL_USER.email)).toHaveLength(1);

    for (const path of ['/dev/outbox', `/dev/outbox?to=${encodeURIComponent(EMAIL_USER.email)}`]) {
      const res = await sample.http.get(path);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(res.body)).not.toContain(sample.outbox.list()[0].code);
    }
  });

  it('is not in Swagger', async () => {
    const res = await sample.http.get('/docs-json');
    expect(Object.keys(res.body.paths as object)).not.toContain('/dev/outbox');
  });
});
