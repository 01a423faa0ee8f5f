// The demo page's script: plain JavaScript, no build step.
// - Cookie mode: tokens are HttpOnly cookies; unsafe requests echo the csrf_token cookie in X-CSRF-Token.
// - Header / dual mode: the tokens from the JSON body are kept in memory only (never in storage).
// - A 401 triggers one refresh shared by every caller waiting at that moment (single flight), then
//   each caller retries once.
// - A login answered with `isRequiresMfa` shows the second-factor step (POST /auth/mfa/verify, and
//   /auth/mfa/send to resend an e-mail or SMS code). "Trust this device": in cookie mode the server
//   sets an HttpOnly trust_token cookie that the browser sends at the next login by itself; in header
//   mode the page keeps the trust token in localStorage and sends it as `trustToken` at login. It only
//   skips the second factor: the password is still needed.
// - The account lifecycle: "Forgot password?" (POST /auth/password/forgot), the new-password form (opened
//   from the e-mail's link `/?reset=TOKEN`, or with the e-mailed code when the server sends codes), the
//   verification banner (POST /auth/email/verify/resend) and `/?verify=TOKEN` links (POST
//   /auth/email/verify), change e-mail, delete account, and sign-in by e-mail code. The server's
//   settings come as data- attributes of <body>. A token read from the address bar is removed from it
//   at once (history.replaceState), so it stays out of the history and of bookmarks.
// - Passkeys (when the server offers them): "Sign in with a passkey" (POST /auth/passkeys/login/options,
//   navigator.credentials.get, POST /auth/passkeys/login), the account's passkeys with "Add a passkey"
//   (after the password: /auth/passkeys/register/options, navigator.credentials.create,
//   /auth/passkeys/register), and the passkey as a second factor (/auth/passkeys/mfa/*).
// - Sign-in with an OpenID Connect provider (when the server has one): "Sign in with <label>" navigates
//   to GET /auth/oauth/<provider>?returnTo=/. The provider sends the browser back to this page either
//   signed in (cookie mode: the callback set the cookies) or with `#oauth_code=…` in the fragment, which
//   is exchanged at POST /auth/oauth/exchange for the answer of POST /auth/login (tokens, or the
//   second-factor step). The account's linked provider accounts (GET /auth/identities), "Unlink"
//   (DELETE /auth/identities/:id) and "Link <label> account" (after the password, POST
//   /auth/identities/link, then to the provider; back with `#oauth_linked=<provider>`). The fragment
//   leaves the address bar at once. Header mode keeps the tokens in memory only: going to the provider
//   to link an account leaves this page and so its session; sign in again afterwards.

const $ = (id) => document.getElementById(id);
/**
 * The server's account settings (see demo-page.controller.ts): passwordReset, emailVerification,
 * loginCode, passkeys, oauthProvider and oauthLabel (empty without a provider).
 */
const settings = document.body.dataset;
const state = { accessToken: null, refreshToken: null, refreshCount: 0, refreshing: null, generation: 0, mfa: null, resetToken: null };
const TRUST_KEY = 'nest-gatekeeper-demo.trustToken';
const METHOD_LABELS = {
  totp: 'Authenticator app (TOTP)',
  email: 'Code sent by e-mail',
  sms: 'Code sent by SMS',
  recovery: 'Recovery code',
  passkey: 'Passkey',
};

function readCookie(name) {
  const pair = document.cookie.split('; ').find((p) => p.startsWith(`${name}=`));
  return pair ? decodeURIComponent(pair.slice(name.length + 1)) : null;
}

function showError(message) {
  $('error').textContent = message ?? '';
}

function setStatus(message) {
  $('status').textContent = message;
}

/** One fetch to the API: JSON in and out, credentials for cookies, CSRF or Bearer header. */
function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (state.accessToken) headers.Authorization = `Bearer ${state.accessToken}`;
  else if (method !== 'GET') {
    const csrf = readCookie('csrf_token');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** The refresh, single-flight: concurrent callers share the one request in progress. */
function refreshOnce() {
  state.refreshing ??= (async () => {
    try {
      const res = await fetch('/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: state.refreshToken
          ? { 'Content-Type': 'application/json' }
          : { 'X-CSRF-Token': readCookie('csrf_token') ?? '' },
        body: state.refreshToken ? JSON.stringify({ refreshToken: state.refreshToken }) : undefined,
      });
      if (!res.ok) return false;
      const body = await res.json();
      if (body.accessToken) state.accessToken = body.accessToken;
      if (body.refreshToken) state.refreshToken = body.refreshToken;
      state.refreshCount += 1;
      state.generation += 1;
      $('refresh-count').textContent = String(state.refreshCount);
      return true;
    } finally {
      state.refreshing = null;
    }
  })();
  return state.refreshing;
}

