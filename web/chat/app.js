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
  // Calls still waiting for a person (their approval_requested events are behind lastSeq).
  const { approvals } = await api(`/v1/sessions/${encodeURIComponent(id)}/approvals`);
  if (id === state.session) for (const approval of approvals) showApproval(approval);
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
    settleApprovalOf(event.callId, 'Answered: the call runs.');
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
    settleApprovalOf(event.callId, 'Answered.');
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
  approval_requested(event) {
    showApproval({ id: event.approvalId, tool: event.tool, args: event.args, reason: event.reason, grantScope: event.grantScope, toolCallId: event.callId });
  },
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

// ---- approvals: a tool call waiting for a person ----

/** The shown approval cards by approval id (cleared with the messages). */
const approvalCards = new Map();

/** A card with the waiting call, the rule's reason, and Allow once / Allow for session / Deny. */
function showApproval(approval) {
  const existing = approvalCards.get(approval.id);
  if (existing?.isConnected) return existing;
  const card = document.createElement('li');
  card.className = 'approval waiting';
  card.dataset.approvalId = approval.id;
  card.dataset.callId = approval.toolCallId ?? '';
  const title = document.createElement('strong');
  title.textContent = `Approval needed: ${approval.tool}`;
  const args = document.createElement('code');
  args.className = 'args';
  args.textContent = summary(approval.args);
  args.title = approval.args;
  card.append(title, args);
  if (approval.reason) {
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.textContent = approval.reason;
    card.append(reason);
  }
  const actions = document.createElement('div');
  actions.className = 'actions';
  const denyReason = document.createElement('input');
  denyReason.className = 'deny-reason';
  denyReason.placeholder = 'reason (optional, the model reads it)';
  denyReason.setAttribute('aria-label', 'reason for denying');
  const button = (label, decision, hint) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.decision = decision;
    if (hint) b.title = hint;
    b.addEventListener('click', () => void decide(card, approval, decision, denyReason.value.trim()));
    return b;
  };
  actions.append(
    button('Allow once', 'allow'),
    button('Allow for session', 'allow_session', `Also allows later calls like it in this session: ${approval.grantScope}`),
    denyReason,
    button('Deny', 'deny'),
  );
  const status = document.createElement('span');
  status.className = 'status';
  card.append(actions, status);
  $('messages').append(card);
  card.scrollIntoView({ block: 'end' });
  approvalCards.set(approval.id, card);
  return card;
}

const DECIDED = { allow: 'Allowed once', allow_session: 'Allowed for this session', deny: 'Denied' };

async function decide(card, approval, decision, reason) {
  for (const b of card.querySelectorAll('button, input')) b.disabled = true;
  // This page's answer settles the card (it names who decided): a tool_started event that comes
  // back before the answer to the POST must not settle it first.
  card.dataset.deciding = 'true';
  const body = { decision, ...(decision === 'deny' && reason ? { reason } : {}) };
  try {
    const answer = await api(`/v1/sessions/${encodeURIComponent(state.session)}/approvals/${encodeURIComponent(approval.id)}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    settleApproval(card, `${DECIDED[decision]} by ${answer.by}${body.reason ? ` (${body.reason})` : ''}.`, decision === 'deny' ? 'denied' : 'allowed');
  } catch (error) {
    if (error.message === 'unauthorised') return;
    // 404: answered elsewhere, timed out or stopped; anything else may be tried again.
    if (/No call of session/.test(error.message)) settleApproval(card, 'No longer waiting (answered elsewhere, timed out or stopped).', 'gone');
    else {
      delete card.dataset.deciding;
      card.querySelector('.status').textContent = `Not sent: ${error.message}`;
      for (const b of card.querySelectorAll('button, input')) b.disabled = false;
    }
  }
}

function settleApproval(card, text, kind) {
  if (!card.classList.contains('waiting')) return;
  card.classList.remove('waiting');
  card.classList.add(kind);
  card.querySelector('.actions')?.remove();
  card.querySelector('.status').textContent = text;
}

/** A call that starts or ends was answered, here or elsewhere (another tab, the CLI, chat). */
function settleApprovalOf(callId, text) {
  for (const card of approvalCards.values()) {
    if (card.dataset.callId === callId && card.classList.contains('waiting') && !card.dataset.deciding) settleApproval(card, text, 'allowed');
  }
}

/** The arguments, short enough for one line. */
function summary(args) {
  const text = String(args ?? '');
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
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
