// Postroom's pages, live. The server renders every page (Qute); htmx swaps in parts of it (search, folders, pager,
// today's summary); this file applies live events (docs/events.md) to what is on the page. Events arrive over
// Server-Sent Events from /events/...; each carries its stream id, which the page remembers so that a reconnect
// resumes exactly after the last event it applied (no gap, no repeat).
(() => {
  'use strict';

  const MESSAGE_PAGE_SIZE = 100; // MailboxViews.PAGE_SIZE
  const ACTIVITY_KEPT = 20;

  /**
   * Delays measured in this browser, for the performance note and the browser tests: from the event's append on
   * Redis (the milliseconds in its stream id) and from its arrival here, to the change of the page.
   */
  const timings = window.postroomTimings = [];

  // ---- Following an event stream -------------------------------------------------------------------------------

  /**
   * Opens {url} and calls handlers[type](data) for each event. The page's first connection names the newest event
   * the page was rendered with (lastEventId in the query); the browser's EventSource then reconnects by itself with
   * the Last-Event-ID header. When it gives up (an error answer, e.g. during a restart), a new one is opened after a
   * pause, again naming the last event applied.
   */
  function follow(url, lastEventId, handlers, liveDot) {
    let lastId = lastEventId || '';
    const open = () => {
      const source = new EventSource(url + (lastId ? '?lastEventId=' + encodeURIComponent(lastId) : ''));
      source.onopen = () => liveDot && liveDot.classList.add('live');
      source.onerror = () => {
        if (liveDot) liveDot.classList.remove('live');
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 3000);
      };
      // The server no longer keeps all that happened since lastId (a long sleep, or a flood of changes): load afresh.
      // A page that was just loaded says so instead, so that a flood can't make it reload over and over.
      source.addEventListener('reset', (event) => {
        lastId = event.lastEventId || lastId;
        if (performance.now() > 30000) {
          location.reload();
        } else {
          const notice = document.getElementById('reset-notice');
          if (notice) notice.hidden = false;
        }
      });
      for (const [type, handle] of Object.entries(handlers)) {
        source.addEventListener(type, (event) => {
          const arrived = performance.now();
          lastId = event.lastEventId || lastId;
          handle(JSON.parse(event.data));
          const appendedAt = Number(String(event.lastEventId).split('-')[0]);
          timings.push({ type, id: event.lastEventId, sinceRedisMs: Date.now() - appendedAt,
                         sinceArrivalMs: performance.now() - arrived });
          if (timings.length > 1000) timings.shift();
        });
      }
    };
    open();
  }

  // ---- Small DOM helpers ---------------------------------------------------------------------------------------

  const field = (root, name) => root.querySelector(`[data-field="${name}"]`);
  const setText = (root, name, text) => { const el = field(root, name); if (el) el.textContent = text ?? ''; };

  /** Times as the server writes them: "2026-11-22 09:30 UTC". */
  const formatTime = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : '');

  /** A brief highlight of what just changed. */
  function flash(el) {
    el.classList.remove('flash');
    void el.offsetWidth; // restarts the animation when the same element changes twice in a row
    el.classList.add('flash');
  }

  function cloneTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  /** Runs fn at most once per ms, the last call included (for refetches that many events may ask for). */
  function throttled(fn, ms) {
    let timer = null;
    return () => { if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms); };
  }

  // ---- Sync status (the 'sync' events of a mailbox) --------------------------------------------------------------

  const PHASE_TEXT = {
    initial: 'Reading the mailbox for the first time',
    incremental: 'Up to date, following changes',
    waiting: 'Waiting: Outlook asked us to slow down',
    failed: 'Sync failed',
    needs_relink: "Outlook no longer accepts Postroom's sign-in",
    pending: 'Waiting for the first sync to start',
  };
  const WHAT_TO_DO = {
    needs_relink: 'The sign-in was revoked or expired (a changed password, for example). Link the mailbox again.',
    failed: 'Postroom tries again by itself. If this keeps happening, link the mailbox again.',
  };

  function showSync(panel, sync) {
    if (panel.dataset.phase !== sync.phase) flash(panel); // a new phase is news; progress alone is not
    panel.dataset.phase = sync.phase;
    setText(panel, 'phase', sync.phase);
    setText(panel, 'phaseText', PHASE_TEXT[sync.phase] || sync.phase);
    // 100 % only once the first copy is complete (as MailboxViews.SyncView renders it): the estimate can be
    // reached while the last folder is still being read.
    const percent = sync.phase === 'incremental' ? 100
      : sync.messagesEstimated > 0 ? Math.min(99, Math.floor(sync.messagesIndexed * 100 / sync.messagesEstimated)) : 0;
    field(panel, 'progress').value = percent;
    setText(panel, 'percent', percent + ' %');
    setText(panel, 'messages', `${sync.messagesIndexed} of ${sync.messagesEstimated}`);
    setText(panel, 'folders', `${sync.foldersDone} of ${sync.foldersTotal}`);
    showWait(panel, sync.waitUntil ? Date.parse(sync.waitUntil) : 0);
    const problem = field(panel, 'problem');
    const broken = sync.error || sync.phase === 'failed' || sync.phase === 'needs_relink';
    problem.hidden = !broken;
    if (broken) {
      setText(panel, 'error', sync.error || PHASE_TEXT[sync.phase]);
      setText(panel, 'whatToDo', WHAT_TO_DO[sync.phase] || WHAT_TO_DO.failed);
      field(panel, 'relink').hidden = sync.phase !== 'needs_relink';
    }
  }

  /** "Outlook asked us to wait N s", counting down to the instant Outlook named. */
  function showWait(panel, until) {
    const line = field(panel, 'wait');
    clearInterval(panel.waitTimer);
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      line.hidden = seconds <= 0;
      setText(panel, 'waitSeconds', String(seconds));
      if (seconds <= 0) clearInterval(panel.waitTimer);
    };
    tick();
    if (!line.hidden) panel.waitTimer = setInterval(tick, 1000);
  }

  // ---- The mailbox data page ('message', 'folder', 'indexed' events) ----------------------------------------------

  /** What the list shows now (htmx replaces #messages when the search, folder or page changes). */
  function listView() {
    const list = document.getElementById('messages');
    return { folder: list.dataset.folderFilter, search: list.dataset.search, page: Number(list.dataset.page), list };
  }

  const messageRow = (id) => document.querySelector(`#message-rows tr[data-message-id="${CSS.escape(id)}"]:not(.leaving)`);
  const folderItem = (id) => document.querySelector(`#folders li[data-folder-id="${CSS.escape(id)}"]`);
  const folderName = (id) => (folderItem(id) || {}).dataset?.name;

  function fillMessage(row, m) {
    row.dataset.messageId = m.messageId;
    row.dataset.folderId = m.folderId;
    row.dataset.read = String(Boolean(m.isRead));
    row.dataset.flag = m.flagStatus || 'notFlagged';
    row.dataset.received = m.receivedAt || '';
    setText(row, 'subject', m.subject && m.subject.trim() ? m.subject : '(no subject)');
    setText(row, 'fromName', m.fromName);
    setText(row, 'fromAddress', m.fromAddress);
    setText(row, 'folderName', folderName(m.folderId) || m.folderName);
    const time = field(row, 'receivedAt');
    time.dateTime = m.receivedAt || '';
    time.textContent = formatTime(m.receivedAt);
  }

  function changeTotal(delta) {
    const total = document.getElementById('message-total');
    total.textContent = String(Math.max(0, Number(total.textContent) + delta));
  }

  function removeRow(row) {
    row.classList.add('leaving'); // fades out, then goes
    changeTotal(-1);
    setTimeout(() => row.remove(), 500);
  }

  /** A message that belongs in the list now: in place by received time, newest first. */
  function insertRow(m, view) {
    if (view.search || view.page !== 1) {
      // Whether it matches the search, or where it falls among older pages, only the server can tell.
      const notice = document.getElementById('list-notice');
      notice.textContent = 'New mail arrived: search again or go to the first page to see it.';
      notice.hidden = false;
      return;
    }
    const row = cloneTemplate('message-row-template');
    fillMessage(row, m);
    const rows = document.getElementById('message-rows');
    const before = [...rows.children].find((r) => (r.dataset.received || '') < (m.receivedAt || ''));
    rows.insertBefore(row, before || null);
    while (rows.children.length > MESSAGE_PAGE_SIZE) rows.lastElementChild.remove();
    changeTotal(+1);
    flash(row);
  }

  /** Applies a 'message' event to the list; {again}: one applied before, to a list that came after it. */
  function applyMessage(event, again) {
    const view = listView();
    const row = messageRow(event.messageId);
    const m = event.message;
    const subject = (m && m.subject) || (row && field(row, 'subject').textContent) || 'a message';
    if (event.change === 'deleted') {
      if (row) removeRow(row);
      if (!again) activity(`Deleted: ${subject}`);
      return;
    }
    const belongs = !view.folder || m.folderId === view.folder;
    if (row && belongs) {
      fillMessage(row, m);
      if (!again) flash(row);
    } else if (row) {
      removeRow(row); // moved out of the folder shown
    } else if (belongs && event.change !== 'updated') {
      insertRow(m, view); // new, or moved into the folder shown
    }
    if (!again) activity(describe(event, subject));
  }

  function describe(event, subject) {
    const m = event.message;
    if (event.change === 'created') return `New: ${subject}`;
    if (event.change === 'moved') return `Moved to ${folderName(m.folderId) || m.folderName || 'another folder'}: ${subject}`;
    const what = (event.changed || []).map((name) => {
      if (name === 'isRead') return m.isRead ? 'Read' : 'Unread';
      if (name === 'flagStatus') return m.flagStatus === 'flagged' ? 'Flagged' : m.flagStatus === 'complete' ? 'Flag completed' : 'Unflagged';
      return null;
    }).filter(Boolean);
    return `${what.length ? what.join(', ') : 'Changed'}: ${subject}`;
  }

  function applyFolder(event) {
    let item = folderItem(event.folderId);
    if (event.change === 'removed') {
      activity(`Folder removed: ${item ? item.dataset.name : event.folderId}`);
      if (item) item.remove();
      return;
    }
    const f = event.folder;
    if (!item) {
      item = cloneTemplate('folder-template');
      const base = document.getElementById('folders').dataset.base;
      const link = item.querySelector('a');
      const query = '?folder=' + encodeURIComponent(f.folderId);
      link.href = base + query;
      link.setAttribute('hx-get', base + '/messages' + query);
      document.getElementById('folders').append(item);
      htmx.process(item);
    }
    item.dataset.folderId = f.folderId;
    item.dataset.name = f.name;
    item.dataset.total = f.totalCount;
    item.dataset.unread = f.unreadCount;
    setText(item, 'name', f.name);
    setText(item, 'total', String(f.totalCount));
    setText(item, 'unread', String(f.unreadCount));
    flash(item);
  }

  function activity(text) {
    const feed = document.getElementById('activity');
    const entry = document.createElement('li');
    const time = document.createElement('time');
    time.textContent = new Date().toTimeString().slice(0, 8);
    entry.append(time, text);
    feed.prepend(entry);
    while (feed.children.length > ACTIVITY_KEPT) feed.lastElementChild.remove();
  }

  function mailboxPage(root) {
    const panel = root.querySelector('[data-sync-panel]');
    // While a folder is read the first time there is one 'indexed' event per page of it, not one per message:
    // the first page of the list is fetched again, at most every 1.5 s.
    const refreshList = throttled(() => {
      const view = listView();
      // X-Live-Refresh: the server then leaves the browser's history alone (it is the same list, newer).
      if (!view.search && view.page === 1) {
        htmx.ajax('GET', view.list.dataset.listHref, { target: '#messages', swap: 'outerHTML', headers: { 'X-Live-Refresh': 'true' } });
      }
    }, 1500);
    // A list from the server (search, folder, pager, the refresh above) shows the index as of its last refresh:
    // up to data-replay-ms behind the events. What arrived since then is applied to the new list again.
    const replayMs = Number(root.dataset.replayMs);
    const recent = [];
    let listAskedAt = 0;
    document.body.addEventListener('htmx:beforeRequest', (e) => {
      if (e.detail.target && e.detail.target.id === 'messages') listAskedAt = Date.now();
    });
    document.body.addEventListener('htmx:afterSwap', (e) => {
      if (!e.detail.target || e.detail.target.id !== 'messages') return;
      const since = listAskedAt - replayMs;
      recent.filter((r) => r.at >= since).forEach((r) => applyMessage(r.event, true));
    });
    follow(root.dataset.events, root.dataset.lastEventId, {
      sync: (sync) => showSync(panel, sync),
      message: (event) => {
        const now = Date.now();
        recent.push({ at: now, event });
        while (recent.length && recent[0].at < now - replayMs - 60000) recent.shift(); // a minute for slow requests
        applyMessage(event);
      },
      folder: applyFolder,
      indexed: refreshList,
    }, document.getElementById('live-status'));
  }

  // ---- The send console ('email' events of the caller's deliveries) -----------------------------------------------

  /**
   * Where an email is in its life, as one number that only grows: queued after a attempts = 2a, attempt a
   * sending = 2a - 1, its outcome = 2a - 0.5. With several instances, an older event may arrive after a newer one
   * (each instance announces its own steps): it is recognised and skipped.
   */
  const STEP = { queued: 0, sending: -1, retrying: -0.5, sent: -0.5, failed: -0.5 };
  const progressOf = (status, attempts) => 2 * attempts + (STEP[status] ?? 0);

  function applyEmail(email, rows, refreshSummary) {
    let row = rows.querySelector(`tr[data-email-id="${CSS.escape(email.id)}"]`);
    if (row && progressOf(email.status, email.attempts) <= progressOf(row.dataset.status, Number(row.dataset.attempts))) {
      return;
    }
    if (!row) {
      row = cloneTemplate('delivery-row-template');
      rows.prepend(row);
      while (rows.children.length > Number(rows.closest('table').dataset.shown)) rows.lastElementChild.remove();
    }
    row.dataset.emailId = email.id;
    row.dataset.status = email.status;
    row.dataset.attempts = String(email.attempts);
    setText(row, 'status', email.status);
    setText(row, 'to', (email.to || []).join(', '));
    setText(row, 'subject', email.subject);
    setText(row, 'attempts', String(email.attempts));
    const created = field(row, 'createdAt');
    created.dateTime = email.createdAt || '';
    created.textContent = formatTime(email.createdAt);
    setText(row, 'finished', formatTime(email.sentAt || email.failedAt));
    setText(row, 'error', email.error ? `${email.error.code ?? ''} ${email.error.message ?? ''}`.trim() : '');
    flash(row);
    refreshSummary();
  }

  const newIdempotencyKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  const addresses = (text) => text.split(',').map((a) => a.trim()).filter(Boolean);

  /**
   * Posts the form to POST /send as JSON, signed in by the session cookie (X-Requested-With: the API's CSRF rule).
   * One Idempotency-Key per email typed: sending the same form again after a network error can't send it twice.
   */
  async function send(form, result) {
    form.dataset.idempotencyKey ||= newIdempotencyKey();
    const body = { to: addresses(form.elements.to.value), subject: form.elements.subject.value, text: form.elements.text.value };
    const cc = addresses(form.elements.cc.value);
    if (cc.length) body.cc = cc;
    result.textContent = 'Sending…';
    try {
      const response = await fetch('/send', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'fetch', 'Idempotency-Key': form.dataset.idempotencyKey },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 202) {
        result.textContent = `Queued: ${answer.id}`;
        result.dataset.emailId = answer.id;
        form.reset();
        delete form.dataset.idempotencyKey;
      } else {
        result.textContent = answer.errors
          ? answer.errors.map((e) => `${e.field}: ${e.message}`).join('; ')
          : `${answer.detail || answer.title || 'Refused'} (${response.status})`;
      }
    } catch (e) {
      result.textContent = `Not sent: ${e.message}. Send again: it will not be sent twice.`;
    }
  }

  function consolePage(table) {
    const form = document.getElementById('send-form');
    const result = document.getElementById('send-result');
    form.addEventListener('input', () => delete form.dataset.idempotencyKey); // another email now
    form.addEventListener('submit', (event) => { event.preventDefault(); send(form, result); });
    const rows = document.getElementById('delivery-rows');
    const refreshSummary = throttled(() => htmx.ajax('GET', '/console/summary', { target: '#summary', swap: 'outerHTML' }), 300);
    follow(table.dataset.events, table.dataset.lastEventId, { email: (email) => applyEmail(email, rows, refreshSummary) },
      document.getElementById('live-status'));
  }

  /** After htmx shows another folder's list, the folder list marks it. */
  document.body.addEventListener('htmx:afterSwap', (event) => {
    if (event.detail.target.id !== 'messages' && event.detail.elt.id !== 'messages') return;
    const shown = listView().folder;
    document.querySelectorAll('#folders li').forEach((li) => li.classList.toggle('selected', li.dataset.folderId === shown));
  });

  // ---- Start ---------------------------------------------------------------------------------------------------

  const mailbox = document.getElementById('mailbox');
  if (mailbox) mailboxPage(mailbox);
  const linked = document.getElementById('linked');
  if (linked) {
    const panel = linked.querySelector('[data-sync-panel]');
    follow(linked.dataset.events, linked.dataset.lastEventId, { sync: (sync) => showSync(panel, sync) });
  }
  const deliveries = document.getElementById('deliveries');
  if (deliveries) consolePage(deliveries);
})();