/**
 * A call that refreshes once on a 401 and retries. A 401 to a request sent before a refresh that has
 * since finished only retries: the tokens it carried are already replaced.
 */
async function api(method, path, body) {
  const sentAt = state.generation;
  let res = await send(method, path, body);
  if (res.status !== 401) return res;
  const renewed = state.generation !== sentAt || (await refreshOnce());
  if (renewed) res = await send(method, path, body);
  return res;
}

/** A problem response as `{ code, detail, text }` (text: status, code, detail and field errors). */
async function readProblem(res) {
  try {
    const p = await res.json();
    const fields = Array.isArray(p.errors) ? p.errors.map((e) => ` ${e.field}: ${e.message}.`).join('') : '';
    return { code: p.code ?? null, detail: p.detail ?? null, text: `${res.status} ${p.code ?? ''}: ${p.detail ?? p.title ?? ''}${fields}` };
  } catch {
    return { code: null, detail: null, text: `${res.status}` };
  }
}

async function problemText(res) {
  return (await readProblem(res)).text;
}

/** The stored trust token (header mode), or null; storage can be unavailable (private modes). */
function storedTrustToken() {
  try {
    return localStorage.getItem(TRUST_KEY);
  } catch {
    return null;
  }
}

function storeTrustToken(token) {
  try {
    if (token) localStorage.setItem(TRUST_KEY, token);
    else localStorage.removeItem(TRUST_KEY);
  } catch {
    // Without storage the device is simply not remembered.
  }
}

/** What each event type of the activity feed means to the account's owner. */
const ACTIVITY_LABELS = {
  'user.registered': 'Account created',
  'login.succeeded': 'Signed in',
  'login.failed': 'Failed sign-in',
  'login.locked': 'Sign-in locked after failed attempts',
  'mfa.verified': 'Second factor accepted',
  'mfa.failed': 'Wrong second-factor code',
  'mfa.locked': 'Second factor locked after failed attempts',
  'mfa.enabled': 'Second factor turned on',
  'mfa.disabled': 'Second factor turned off',
  'mfa.recovery_code_used': 'Recovery code used',
  'refresh.grace_replay': 'Session refreshed twice at once',
  'refresh.reuse_detected': 'A stolen refresh token was replayed: the session was ended',
  'session.revoked': 'Session ended',
  logout: 'Signed out',
  'password.changed': 'Password changed',
  'password.reset_requested': 'Password reset asked for',
  'email.verified': 'E-mail address verified',
  'email.changed': 'E-mail address changed',
  'trusted_device.added': 'Device remembered',
  'trusted_device.revoked': 'Remembered device forgotten',
  'passkey.added': 'Passkey added',
  'passkey.removed': 'Passkey deleted',
  'passkey.counter_regression': 'A copy of one of your passkeys was used: the sign-in was refused',
  'identity.linked': 'Provider account linked',
  'identity.unlinked': 'Provider account unlinked',
};

/**
 * Fills the "Recent activity" table from GET /auth/activity (absent when the server has no feed).
 * Every value, the user agent above all (any client chooses its own), is set as text, never as HTML.
 */
function showActivity(entries) {
  $('activity').replaceChildren();
  for (const e of entries) {
    const row = document.createElement('tr');
    const what = `${ACTIVITY_LABELS[e.type] ?? e.type}${e.current ? ' (this browser)' : ''}`;
    for (const text of [new Date(e.at).toLocaleString(), what, e.ip ?? '', e.userAgent ?? '']) {
      const td = document.createElement('td');
      td.textContent = text.length > 60 ? `${text.slice(0, 60)}…` : text;
      row.append(td);
    }
    row.dataset.type = e.type;
    $('activity').append(row);
  }
}

