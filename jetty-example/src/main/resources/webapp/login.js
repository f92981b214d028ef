'use strict';
/*
 * The "You" panel: who is signed in (GET oauth/session), sign-in and sign-out, and a small
 * single-page view that calls the demo API through the token relay (api/…), which adds the
 * signed-in user's token on the server; the browser only ever holds its session cookie.
 */
(function () {
  const POLL_MS = 2000;
  const API = 'api/restapi/v1.0/account/~/extension/~';
  const $ = (id) => document.getElementById(id);

  function when(iso) {
    if (!iso) return '—';
    const left = Math.round((Date.parse(iso) - Date.now()) / 1000);
    return new Date(iso).toLocaleTimeString() + (left > 0 ? ' (in ' + left + ' s)' : ' (passed)');
  }

  async function refresh() {
    try {
      const r = await fetch('oauth/session', {cache: 'no-store', headers: {'Accept': 'application/json'}});
      if (r.status === 404) return;            // no sign-in in this mode: keep the panel hidden
      const s = await r.json();
      $('you').hidden = false;
      $('you').dataset.signedIn = String(!!s.signed_in);
      $('signed-out').hidden = !!s.signed_in;
      $('signed-in').hidden = !s.signed_in;
      $('you-state').textContent = s.signed_in ? 'signed in' : 'not signed in';
      $('you-state').className = 'badge' + (s.signed_in ? ' ok' : '');
      if (s.signed_in) {
        $('you-name').textContent = s.name || s.subject;
        $('you-subject').textContent = s.subject;
        $('you-idle').textContent = when(s.idle_deadline);
        $('you-ends').textContent = when(s.expires_at);
        $('csrf').value = s.csrf_token;
      }
    } catch (e) {
      // the server is away; the status poll shows that
    }
    setTimeout(refresh, POLL_MS);
  }

  $('relay-call').addEventListener('click', async () => {
    const out = $('relay-result');
    out.textContent = 'calling…';
    try {
      const r = await fetch(API, {cache: 'no-store', headers: {'X-Requested-With': 'fetch', 'Accept': 'application/json'}});
      const text = await r.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (ignored) { /* not JSON */ }
      out.dataset.status = String(r.status);
      out.textContent = 'HTTP ' + r.status + '\n' + shown;
    } catch (e) {
      out.textContent = String(e);
    }
  });

  refresh();
})();
