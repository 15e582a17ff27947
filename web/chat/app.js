// The gateway's web chat page: plain browser JavaScript, no build step. It talks to the same
// API as any client (docs/gateway.md): the token goes in the Authorization header, so events are
// read with fetch() rather than EventSource (which cannot send headers).

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'exoclaw-gateway-token';

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  session: undefined,
  /** seq of the last event shown: where a reconnect resumes (Last-Event-ID) */
  lastSeq: 0,
  follow: undefined,
  /** turnId → { bubble, steps: Map(step → { attempt, span }), tools: Map(callId → element) } */
  turns: new Map(),
  running: false,
};

async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    signOut('The token was refused; sign in again.');
    throw new Error('unauthorised');
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined;
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

// ---- sign-in ----

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  state.token = $('token').value.trim();
  $('sign-in-error').textContent = '';
  try {
    await showChat();
    sessionStorage.setItem(TOKEN_KEY, state.token);
  } catch (error) {
    if (error.message !== 'unauthorised') $('sign-in-error').textContent = error.message;
  }
});

$('sign-out').addEventListener('click', () => signOut(''));

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = '';
  state.follow?.abort();
  $('chat').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
}

async function showChat() {
  await refreshSessions();
  $('sign-in').hidden = true;
  $('chat').hidden = false;
  const fromHash = decodeURIComponent(location.hash.slice(1));
  if (fromHash) await openSession(fromHash);
}

// ---- sessions ----

async function refreshSessions() {
  const { sessions } = await api('/v1/sessions');
  const list = $('sessions');
  list.replaceChildren(
    ...sessions.map((s) => {
      const item = document.createElement('li');
      item.textContent = s.id;
      item.title = `updated ${s.updatedAt}`;
      item.dataset.session = s.id;
      item.classList.toggle('active', s.id === state.session);
      item.addEventListener('click', () => void openSession(s.id).catch(showFailure));
      return item;
    }),
  );
}

$('new-session-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const id = $('new-session').value.trim();
  if (id) void openSession(id).catch(showFailure);
  $('new-session').value = '';
});

async function openSession(id) {
  state.follow?.abort();
  state.session = id;
  state.turns.clear();
  location.hash = encodeURIComponent(id);
  $('session-title').textContent = id;
  for (const item of $('sessions').children) item.classList.toggle('active', item.dataset.session === id);
  $('input').disabled = false;
  $('send').disabled = false;
  $('reload').disabled = false;
  await loadHistory();
}

/** Shows the session's stored history, then follows its events from now on. */
async function loadHistory() {
  const id = state.session;
  state.follow?.abort();
  state.turns.clear();
  const [history, status] = await Promise.all([api(`/v1/sessions/${encodeURIComponent(id)}/history`), api(`/v1/sessions/${encodeURIComponent(id)}`)]);
  if (id !== state.session) return;
  $('messages').replaceChildren();
  for (const message of history.messages) {
    if (message.role === 'user') addBubble('user', message.content);
    else if (message.role === 'assistant') {
      if (message.content) addBubble('assistant', message.content);
      for (const call of message.toolCalls ?? []) addTool(call.name, '').classList.add('done');
    }
  }
  setRunning(status.status?.state === 'running');
  state.lastSeq = status.lastEventSeq;
  void followEvents(id);
}

$('reload').addEventListener('click', () => void loadHistory().catch(showFailure));