async function loadApp() {
  const [me, sessions, activity, passkeys, identities] = await Promise.all([
    api('GET', '/auth/me'),
    api('GET', '/auth/sessions'),
    api('GET', '/auth/activity?limit=20'),
    settings.passkeys === 'on' ? api('GET', '/auth/passkeys') : null,
    settings.oauthProvider ? api('GET', '/auth/identities') : null,
  ]);
  if (me.status === 401) return showLogin();
  if (!me.ok) return showError(await problemText(me));
  const user = await me.json();
  $('who').textContent = user.username;
  $('verify-banner').hidden = user.emailVerified !== false || settings.emailVerification === 'off';
  $('profile').textContent = JSON.stringify(user, null, 2);
  $('sessions').replaceChildren();
  if (sessions.ok) {
    for (const s of await sessions.json()) {
      const row = document.createElement('tr');
      const cells = [new Date(s.createdAt).toLocaleString(), new Date(s.lastUsedAt).toLocaleString(), s.userAgent ?? ''];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text.length > 40 ? `${text.slice(0, 40)}…` : text;
        row.append(td);
      }
      const action = document.createElement('td');
      if (s.current) action.textContent = 'this browser';
      else {
        const button = document.createElement('button');
        button.textContent = 'Revoke';
        button.addEventListener('click', async () => {
          const res = await api('DELETE', `/auth/sessions/${encodeURIComponent(s.id)}`);
          if (!res.ok && res.status !== 204) showError(await problemText(res));
          await loadApp();
        });
        action.append(button);
      }
      row.append(action);
      $('sessions').append(row);
    }
  }
  showActivity(activity.ok ? await activity.json() : []);
  $('passkeys-view').hidden = passkeys === null;
  $('passkey-mfa-enable').hidden = user.mfaMethods?.includes('passkey') === true;
  showPasskeys(passkeys?.ok ? await passkeys.json() : []);
  $('identities-view').hidden = identities === null;
  showIdentities(identities?.ok ? await identities.json() : []);
  showView('app-view');
  setStatus('Signed in.');
}

/** Shows one of the page's views (sections) and hides the others. */
function showView(id) {
  for (const view of ['login-view', 'mfa-view', 'forgot-view', 'reset-view', 'app-view']) $(view).hidden = view !== id;
}

function showLogin() {
  state.accessToken = null;
  state.refreshToken = null;
  state.mfa = null;
  $('login-code-view').hidden = settings.loginCode !== 'on';
  $('passkey-login-view').hidden = settings.passkeys !== 'on';
  $('oauth-login-view').hidden = !settings.oauthProvider;
  showView('login-view');
  setStatus('Signed out.');
}

/** After a login or a second factor: keep the tokens (header mode) and show the signed-in view. */
async function signedIn(grant) {
  state.mfa = null;
  state.accessToken = grant.accessToken ?? null;
  state.refreshToken = grant.refreshToken ?? null;
  $('mode').textContent = grant.accessToken ? 'tokens in the response body (kept in memory)' : 'HttpOnly cookies';
  await loadApp();
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const identifier = $('username').value.trim();
  const body = identifier.includes('@')
    ? { email: identifier, password: $('password').value }
    : { username: identifier, password: $('password').value };
  // Header mode: a remembered device. (Cookie mode: the HttpOnly trust_token cookie goes by itself.)
  const trustToken = storedTrustToken();
  if (trustToken) body.trustToken = trustToken;
  const res = await send('POST', '/auth/login', body);
  if (!res.ok) {
    const problem = await readProblem(res);
    // EMAIL_VERIFICATION=required: the password was right, the address is not verified yet.
    const hint =
      problem.code === 'EMAIL_NOT_VERIFIED'
        ? ' Open the link of the verification e-mail first (a password reset by e-mail verifies the address too).'
        : '';
    return showError(`${problem.text}${hint}`);
  }
  await firstFactorDone(await res.json(), trustToken);
});

/**
 * The answer of a first factor (POST /auth/login, POST /auth/oauth/exchange): the tokens, or the
 * second-factor step; `trustToken` is the stored one the request sent, if any.
 */
async function firstFactorDone(grant, trustToken) {
  if (grant.isRequiresMfa) {
    // The stored trust token did not skip the step (expired, revoked, or another user's): drop it.
    if (trustToken) storeTrustToken(null);
    return showMfaStep(grant);
  }
  await signedIn(grant);
}

// ---------------------------------------------------------------- the second-factor step

/** Whether a method's code is delivered by message (and so can be re-sent). */
const isDelivered = (method) => method === 'email' || method === 'sms';

