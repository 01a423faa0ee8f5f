import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { oauthProviders } from '../../lib/index.js';
import { cookieHeader, setCookies } from '../fixtures/cookie-jar.js';
import { createTestApp, type TestApp } from '../fixtures/create-test-app.js';
import { startTestGitHub, type GitHubUser, type TestGitHub } from '../fixtures/github-server.js';

const BASE = 'http://localhost:3000';
const STATE_COOKIE = 'gk_oauth_github';

function problem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
}

const octocat: GitHubUser = {
  id: 583231,
  login: 'octocat',
  name: 'The Octocat',
  emails: [
    { email: 'octo@secondary.example', primary: false, verified: true },
    { email: 'Octocat@GitHub.example', primary: true, verified: true },
  ],
};

describe('social sign-in with a GitHub-style OAuth 2.0 provider (a local server speaking its protocol)', () => {
  let github: TestGitHub;
  let t: TestApp;

  beforeAll(async () => {
    github = await startTestGitHub('gh-client', 'gh-secret');
  });
  afterAll(() => github.close());
  afterEach(async () => {
    github.apiDown = false;
    await t.close();
  });

  const start = async () => {
    t = await createTestApp({
      options: {
        oauth: {
          baseUrl: BASE,
          providers: {
            github: oauthProviders.github({ clientId: 'gh-client', clientSecret: 'gh-secret', webUrl: github.url, apiUrl: github.url }),
          },
        },
      },
    });
  };

  /** The whole browser flow as `user`; resolves the callback's response. */
  const signIn = async (user: GitHubUser, tamper?: (back: URL) => void) => {
    github.signInAs(user);
    const begin = await t.http.get('/auth/oauth/github');
    expect(begin.status).toBe(302);
    const url = new URL(begin.headers.location);
    expect(url.searchParams.get('scope')).toBe('read:user user:email');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const back = await github.authorize(url.href);
    tamper?.(back);
    return t.http
      .get(`${back.pathname}${back.search}`)
      .set('Cookie', cookieHeader({ [STATE_COOKIE]: setCookies(begin).get(STATE_COOKIE)!.value! }));
  };
  const exchange = async (res: Response) => {
    expect(res.status).toBe(302);
    const code = new URLSearchParams(new URL(res.headers.location).hash.slice(1)).get('oauth_code')!;
    const binding = setCookies(res).get('gk_oauth_exchange')!.value!;
    return t.http
      .post('/auth/oauth/exchange')
      .set('Cookie', cookieHeader({ gk_oauth_exchange: binding }))
      .send({ code });
  };

  it('signs in with the primary verified e-mail of /user/emails, the numeric id as subject, PKCE sent to the token endpoint', async () => {
    await start();
    const tokens = await exchange(await signIn(octocat));
    expect(tokens.status).toBe(200);
    const me = await t.http.get('/auth/me').set('Authorization', `Bearer ${tokens.body.accessToken}`);
    expect(me.body).toMatchObject({
      email: 'octocat@github.example',
      emailVerified: true,
      username: expect.stringMatching(/^github-[0-9a-f]{12}$/),
    });
    const sent = github.tokenRequests.at(-1)!;
    expect(sent.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(sent.client_secret).toBe('gh-secret');
    // The same GitHub account signs in to the same user, whatever its e-mail becomes.
    const again = await exchange(await signIn({ ...octocat, emails: [{ email: 'new@github.example', primary: true, verified: true }] }));
    const meAgain = await t.http.get('/auth/me').set('Authorization', `Bearer ${again.body.accessToken}`);
    expect(meAgain.body.id).toBe(me.body.id);
  });

  it('an unverified primary e-mail neither links nor creates an account', async () => {
    await start();
    problem(
      await signIn({ id: 1, login: 'sneaky', emails: [{ email: 'emily.johnson@example.com', primary: true, verified: false }] }),
      403,
      'OAUTH_EMAIL_UNVERIFIED',
    );
    problem(await signIn({ id: 2, login: 'no-mail', emails: [] }), 403, 'OAUTH_EMAIL_UNVERIFIED');
  });

  it("GitHub's errors with status 200 (a bad code) and an API outage are a 4xx and a 503, never a 500", async () => {
    await start();
    problem(await signIn(octocat, (back) => back.searchParams.set('code', 'not-a-code')), 401, 'OAUTH_FAILED');
    github.apiDown = true;
    problem(await signIn(octocat), 503, 'OAUTH_PROVIDER_UNAVAILABLE');
  });

  it('the native ID-token route refuses a provider without ID tokens', async () => {
    await start();
    problem(await t.http.post('/auth/oauth/github/token').send({ idToken: 'a.b.c', nonce: 'n'.repeat(16) }), 401, 'OAUTH_FAILED');
  });
});
