/*
 * The codec server's login page (/v1/codec/login): sends the pasted operator token to POST /v1/codec/session, which
 * keeps it in an HttpOnly cookie for the Web UI's requests; "Sign out" ends the session (DELETE). Served as a file
 * (the page's Content-Security-Policy allows no inline script). Runs in the browser.
 */
/* global document, location, fetch */
const status = document.getElementById('status');
const endpoint = document.getElementById('endpoint');
endpoint.textContent = `${location.origin}/v1/codec`;

const say = (text) => {
  status.textContent = text;
};

document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = document.getElementById('token');
  const token = field.value.trim().replace(/^Bearer\s+/i, '');
  const res = await fetch('/v1/codec/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = await res.json().catch(() => ({}));
  field.value = '';
  if (res.ok) say(`Signed in as ${body.subject} (${body.municipality}) until ${new Date(body.expiresAt).toLocaleString()}. Reload the Web UI.`);
  else say(`Not signed in: ${body.detail ?? res.statusText}`);
});

document.getElementById('logout').addEventListener('click', async () => {
  const res = await fetch('/v1/codec/session', { method: 'DELETE' });
  say(res.ok ? 'Signed out: the Web UI no longer decodes with your token.' : `Sign-out failed: ${res.statusText}`);
});