function showMfaStep(challenge) {
  const sent = new Set(isDelivered(challenge.defaultMfaMethod) ? [challenge.defaultMfaMethod] : []);
  state.mfa = { token: challenge.mfaToken, sent };
  const select = $('mfa-method');
  select.replaceChildren();
  for (const method of challenge.mfaMethods) {
    const option = document.createElement('option');
    option.value = method;
    option.textContent = METHOD_LABELS[method] ?? method;
    option.selected = method === challenge.defaultMfaMethod;
    select.append(option);
  }
  $('mfa-message').textContent = challenge.message ?? 'A second factor is required.';
  $('mfa-code').value = '';
  $('trust-device').checked = false;
  updateMfaMethod();
  showView('mfa-view');
  setStatus('Second factor required.');
  $('mfa-code').focus();
}

/** Shows "Send code" / "Resend code" for e-mail and SMS only, and a fitting code placeholder (no code for a passkey). */
function updateMfaMethod() {
  const method = $('mfa-method').value;
  const resend = $('mfa-resend');
  resend.hidden = !isDelivered(method);
  resend.textContent = state.mfa?.sent.has(method) ? 'Resend code' : 'Send code';
  $('mfa-code').placeholder = method === 'recovery' ? 'xxxxx-xxxxx' : '6 digits';
  $('mfa-code').closest('label').hidden = method === 'passkey';
  $('mfa-verify').textContent = method === 'passkey' ? 'Use my passkey' : 'Verify';
}

/** A problem that ended the pending login (expired, finished, too many wrong codes): back to sign-in. */
function pendingLoginEnded(problem) {
  showLogin();
  showError(`${problem.text} Please sign in again.`);
}

$('mfa-method').addEventListener('change', () => {
  showError('');
  updateMfaMethod();
});

$('mfa-resend').addEventListener('click', async () => {
  if (!state.mfa) return;
  showError('');
  const method = $('mfa-method').value;
  const res = await send('POST', '/auth/mfa/send', { mfaToken: state.mfa.token, method });
  if (!res.ok) {
    const problem = await readProblem(res);
    return problem.code === 'MFA_TOKEN_INVALID' ? pendingLoginEnded(problem) : showError(problem.text);
  }
  const sent = await res.json();
  state.mfa.sent.add(method);
  updateMfaMethod();
  $('mfa-message').textContent = sent.message;
});

$('mfa-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!state.mfa) return;
  showError('');
  const method = $('mfa-method').value;
  let res;
  if (method === 'passkey') {
    // The passkey signs this pending login's challenge.
    const options = await send('POST', '/auth/passkeys/mfa/options', { mfaToken: state.mfa.token });
    if (!options.ok) {
      const problem = await readProblem(options);
      return problem.code === 'MFA_TOKEN_INVALID' ? pendingLoginEnded(problem) : showError(problem.text);
    }
    const credential = await getPasskey(await options.json());
    if (credential === null) return;
    res = await send('POST', '/auth/passkeys/mfa/verify', { mfaToken: state.mfa.token, credential, trustDevice: $('trust-device').checked });
  } else {
    const body = { mfaToken: state.mfa.token, method, code: $('mfa-code').value.trim(), trustDevice: $('trust-device').checked };
    res = await send('POST', '/auth/mfa/verify', body);
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    if (problem.code === 'MFA_TOKEN_INVALID') return pendingLoginEnded(problem);
    $('mfa-code').select();
    return showError(problem.text);
  }
  const grant = await res.json();
  // Header and dual mode: remember the device here. Cookie mode: the HttpOnly cookie does it.
  if (grant.trustToken && grant.accessToken) storeTrustToken(grant.trustToken);
  await signedIn(grant);
});

$('mfa-cancel').addEventListener('click', () => {
  showError('');
  showLogin();
});

$('call-protected').addEventListener('click', async () => {
  const res = await api('GET', '/protected');
  $('protected-result').textContent = res.ok ? `200 ${JSON.stringify(await res.json())}` : await problemText(res);
});

$('reload').addEventListener('click', () => loadApp());

for (const [id, allSessions] of [['logout', false], ['logout-all', true]]) {
  $(id).addEventListener('click', async () => {
    const res = await api('POST', '/auth/logout', { allSessions });
    if (!res.ok) showError(await problemText(res));
    showLogin();
  });
}

// ---------------------------------------------------------------- the account lifecycle

/** A JSON body without its empty optional fields (an unfilled mfaCode is left out, not sent as ''). */
function withoutEmpty(body) {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ''));
}