// ---- sending and stopping ----

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('input').value;
  if (!text.trim() || !state.session) return;
  $('input').value = '';
  addBubble('user', text);
  try {
    await api(`/v1/sessions/${encodeURIComponent(state.session)}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text, wait: false, messageId: `web-${crypto.randomUUID()}` }),
    });
    refreshSessions().catch(() => undefined);
  } catch (error) {
    addBubble('error', `Not sent: ${error.message}`);
  }
});

$('input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').requestSubmit();
  }
});

$('stop').addEventListener('click', async () => {
  $('stop').disabled = true;
  try {
    await api(`/v1/sessions/${encodeURIComponent(state.session)}/stop`, { method: 'POST' });
  } catch (error) {
    addBubble('error', `Stop failed: ${error.message}`);
  } finally {
    $('stop').disabled = false;
  }
});

function setRunning(running) {
  state.running = running;
  $('stop').hidden = !running;
}

// ---- the event stream ----

/** Reads the SSE stream with fetch; on a drop it reconnects with Last-Event-ID, so nothing is lost or shown twice. */
async function followEvents(id) {
  const controller = new AbortController();
  state.follow = controller;
  let delay = 500;
  while (!controller.signal.aborted && id === state.session) {
    try {
      $('connection').textContent = 'live';
      const headers = { 'last-event-id': String(state.lastSeq) };
      if (state.token) headers.authorization = `Bearer ${state.token}`;
      const response = await fetch(`/v1/sessions/${encodeURIComponent(id)}/events`, { headers, signal: controller.signal });
      if (response.status === 401) return signOut('The token was refused; sign in again.');
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      delay = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (!data) continue;
          const event = JSON.parse(data);
          if (typeof event.seq === 'number') {
            if (event.seq <= state.lastSeq) continue;
            state.lastSeq = event.seq;
          }
          if (id === state.session) render(event);
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      $('connection').textContent = `reconnecting (${error.message})`;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

/** One renderer per event type; types this page does not know are skipped. */
const renderers = {
  turn_started(event) {
    turnOf(event.turnId);
    setRunning(true);
  },
  delta(event) {
    const turn = turnOf(event.turnId);
    let step = turn.steps.get(event.step);
    if (step && event.attempt < step.attempt) return;
    if (!step || event.attempt > step.attempt) step = restartStep(turn, event.step, event.attempt);
    step.span.textContent += event.text;
  },
  stream_restarted(event) {
    // The model call died mid-stream and starts over: drop what that attempt showed.
    restartStep(turnOf(event.turnId), event.step, event.attempt);
  },
  tool_started(event) {
    const turn = turnOf(event.turnId);
    turn.tools.set(event.callId, addTool(event.name, event.firstArg ?? ''));
    turn.bubble = undefined; // text after the tool goes in a new bubble
  },
  progress(event) {
    if (event.phase !== 'tool' || !event.callId) return;
    const tool = turnOf(event.turnId).tools.get(event.callId);
    if (tool && event.detail) tool.querySelector('.progress').textContent = event.detail;
  },
  tool_finished(event) {
    const tool = turnOf(event.turnId).tools.get(event.callId);
    if (!tool) return;
    tool.classList.add(event.isError ? 'failed' : 'done');
    tool.querySelector('.progress').textContent = event.preview;
  },
  reply(event) {
    const turn = event.turnId ? turnOf(event.turnId) : undefined;
    // The reply is the authoritative text: it replaces whatever the deltas built.
    if (event.content) {
      const bubble = turn?.bubble ?? addBubble('assistant', '');
      bubble.replaceChildren(document.createTextNode(event.content));
      bubble.dataset.status = event.status;
    }
  },
  message(event) {
    addBubble('message', event.content, event.fromSessionId ? `message from ${event.fromSessionId}` : 'message');
  },
  async_reply(event) {
    addBubble('async', event.content, `${event.source}${event.sourceId ? ` ${event.sourceId}` : ''}`);
  },
  error(event) {
    addBubble('error', event.message + (event.retrying ? ' (retrying)' : ''));
  },
  turn_finished(event) {
    setRunning(false);
    if (event.status === 'stopped') addBubble('error', 'Stopped.');
    refreshSessions().catch(() => undefined);
  },
  // approval_requested: show a prompt with Approve / Deny in #approvals (showApproval), once the API has it.
};

function render(event) {
  renderers[event.type]?.(event);
  $('messages').lastElementChild?.scrollIntoView({ block: 'end' });
}

function turnOf(turnId) {
  let turn = state.turns.get(turnId);
  if (!turn) {
    turn = { bubble: undefined, steps: new Map(), tools: new Map() };
    state.turns.set(turnId, turn);
  }
  return turn;
}

function restartStep(turn, stepId, attempt) {
  turn.bubble ??= addBubble('assistant', '');
  const old = turn.steps.get(stepId);
  if (old && attempt <= old.attempt) return old;
  const span = old?.span ?? turn.bubble.appendChild(document.createElement('span'));
  span.textContent = '';
  const step = { attempt, span };
  turn.steps.set(stepId, step);
  return step;
}

// ---- DOM helpers ----

function showFailure(error) {
  if (error.message !== 'unauthorised') addBubble('error', error.message);
}

function addBubble(kind, text, label) {
  const item = document.createElement('li');
  item.className = `msg ${kind}`;
  if (label) {
    const tag = document.createElement('span');
    tag.className = 'label';
    tag.textContent = label;
    item.append(tag);
  }
  item.append(document.createTextNode(text));
  $('messages').append(item);
  return item;
}

function addTool(name, firstArg) {
  const item = document.createElement('li');
  item.className = 'tool';
  item.append(document.createTextNode(`⚙ ${name}${firstArg ? ` ${firstArg}` : ''}`));
  const progress = document.createElement('span');
  progress.className = 'progress';
  progress.textContent = 'running…';
  item.append(progress);
  $('messages').append(item);
  return item;
}

if (state.token || sessionStorage.getItem(TOKEN_KEY) !== null) showChat().catch(() => undefined);
