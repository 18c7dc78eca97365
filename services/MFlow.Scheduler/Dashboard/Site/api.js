// The HTTP API, as the dashboard calls it: every request carries the signed-in key as a Bearer
// token. The key lives in sessionStorage only: gone when the tab closes, never in a cookie (so no
// request can carry it without this code) and never in a URL.

const keyName = 'mflow.key';

export const session = {
  get key() { return sessionStorage.getItem(keyName); },
  signIn(key) { sessionStorage.setItem(keyName, key); },
  signOut() { sessionStorage.removeItem(keyName); },
};

/** An answer other than 2xx, with the problem details' title, detail and field errors as its message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(accept, extra = {}) {
  return { Authorization: `Bearer ${session.key}`, Accept: accept, ...extra };
}

async function failure(response) {
  let text = `${response.status} ${response.statusText}`;
  try {
    const problem = await response.json();
    const fields = Object.entries(problem.errors ?? {}).map(([field, messages]) => `${field}: ${[].concat(messages).join(' ')}`);
    text = [problem.title, problem.detail, ...fields].filter(Boolean).join(' ') || text;
  } catch {
    // Not problem details: the status says enough.
  }
  if (response.status === 401) window.dispatchEvent(new CustomEvent('mflow:unauthorized', { detail: text }));
  return new ApiError(response.status, text);
}

/** GET (or another method with an optional JSON body); resolves to the parsed JSON, or null for 204. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const init = { method, signal, cache: 'no-store', headers: headers('application/json') };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  return (response.headers.get('Content-Type') ?? '').includes('json') ? response.json() : response.text();
}

/**
 * Reads a streamed text answer (a task's log) chunk by chunk, calling onText with each; resolves
 * when the server ends it, rejects with an ApiError for a non-2xx answer.
 */
export async function streamText(path, onText, signal) {
  const response = await fetch(path, { signal, cache: 'no-store', headers: headers('text/plain') });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

/**
 * Reads a run's Server-Sent Events (GET /api/v1/runs/{id}/events) through fetch, which, unlike
 * EventSource, can send the Authorization header. With lastEventId it asks for the changes after
 * that id only. Calls onEvent({ id, type, data }) per event, data parsed from JSON; resolves when
 * the server ends the stream.
 */
export async function streamEvents(runId, lastEventId, onEvent, signal) {
  const extra = lastEventId === null || lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) };
  const response = await fetch(`/api/v1/runs/${encodeURIComponent(runId)}/events`,
    { signal, cache: 'no-store', headers: headers('text/event-stream', extra) });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, type: 'message', data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      if (line === '') {
        if (event.data.length > 0) onEvent({ id: event.id, type: event.type, data: JSON.parse(event.data.join('\n')) });
        event = { id: null, type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue; // a keep-alive comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') event.id = text;
      else if (field === 'event') event.type = text;
      else if (field === 'data') event.data.push(text);
    }
  }
}