$('forgot-open').addEventListener('click', () => {
  showError('');
  const identifier = $('username').value.trim();
  $('forgot-email').value = identifier.includes('@') ? identifier : '';
  $('forgot-message').textContent = '';
  showView('forgot-view');
  setStatus('Forgot password.');
  $('forgot-email').focus();
});

$('forgot-cancel').addEventListener('click', () => {
  showError('');
  showLogin();
});

$('forgot-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const email = $('forgot-email').value.trim();
  const res = await send('POST', '/auth/password/forgot', { email });
  if (!res.ok) return showError(await problemText(res));
  const { message } = await res.json();
  if (settings.passwordReset === 'code') {
    // The e-mail carries a code: type it in here.
    showReset({ email });
    setStatus(message);
    return;
  }
  $('forgot-message').textContent = `${message} Open the link in the e-mail to set a new password.`;
  setStatus('Reset e-mail requested.');
});

/** The new-password form: with the token of a `?reset=` link, or (code mode) the address and the code to type. */
function showReset({ token = null, email = '' }) {
  state.resetToken = token;
  const typed = token === null;
  $('reset-email-label').hidden = !typed;
  $('reset-code-label').hidden = !typed;
  $('reset-email').value = email;
  $('reset-code').value = '';
  $('reset-password').value = '';
  $('reset-mfa').value = '';
  showView('reset-view');
  setStatus('Set a new password.');
  (typed && email === '' ? $('reset-email') : typed ? $('reset-code') : $('reset-password')).focus();
}

$('reset-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const typed = state.resetToken === null;
  const body = withoutEmpty({
    token: typed ? $('reset-code').value.trim() : state.resetToken,
    newPassword: $('reset-password').value,
    mfaCode: $('reset-mfa').value.trim(),
    ...(typed ? { email: $('reset-email').value.trim() } : {}),
  });
  const res = await send('POST', '/auth/password/reset', body);
  if (!res.ok) {
    const problem = await readProblem(res);
    if (problem.code === 'MFA_CODE_INVALID') $('reset-mfa').focus();
    const hint = problem.code === 'RESET_TOKEN_INVALID' && !typed ? ' Ask for a new link with "Forgot password?".' : '';
    return showError(`${problem.text}${hint}`);
  }
  const { message } = await res.json();
  state.resetToken = null;
  // Every session was revoked (this page's too): sign in again with the new password.
  showLogin();
  $('password').value = '';
  setStatus(message);
});

$('reset-cancel').addEventListener('click', () => {
  showError('');
  state.resetToken = null;
  loadApp().catch((error) => showError(String(error)));
});

/** POST /auth/email/verify with the token of a `?verify=` link; returns the message to show. */
async function verifyEmail(token) {
  const res = await send('POST', '/auth/email/verify', { token });
  if (res.ok) return { ok: true, text: (await res.json()).message };
  const problem = await readProblem(res);
  return { ok: false, text: `${problem.text} The link is unknown, used or expired: ask for a new one.` };
}

$('verify-resend').addEventListener('click', async () => {
  showError('');
  const res = await api('POST', '/auth/email/verify/resend');
  if (!res.ok) return showError(await problemText(res));
  setStatus((await res.json()).message);
});

$('email-change-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const res = await api('POST', '/auth/email/change', { newEmail: $('new-email').value.trim(), password: $('email-change-password').value });
  $('email-change-password').value = '';
  if (!res.ok) return showError(await problemText(res));
  $('new-email').value = '';
  setStatus((await res.json()).message);
});

$('delete-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  if (!window.confirm('Delete this account for good? Its sessions end and it cannot be undone.')) return;
  const body = withoutEmpty({ password: $('delete-password').value, mfaCode: $('delete-mfa').value.trim() });
  const res = await api('POST', '/auth/account/delete', body);
  $('delete-password').value = '';
  $('delete-mfa').value = '';
  if (!res.ok) return showError(await problemText(res));
  const { message } = await res.json();
  showLogin();
  setStatus(message);
});

$('login-code-send').addEventListener('click', async () => {
  showError('');
  const res = await send('POST', '/auth/login/code/send', { email: $('login-code-email').value.trim() });
  if (!res.ok) return showError(await problemText(res));
  setStatus((await res.json()).message);
  $('login-code').focus();
});

