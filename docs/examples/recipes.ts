/**
 * The configurations of docs/recipes.md: five existing API styles kept by options alone. Each is
 * replayed by an e2e test in test/e2e/api-styles/.
 */
import { AuthModule, MemoryUserStore } from 'nest-gatekeeper';

const userStore = new MemoryUserStore();

// 000 — DummyJSON
export const dummyJson = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore,
  accessTokenType: 'both',
  cookies: { names: { access: 'accessToken', refresh: 'refreshToken' }, csrf: false },
  responses: {
    tokenBody: (body, { route, user }) =>
      route === 'refresh'
        ? { accessToken: body.accessToken, refreshToken: body.refreshToken }
        : { ...user, accessToken: body.accessToken, refreshToken: body.refreshToken },
  },
});

// 001 — e-mail login, snake_case tokens
export const jwtStore = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore,
  routes: { prefix: 'api/v1/auth', me: 'profile', refresh: 'refresh-token' },
  loginIdentifiers: ['email'],
  responses: {
    tokenBody: (body) => ({ access_token: body.accessToken, refresh_token: body.refreshToken }),
    userBody: (user) => ({ id: user.id, email: user.email, name: user['firstName'] ?? user.username, role: user.roles[0] ?? 'customer' }),
  },
});

// 002 — OAuth 2.0 form login
export const oauthForm = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore,
  routes: { prefix: 'api/auth', login: false, token: 'login' }, // the form endpoint at /api/auth/login
  responses: { validationStatus: 422 },
});
// and, as in every app: app.useGlobalFilters(new ProblemDetailsFilter()) for problem+json 404s

// 003 — cookie-only tokens
export const cookieRefresh = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore,
  routes: { prefix: 'api/auth', refresh: 'token/refresh/' },
  accessTokenType: 'cookie',
  cookies: { csrf: false, sameSite: 'strict' },
  responses: {
    tokenBody: (body, { route }) => (route === 'refresh' ? { detail: body.message } : { detail: 'Logged in.' }),
  },
});

// 004 — a Nest auth library's /auth/refresh-token
export const nestAuth = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET! },
  userStore,
  routes: { refresh: 'refresh-token' },
  responses: { messages: { login: 'Login successful', refresh: 'Token refreshed successfully' } },
  // accessTokenType: 'cookie' for the cookie variant
});
