// The demo page's script: plain JavaScript, no build step.
// - Cookie mode: tokens are HttpOnly cookies; unsafe requests echo the csrf_token cookie in X-CSRF-Token.
// - Header / dual mode: the tokens from the JSON body are kept in memory only (never in storage).
// - A 401 triggers one refresh shared by every caller waiting at that moment (single flight), then
//   each caller retries once.

const $ = (id) => document.getElementById(id);
const state = { accessToken: null, refreshToken: null, refreshCount: 0, refreshing: null, generation: 0 };

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

async function problemText(res) {
  try {
    const p = await res.json();
    return `${res.status} ${p.code ?? ''}: ${p.detail ?? p.title ?? ''}`;
  } catch {
    return `${res.status}`;
  }
}

async function loadApp() {
  const [me, sessions] = await Promise.all([api('GET', '/auth/me'), api('GET', '/auth/sessions')]);
  if (me.status === 401) return showLogin();
  if (!me.ok) return showError(await problemText(me));
  const user = await me.json();
  $('who').textContent = user.username;
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
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  setStatus('Signed in.');
}

function showLogin() {
  state.accessToken = null;
  state.refreshToken = null;
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  setStatus('Signed out.');
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  const identifier = $('username').value.trim();
  const body = identifier.includes('@')
    ? { email: identifier, password: $('password').value }
    : { username: identifier, password: $('password').value };
  const res = await send('POST', '/auth/login', body);
  if (!res.ok) return showError(await problemText(res));
  const grant = await res.json();
  state.accessToken = grant.accessToken ?? null;
  state.refreshToken = grant.refreshToken ?? null;
  $('mode').textContent = grant.accessToken ? 'tokens in the response body (kept in memory)' : 'HttpOnly cookies';
  await loadApp();
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

$('mode').textContent = 'HttpOnly cookies (when the server runs in cookie mode)';
loadApp().catch((error) => showError(String(error)));