$('login-code-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const body = { email: $('login-code-email').value.trim(), code: $('login-code').value.trim() };
  const trustToken = storedTrustToken();
  if (trustToken) body.trustToken = trustToken;
  const res = await send('POST', '/auth/login/code', body);
  if (!res.ok) return showError(await problemText(res));
  const grant = await res.json();
  $('login-code').value = '';
  // An account with an authenticator app still goes through the second-factor step.
  if (grant.isRequiresMfa) return showMfaStep(grant);
  await signedIn(grant);
});

// ---------------------------------------------------------------- passkeys (WebAuthn)

// The server speaks WebAuthn's JSON forms (binary fields as base64url); the browser's API wants bytes.
const fromBase64url = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4)), (c) => c.charCodeAt(0));
const toBase64url = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const withIds = (list) => (list ?? []).map((c) => ({ ...c, id: fromBase64url(c.id) }));

/** A credential as the JSON the server reads (PublicKeyCredential.toJSON where the browser has it). */
function credentialJson(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  }
  const json = { id: credential.id, rawId: toBase64url(credential.rawId), type: credential.type, response };
  return { ...json, clientExtensionResults: credential.getClientExtensionResults(), authenticatorAttachment: credential.authenticatorAttachment };
}

/** navigator.credentials.get with the server's options; the credential's JSON, or null (cancelled: the error is shown). */
async function getPasskey(options) {
  try {
    const publicKey = { ...options, challenge: fromBase64url(options.challenge), allowCredentials: withIds(options.allowCredentials) };
    return credentialJson(await navigator.credentials.get({ publicKey }));
  } catch (error) {
    showError(`The passkey was not used: ${error.message ?? error}`);
    return null;
  }
}

/** Fills the passkey table: names and dates as text; a delete button each. */
function showPasskeys(passkeys) {
  $('passkeys').replaceChildren();
  for (const p of passkeys) {
    const row = document.createElement('tr');
    for (const text of [p.name, new Date(p.createdAt).toLocaleString(), p.lastUsedAt ? new Date(p.lastUsedAt).toLocaleString() : 'never']) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    const action = document.createElement('td');
    const button = document.createElement('button');
    button.textContent = 'Delete';
    button.addEventListener('click', async () => {
      showError('');
      const res = await api('DELETE', `/auth/passkeys/${encodeURIComponent(p.id)}`);
      if (!res.ok && res.status !== 204) showError(await problemText(res));
      await loadApp();
    });
    action.append(button);
    row.append(action);
    row.dataset.passkey = p.id;
    $('passkeys').append(row);
  }
}

$('passkey-login').addEventListener('click', async () => {
  showError('');
  const options = await send('POST', '/auth/passkeys/login/options', {});
  if (!options.ok) return showError(await problemText(options));
  const credential = await getPasskey(await options.json());
  if (credential === null) return;
  const body = { credential };
  const trustToken = storedTrustToken();
  if (trustToken) body.trustToken = trustToken;
  const res = await send('POST', '/auth/passkeys/login', body);
  if (!res.ok) return showError(await problemText(res));
  const grant = await res.json();
  // A passkey that did not verify the user is one factor: an account with a second factor goes on.
  if (grant.isRequiresMfa) return showMfaStep(grant);
  await signedIn(grant);
});

$('passkey-add-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const options = await api('POST', '/auth/passkeys/register/options', { password: $('passkey-password').value });
  $('passkey-password').value = '';
  if (!options.ok) return showError(await problemText(options));
  const json = await options.json();
  let credential;
  try {
    const publicKey = {
      ...json,
      challenge: fromBase64url(json.challenge),
      user: { ...json.user, id: fromBase64url(json.user.id) },
      excludeCredentials: withIds(json.excludeCredentials),
    };
    credential = credentialJson(await navigator.credentials.create({ publicKey }));
  } catch (error) {
    return showError(`No passkey was created: ${error.message ?? error}`);
  }
  const name = $('passkey-name').value.trim();
  const res = await api('POST', '/auth/passkeys/register', name === '' ? { credential } : { credential, name });
  if (!res.ok) return showError(await problemText(res));
  $('passkey-name').value = '';
  await loadApp();
  setStatus('Passkey added.');
});

$('passkey-mfa-enable').addEventListener('click', async () => {
  showError('');
  const res = await api('POST', '/auth/passkeys/mfa/enable', { password: $('passkey-password').value });
  $('passkey-password').value = '';
  if (!res.ok) return showError(await problemText(res));
  await loadApp();
  setStatus((await res.json()).message);
});

