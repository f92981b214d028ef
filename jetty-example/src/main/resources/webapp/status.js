'use strict';
/*
 * The TokenKeeper status page: polls status.json, drives a little API traffic per endpoint id
 * through /app/call (which goes through TokenFilter), and draws countdowns and a timeline.
 * No external assets; every server-provided string goes in through textContent.
 */
(function () {
  const POLL_MS = 1000;
  const TICK_MS = 250;
  const TRAFFIC_MS = 5000;
  const FAIL_SECONDS = 20;
  const DEFAULT_DEVICES = ['laptop', 'phone'];
  const DEVICE_RULE = /^[a-zA-Z0-9_\-]{1,40}$/;
  const SVG = 'http://www.w3.org/2000/svg';
  const CAUSES = {
    INITIAL: ['first token', '#868e96'],
    AHEAD_OF_EXPIRY: ['ahead of expiry', '#2f9e44'],
    EXPIRED: ['after idle', '#f08c00'],
    REJECTED: ['after 401', '#e03131'],
    REACQUIRED: ['new session', '#7048e8'],
  };

  let state = null;           // the last status.json
  let offset = null;          // server clock minus browser clock, measured once
  let ticks = 0;
  // Devices this page drives. The server binds each to an endpoint id in this browser's session
  // (POST devices?device=NAME); calls name the device, never the endpoint id.
  const local = new Set(DEFAULT_DEVICES);
  const own = new Map();       // endpoint id -> device name, for this session's devices
  const registering = new Set();
  const paused = new Set();
  const nextCall = new Map();
  const inFlight = new Set();
  const lastCall = new Map();
  const cards = new Map();
  const sessionTotals = new Map();

  const $ = (id) => document.getElementById(id);
  const now = () => Date.now() + (offset || 0);
  const clamp01 = (v) => Math.max(0, Math.min(1, v));

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmt(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ':' + String(s % 60).padStart(2, '0');
    return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' m';
  }

  function human(seconds) {
    if (!seconds) return 'off';
    if (seconds % 3600 === 0) return seconds / 3600 + ' h';
    if (seconds % 60 === 0) return seconds / 60 + ' min';
    return seconds + ' s';
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'});
  }

  function ago(ms) {
    const s = Math.max(0, Math.round((now() - ms) / 1000));
    return s < 2 ? 'just now' : fmt(s * 1000) + ' ago';
  }

  function serverEndpoint(id) {
    return state ? state.endpoints.find((e) => e.endpoint_id === id) : undefined;
  }

  /** This session's endpoint ids first, then the other ones the server holds (read-only). */
  function endpointIds() {
    const ids = [...own.keys()];
    if (state) for (const e of state.endpoints) if (!own.has(e.endpoint_id)) ids.push(e.endpoint_id);
    return ids;
  }

  async function register(device) {
    if (registering.has(device)) return;
    registering.add(device);
    try {
      const r = await fetch('devices?device=' + encodeURIComponent(device), {method: 'POST', cache: 'no-store'});
      if (r.ok) {
        const json = await r.json();
        own.set(json.endpoint_id, json.device);
      } else {
        local.delete(device);
      }
    } catch (e) {
      // retried on the next tick
    } finally {
      registering.delete(device);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Talking to the server

  async function poll() {
    try {
      const r = await fetch('status.json', {cache: 'no-store'});
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const json = await r.json();
      if (offset === null) offset = json.now - Date.now();
      state = json;
      for (const [device, id] of Object.entries(json.devices || {})) own.set(id, device);
      $('conn').className = 'conn up';
      renderConfig();
    } catch (e) {
      $('conn').className = 'conn down';
    }
    setTimeout(poll, POLL_MS);
  }

  async function call(id) {
    if (inFlight.has(id)) return;
    inFlight.add(id);
    const started = performance.now();
    try {
      const r = await fetch('app/call?device=' + encodeURIComponent(own.get(id)), {method: 'POST', cache: 'no-store'});
      let body = null;
      try { body = await r.json(); } catch (ignored) { /* not JSON */ }
      lastCall.set(id, {at: now(), status: r.status, ms: Math.round(performance.now() - started), body});
    } catch (e) {
      lastCall.set(id, {at: now(), status: 0, body: {error: String(e)}});
    } finally {
      inFlight.delete(id);
    }
  }

  async function control(path) {
    if (!state || !state.config.controls) return null;
    const r = await fetch(state.config.controls + path, {method: 'POST', cache: 'no-store'});
    return r.ok ? r.json() : null;
  }

  // ---------------------------------------------------------------------------------------
  // Config strip and counters

  function renderConfig() {
    const c = state.config || {};
    const demo = c.mode === 'demo';
    $('mode').textContent = demo ? 'built-in demo provider' : 'provider: ' + hostOf(c.token_url);
    for (const n of document.querySelectorAll('.demo-only')) n.hidden = !demo;
    const dl = $('config');
    dl.replaceChildren();
    const add = (k, v, code) => {
      if (v === null || v === undefined || v === '') return;
      const d = el('div');
      d.append(el('dt', {}, k));
      const dd = el('dd');
      dd.append(code ? el('code', {}, String(v)) : document.createTextNode(String(v)));
      d.append(dd);
      dl.append(d);
    };
    add('Token endpoint', c.token_url, true);
    add('Grant', c.grant);
    add('Client', c.client_id, true);
    add('Shared store', c.store, true);
    add('Shared endpoint id', c.shared_endpoint_id, true);
    if (demo) {
      add('Token lifetime', human(c.token_ttl));
      add('Idle timeout', human(c.idle_timeout));
      add('Session', c.session_ttl ? human(c.session_ttl) : 'unlimited');
    } else {
      add('API', c.api_url, true);
      add('Scope', c.scope);
    }
    if (demo && state.demo) renderCounters(state.demo);
    renderLibrary(state.library);
    renderBudget(state.library && state.library.budget, demo && state.demo);
  }

  function renderBudget(b, d) {
    const group = $('budget-group');
    group.hidden = !b;
    if (!b) return;
    $('budget-rate').textContent = b.describe;
    const t = now();
    const pausedLeft = b.paused_until ? b.paused_until - t : 0;
    const nextIn = b.next_slot ? b.next_slot - t : 0;
    const items = [
      ['Used / limit', b.used + ' / ' + b.limit, 'in the current window'],
      ['Paused', pausedLeft > 0 ? fmt(pausedLeft) : 'no',
        pausedLeft > 0 ? 'the provider said Retry-After' : 'by a 429/503 Retry-After'],
      ['Next slot', nextIn > 0 ? 'in ' + fmt(nextIn) : 'free now', ''],
      ['Queued', b.queued, b.waiting + ' callers waiting'],
      ['Sent', b.sent, 'through the budget'],
      ['Deferred', b.deferred, 'refreshes ahead of expiry'],
      ['Refused', b.refused, 'callers past the wait'],
    ];
    if (d && d.rate_limit) {
      items.push(['Provider 429s', d.rate_limited, 'limit ' + d.rate_limit]);
    }
    counterBox($('budget'), items);
  }

  function counterBox(box, items) {
    box.replaceChildren();
    for (const [label, value, small] of items) {
      const c = el('div', {class: 'counter', 'data-counter': label});
      c.append(el('span', {}, label), el('b', {}, String(value)));
      if (small) c.append(el('small', {}, small));
      box.append(c);
    }
  }

  function renderLibrary(l) {
    if (!l) {
      counterBox($('library'), [['Token requests', '—', 'no token yet']]);
      return;
    }
    counterBox($('library'), [
      ['Token requests', l.requests, 'retries included'],
      ['Refreshes', l.refreshes, 'with the refresh token'],
      ['Sign-ins', l.acquisitions, 'with the primary grant'],
      ['Callers waited', l.waits, 'for a token request'],
      ['401s reported', l.rejections, 'by the resource API'],
      ['Failures', l.failures, 'after retries'],
      ['Keys', l.keys, 'endpoint ids held'],
    ]);
  }

  function hostOf(url) {
    try { return new URL(url).host; } catch (e) { return url || '?'; }
  }

  function renderCounters(d) {
    const box = $('counters');
    const byGrant = Object.entries(d.token_requests || {})
      .map(([g, n]) => g.replace('urn:ietf:params:oauth:grant-type:', '') + ' ' + n).join(' · ');
    const reasons = Object.entries(d.api_401_by_reason || {}).map(([r, n]) => r + ' ' + n).join(' · ');
    counterBox(box, [
      ['Token requests', d.token_requests_total, byGrant],
      ['Refreshes', d.refreshes, 'refresh_token grants'],
      ['API calls OK', d.api_ok, 'of ' + d.api_calls],
      ['API 401s', d.api_401, reasons],
      ['503 answers', d.unavailable, 'token endpoint failing'],
      ['invalid_grant', d.invalid_grant, 'refresh token reuse ' + d.refresh_token_reuse],
      ['Active sessions', d.active_sessions, ''],
      ['ID tokens', d.id_tokens_issued || 0, 'signed, for sign-ins'],
      ['Revocations', d.revocations || 0, 'RFC 7009, at sign-out'],
      ['Back-channel logouts', d.back_channel_logouts || 0, 'end-session ' + (d.end_session_requests || 0)],
    ]);
  }

  function updateFailing(t) {
    const box = $('failing');
    const until = state && state.demo && state.demo.token_endpoint_failing_until;
    const left = until ? Date.parse(until) - t : 0;
    box.hidden = !(left > 0);
    if (left > 0) box.textContent = 'failing with 503 · ' + fmt(left) + ' left';
  }

  // ---------------------------------------------------------------------------------------
  // Cards

  function card(id) {
    let c = cards.get(id);
    if (c) return c;
    const node = $('card-template').content.firstElementChild.cloneNode(true);
    const f = {};
    for (const n of node.querySelectorAll('[data-f]')) f[n.dataset.f] = n;
    const a = {};
    for (const n of node.querySelectorAll('[data-a]')) a[n.dataset.a] = n;
    node.dataset.endpoint = id;
    const device = own.get(id);
    if (device) {
      node.dataset.device = device;
      f.id.replaceChildren(document.createTextNode(device + ' '), el('small', {}, id));
    } else {
      // Another browser's key: shown, but this page cannot call with it.
      node.classList.add('other');
      f.id.replaceChildren(document.createTextNode(id + ' '), el('small', {}, 'another browser'));
      a.call.hidden = true;
      a.traffic.hidden = true;
    }
    a.call.addEventListener('click', () => call(id));
    a.reject.addEventListener('click', async () => {
      a.reject.disabled = true;
      await control('/reject?endpoint_id=' + encodeURIComponent(id));
      await call(id);   // watch the 401 recovery at once
      a.reject.disabled = false;
    });
    a.traffic.addEventListener('click', () => {
      if (paused.has(id)) { paused.delete(id); nextCall.set(id, 0); } else paused.add(id);
    });
    c = {node, f, a};
    cards.set(id, c);
    // This browser's devices first, in the order they were added; other browsers' after them.
    $('cards').insertBefore(node, device ? $('cards').querySelector('.card.other') : null);
    return c;
  }

  function meter(fill, label, remaining, total, colored) {
    if (remaining === null) {
      label.textContent = 'not enforced';
      fill.style.width = '0';
      return;
    }
    const frac = total > 0 ? clamp01(remaining / total) : 0;
    label.textContent = remaining > 0 ? fmt(remaining) : 'passed';
    fill.style.width = (frac * 100).toFixed(2) + '%';
    if (colored) {
      fill.classList.toggle('mid', frac <= 0.5 && frac > 0.2);
      fill.classList.toggle('low', frac <= 0.2);
    }
  }

  function updateCards(t) {
    for (const id of endpointIds()) {
      const {node, f, a} = card(id);
      const e = serverEndpoint(id);
      a.reject.hidden = !(state.config && state.config.mode === 'demo') || !own.has(id);
      a.traffic.textContent = paused.has(id) ? 'Resume traffic' : 'Pause traffic';
      a.traffic.classList.toggle('on', paused.has(id));
      if (!e) continue;

      const s = e.session || {};
      f.session.textContent = s.id ? 'session ' + s.id.slice(0, 8) : '';
      node.classList.toggle('ended', !!s.ended);
      if (e.token) {
        f.masked.textContent = e.token.masked;
        f.fingerprint.replaceChildren(document.createTextNode('#'), el('b', {}, e.token.fingerprint));
        if (e.token.from_store) f.fingerprint.append(document.createTextNode(' · from the shared store'));
        const remaining = e.token.expires_at - t;
        meter(f['ttl-bar'], f.ttl, remaining, e.token.expires_at - e.token.issued_at, true);
        if (remaining <= 0) f.ttl.textContent = 'expired';
        f.ttl.dataset.remaining = String(Math.round(remaining));
        if (!f.ttl.dataset.first) f.ttl.dataset.first = String(Math.round(remaining));
        f.ttl.dataset.fingerprint = e.token.fingerprint;
      }
      f.refreshes.textContent = String(e.refresh_count);
      f.rejections.textContent = String(e.rejections);
      f.failures.textContent = String(e.failures);
      if (e.last_refresh) {
        const [label, color] = CAUSES[e.last_refresh.cause] || [e.last_refresh.label, '#868e96'];
        const chip = el('span', {class: 'cause', style: 'color:' + color + ';background:' + color + '1f'}, label);
        f.last.replaceChildren(document.createTextNode(clock(e.last_refresh.at)), chip);
        f.last.dataset.cause = e.last_refresh.cause;
      }

      const idle = s.idle_deadline ? s.idle_deadline - t : null;
      meter(f['idle-bar'], f.idle, idle, (s.idle_timeout || 0) * 1000, false);
      const abs = s.absolute_deadline ? s.absolute_deadline - t : null;
      let total = 0;
      if (s.absolute_deadline) {
        if (state.config.session_ttl) {
          total = state.config.session_ttl * 1000;
        } else {
          const seen = sessionTotals.get(id);
          if (!seen || seen.deadline !== s.absolute_deadline) {
            sessionTotals.set(id, {deadline: s.absolute_deadline, total: Math.max(abs, 1)});
          }
          total = sessionTotals.get(id).total;
        }
      }
      meter(f['abs-bar'], f.abs, abs, total, false);

      let note = '';
      let bad = false;
      const fail = e.last_failure;
      if (s.ended) {
        note = 'The provider session has ended and could not be renewed.';
        bad = true;
      } else if (fail && t - fail.at < 15000) {
        note = fail.still_serving
          ? 'Token endpoint failing — the current token stays in service while the refresh backs off.'
          : 'Token request failed: ' + fail.message;
        bad = !fail.still_serving;
      } else if (retrying(id, t)) {
        const n = retrying(id, t);
        note = 'Token endpoint answering 503 — ' + n + (n === 1 ? ' attempt' : ' attempts')
          + ' so far, retried with backoff; the current token stays in service.';
      } else if (idle !== null && idle <= 0) {
        note = 'Idle deadline passed: the provider ended the session. The next call signs in again.';
      } else if (e.token && e.token.expires_at <= t) {
        note = 'The token expired unused; the next call gets a new one.';
      } else if (s.ending) {
        note = 'The provider session ends soon.';
      }
      f.note.textContent = note;
      f.note.classList.toggle('bad', bad);

      renderCall(f.call, lastCall.get(id), e.calls);
    }
  }

  /** 503s from the provider since this endpoint's last successful token request, if recent. */
  function retrying(id, t) {
    const log = providerRequests(id);
    let n = 0;
    for (let i = log.length - 1; i >= 0 && log[i].status === 503; i--) n++;
    return n && t - log[log.length - 1].at < 30000 ? n : 0;
  }

  function renderCall(box, mine, server) {
    box.replaceChildren();
    if (mine) {
      const ok = mine.status >= 200 && mine.status < 300;
      const body = mine.body || {};
      box.append(el('span', {}, 'Last call '), el('span', {class: 'st ' + (ok ? 'ok' : 'bad')},
        mine.status ? String(mine.status) : 'failed'));
      let detail = ' · ' + (mine.ms !== undefined ? mine.ms + ' ms · ' : '') + ago(mine.at);
      if (ok && body.api && body.api.name) detail += ' · API answered for ' + body.api.name;
      if (!ok && (body.error_description || body.error)) detail += ' · ' + (body.error_description || body.error);
      box.append(document.createTextNode(detail));
    } else if (server && server.last_at) {
      box.append(document.createTextNode('Last call ' + (server.last_status || 'failed') + ' · ' + ago(server.last_at)));
    } else {
      box.append(el('i', {}, 'no call yet'));
    }
    if (server) box.append(document.createTextNode(' · ' + server.ok + ' ok, ' + server.failed + ' failed'));
  }

  // ---------------------------------------------------------------------------------------
  // Timeline

  const TICK_STEPS = [5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3];

  function drawChart(t) {
    const chart = $('chart');
    const ids = endpointIds().filter((id) => serverEndpoint(id));
    const W = Math.max(chart.clientWidth || 0, 600);
    const laneH = 62, top = 22, axisH = 22, left = 96, right = 12;
    const H = top + Math.max(ids.length, 1) * laneH + axisH;
    chart.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    chart.setAttribute('height', String(H));
    chart.replaceChildren();

    let life = 60e3;
    for (const id of ids) {
      const tk = serverEndpoint(id).token;
      if (tk) life = Math.max(life, tk.expires_at - tk.issued_at);
    }
    // A fixed scale; "now" sits at 65% of the width once there is enough history, and before
    // that the window starts at the first event, so the coming deadlines show instead of an
    // empty past.
    const span = Math.min(Math.max(life * 5, 300e3), 6 * 3600e3);
    let earliest = t;
    for (const id of ids) {
      const first = (serverEndpoint(id).timeline || [])[0];
      if (first) earliest = Math.min(earliest, first.at);
    }
    const t0 = Math.max(t - span * 0.65, earliest - span * 0.04);
    const t1 = t0 + span;
    const plotW = W - left - right;
    const x = (ms) => left + ((ms - t0) / (t1 - t0)) * plotW;

    const defs = svg('defs');
    const clip = svg('clipPath', {id: 'plot'});
    clip.append(svg('rect', {x: left, y: 0, width: plotW, height: H}));
    defs.append(clip);
    chart.append(defs);

    const step = TICK_STEPS.find((s) => span / s <= 9) || TICK_STEPS[TICK_STEPS.length - 1];
    for (let g = Math.ceil(t0 / step) * step; g <= t1; g += step) {
      chart.append(svg('line', {class: 'grid', x1: x(g), x2: x(g), y1: top - 6, y2: H - axisH}));
      chart.append(svg('text', {x: x(g), y: H - 6, 'text-anchor': 'middle'}, clock(g)));
    }

    if (!ids.length) {
      chart.append(svg('text', {x: left + plotW / 2, y: top + laneH / 2, 'text-anchor': 'middle'},
        'waiting for the first token…'));
    }

    const plot = svg('g', {'clip-path': 'url(#plot)'});
    ids.forEach((id, i) => {
      const e = serverEndpoint(id);
      const y = top + i * laneH;
      chart.append(svg('rect', {x: 0, y: y, width: W, height: laneH, fill: i % 2 ? '#fbfcfe' : '#ffffff'}));
      chart.append(svg('text', {class: 'lane-label', x: 8, y: y + laneH / 2 + 4}, id.length > 13 ? id.slice(0, 12) + '…' : id));
      const events = e.timeline || [];
      const tokens = events.filter((v) => v.type === 'token' || v.type === 'shared_token');
      const barY = y + 16, barH = 14;
      tokens.forEach((tk, k) => {
        const next = tokens[k + 1];
        const used = next ? Math.min(next.at, tk.expires_at) : tk.expires_at;
        plot.append(svg('rect', {class: 'life', x: x(tk.at), y: barY, width: Math.max(1, x(used) - x(tk.at)),
          height: barH, rx: 3, fill: k % 2 ? '#748ffc' : '#4c6ef5', 'fill-opacity': next ? 0.75 : 0.95}));
        if (next && next.cause === 'AHEAD_OF_EXPIRY' && next.at < tk.expires_at) {
          // Refreshed ahead of expiry, the old token is still valid until it expires: a thin tail
          // under the bar. (After a 401 or a session end it is not.)
          plot.append(svg('rect', {class: 'spare', x: x(next.at), y: barY + barH + 3, width: Math.max(1, x(tk.expires_at) - x(next.at)),
            height: 4, rx: 2, fill: '#4c6ef5', 'fill-opacity': 0.28}));
        }
      });
      for (const v of events) {
        const cx = x(v.at);
        if (v.type === 'token') {
          const color = (CAUSES[v.cause] || ['', '#868e96'])[1];
          const dot = svg('circle', {class: 'refresh', cx: cx, cy: barY + barH / 2, r: 5.5, fill: color, stroke: '#fff', 'stroke-width': 1.5});
          dot.append(svg('title', {}, (CAUSES[v.cause] || [v.cause])[0] + ' · ' + clock(v.at) + ' · #' + v.fingerprint));
          plot.append(dot);
        } else if (v.type === 'shared_token') {
          // Another instance requested it; this one read it from the shared store.
          const dot = svg('circle', {class: 'shared', cx: cx, cy: barY + barH / 2, r: 4.5, fill: '#fff', stroke: '#4c6ef5', 'stroke-width': 2});
          dot.append(svg('title', {}, 'from the shared store · ' + clock(v.at) + ' · #' + v.fingerprint));
          plot.append(dot);
        } else if (v.type === 'rejected') {
          const g = svg('g', {class: 'rejected', stroke: '#e03131', 'stroke-width': 2.2, 'stroke-linecap': 'round'});
          g.append(svg('line', {x1: cx - 4, y1: y + 5, x2: cx + 4, y2: y + 13}), svg('line', {x1: cx - 4, y1: y + 13, x2: cx + 4, y2: y + 5}));
          g.append(svg('title', {}, '401 · ' + clock(v.at)));
          plot.append(g);
        } else if (v.type === 'failure') {
          const p = svg('path', {class: 'failure', d: `M${cx - 4.5} ${y + 4} h9 l-4.5 8 z`, fill: '#f08c00'});
          p.append(svg('title', {}, (v.still_serving ? 'refresh failed, old token in service' : 'token request failed') + ' · ' + clock(v.at)));
          plot.append(p);
        } else if (v.type === 'budget_deferred') {
          // The token budget had no free slot: an hourglass where the request queued.
          const g = svg('path', {class: 'deferred', d: `M${cx - 4} ${y + 4} h8 l-8 8 h8 z`, fill: '#ae3ec9'});
          g.append(svg('title', {}, 'no budget slot: ' + (v.cause === 'AHEAD_OF_EXPIRY'
            ? 'refresh deferred, old token in service' : 'caller queued') + ' · next slot '
            + clock(v.next_slot) + ' · ' + clock(v.at)));
          plot.append(g);
        } else if (v.type === 'call') {
          plot.append(svg('line', {class: 'call', x1: cx, x2: cx, y1: y + laneH - 6, y2: y + laneH - 1,
            stroke: v.status >= 200 && v.status < 300 ? '#2f9e44' : '#e03131', 'stroke-width': 1.5}));
        } else if (v.type === 'session_ended') {
          plot.append(svg('path', {class: 'ended', d: `M${cx} ${y + 15} l8 8 l-8 8 l-8 -8 z`, fill: '#1c2333'}));
        }
      }
      for (const r of providerRequests(id)) {
        const color = r.status === 200 ? '#adb5bd' : r.status === 503 ? '#f08c00'
          : r.status === 429 ? '#ae3ec9' : '#e03131';
        const dot = svg('circle', {class: 'provider-request', cx: x(r.at), cy: y + 45, r: 3.2, fill: color});
        dot.append(svg('title', {}, r.grant + ' → ' + r.status + (r.error ? ' ' + r.error : '') + ' · ' + clock(r.at)));
        plot.append(dot);
      }
      const s = e.session || {};
      if (s.idle_deadline) {
        plot.append(svg('line', {class: 'deadline idle', x1: x(s.idle_deadline), x2: x(s.idle_deadline), y1: y + 4, y2: y + laneH - 4,
          stroke: '#1c7ed6', 'stroke-dasharray': '4 3', 'stroke-width': 1.5}));
      }
      if (s.absolute_deadline) {
        plot.append(svg('line', {class: 'deadline abs', x1: x(s.absolute_deadline), x2: x(s.absolute_deadline), y1: y + 4, y2: y + laneH - 4,
          stroke: '#7048e8', 'stroke-dasharray': '2 2', 'stroke-width': 2}));
      }
    });
    chart.append(plot);
    chart.append(svg('line', {class: 'now', x1: x(t), x2: x(t), y1: top - 10, y2: H - axisH}));
    chart.append(svg('text', {x: x(t), y: top - 10 + 0, 'text-anchor': 'middle', style: 'fill:#1c2333;font-weight:600'}, 'now'));
  }

  function providerRequests(id) {
    return (state && state.demo && state.demo.requests && state.demo.requests[id]) || [];
  }

  function legend() {
    const box = $('legend');
    const item = (node, label, demoOnly) => {
      const li = el('li', demoOnly ? {class: 'demo-only'} : {});
      li.hidden = !!demoOnly;
      li.append(node, document.createTextNode(label));
      box.append(li);
    };
    item(el('i', {class: 'bar', style: 'background:#4c6ef5;opacity:.85'}), 'token in use');
    item(el('i', {class: 'bar', style: 'background:#4c6ef5;opacity:.3;height:4px'}), 'replaced, still valid');
    for (const [label, color] of Object.values(CAUSES)) item(el('i', {style: 'background:' + color}), label);
    item(el('i', {style: 'background:transparent;color:#e03131;font-style:normal;width:auto;height:auto;font-weight:700'}, '×'), '401');
    item(el('i', {style: 'background:#f08c00;border-radius:0;clip-path:polygon(0 0,100% 0,50% 100%)'}), 'refresh failed');
    item(el('i', {style: 'background:#adb5bd;width:7px;height:7px'}), 'token request', true);
    item(el('i', {style: 'background:#f08c00;width:7px;height:7px'}), '503, retried', true);
    item(el('i', {class: 'bar', style: 'background:#2f9e44;width:2px;height:9px;border-radius:0'}), 'API call');
    item(el('i', {class: 'bar', style: 'background:repeating-linear-gradient(90deg,#1c7ed6 0 4px,transparent 4px 7px);height:2px'}), 'idle deadline');
    item(el('i', {class: 'bar', style: 'background:repeating-linear-gradient(90deg,#7048e8 0 2px,transparent 2px 4px);height:2px'}), 'session end');
  }

  // ---------------------------------------------------------------------------------------

  function tick() {
    ticks++;
    const t = now();
    $('clock').textContent = clock(t);
    for (const device of local) {
      if (![...own.values()].includes(device)) register(device);
    }
    for (const id of own.keys()) {
      if (paused.has(id) || inFlight.has(id)) continue;
      if ((nextCall.get(id) || 0) <= Date.now()) {
        nextCall.set(id, Date.now() + TRAFFIC_MS);
        call(id);
      }
    }
    if (state) {
      updateCards(t);
      updateFailing(t);
      if (ticks % 2 === 0) drawChart(t);
    }
  }

  $('fail').addEventListener('click', () => control('/fail?seconds=' + FAIL_SECONDS));
  $('add').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $('add-id');
    const id = input.value.trim();
    if (!DEVICE_RULE.test(id)) { input.setCustomValidity('letters, digits, _ and -, up to 40'); input.reportValidity(); return; }
    input.setCustomValidity('');
    local.add(id);
    register(id);
    input.value = '';
  });
  legend();
  poll();
  setInterval(tick, TICK_MS);
})();