// ---------------------------------------------------------------- sign-in with a provider (OpenID Connect)

const providerLabel = settings.oauthLabel || settings.oauthProvider;
$('oauth-login').textContent = `Sign in with ${providerLabel}`;
$('identity-link').textContent = `Link ${providerLabel} account`;

$('oauth-login').addEventListener('click', () => {
  showError('');
  setStatus(`To ${providerLabel}…`);
  // A full page navigation: the server redirects to the provider, which sends the browser back here.
  location.assign(`/auth/oauth/${encodeURIComponent(settings.oauthProvider)}?returnTo=/`);
});

/** POST /auth/oauth/exchange with the one-time code of the callback: answered like POST /auth/login. */
async function exchangeOAuthCode(code) {
  const body = { code };
  const trustToken = storedTrustToken();
  if (trustToken) body.trustToken = trustToken;
  const res = await send('POST', '/auth/oauth/exchange', body);
  if (!res.ok) {
    const problem = await readProblem(res);
    showLogin();
    return showError(`${problem.text} Please sign in again.`);
  }
  await firstFactorDone(await res.json(), trustToken);
}

/** Fills the linked accounts table: label, e-mail and last use as text; an unlink button each. */
function showIdentities(identities) {
  $('identities').replaceChildren();
  for (const identity of identities) {
    const row = document.createElement('tr');
    const lastUsed = identity.lastUsedAt ? new Date(identity.lastUsedAt).toLocaleString() : 'never';
    for (const text of [identity.label, identity.email ?? '', lastUsed]) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    const action = document.createElement('td');
    const button = document.createElement('button');
    button.textContent = 'Unlink';
    button.addEventListener('click', async () => {
      showError('');
      const res = await api('DELETE', `/auth/identities/${encodeURIComponent(identity.id)}`);
      // 409 LAST_SIGN_IN_METHOD: the account would be left with no way to sign in.
      const problem = res.ok ? null : await readProblem(res);
      await loadApp();
      if (problem !== null) showError(problem.code === 'LAST_SIGN_IN_METHOD' ? problem.detail : problem.text);
      else setStatus(`${identity.label} account unlinked.`);
    });
    action.append(button);
    row.append(action);
    row.dataset.identity = identity.id;
    $('identities').append(row);
  }
}

$('identity-link-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const body = { provider: settings.oauthProvider, password: $('identity-link-password').value, returnTo: '/' };
  const res = await api('POST', '/auth/identities/link', body);
  $('identity-link-password').value = '';
  if (!res.ok) return showError(await problemText(res));
  // The server set the state cookie; the provider sends the browser back with #oauth_linked=<provider>.
  setStatus(`To ${providerLabel}…`);
  location.href = (await res.json()).url;
});

/**
 * First load: a `?reset=` link opens the new-password form, a `?verify=` link is confirmed, a
 * `#oauth_code=` from a provider sign-in is exchanged, `#oauth_linked=` says a link finished; else the
 * session is resumed.
 */
async function start() {
  const params = new URLSearchParams(location.search);
  const resetToken = params.get('reset');
  const verifyToken = params.get('verify');
  const fragment = new URLSearchParams(location.hash.slice(1));
  const oauthCode = fragment.get('oauth_code');
  const oauthLinked = fragment.get('oauth_linked');
  // The token leaves the address bar (and so the history) before anything else happens.
  if (resetToken !== null || verifyToken !== null) history.replaceState(null, '', location.pathname);
  else if (oauthCode !== null || oauthLinked !== null) history.replaceState(null, '', `${location.pathname}${location.search}`);
  if (resetToken) return showReset({ token: resetToken });
  if (oauthCode) return exchangeOAuthCode(oauthCode);
  if (oauthLinked !== null) {
    await loadApp();
    const linked = `Your ${providerLabel} account is linked.`;
    // Header mode: the tokens were in this page's memory, gone when it went to the provider.
    return setStatus($('app-view').hidden ? `${linked} Leaving this page for the provider signed you out here: sign in again.` : linked);
  }
  const verified = verifyToken ? await verifyEmail(verifyToken) : null;
  await loadApp();
  if (verified) (verified.ok ? setStatus : showError)(verified.text);
}

$('mode').textContent = 'HttpOnly cookies (when the server runs in cookie mode)';
start().catch((error) => showError(String(error)));
