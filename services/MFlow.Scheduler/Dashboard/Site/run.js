// A run's page: its stages as columns of tasks, kept current by the run's event stream
// (GET /api/v1/runs/{id}/events), the selected task's details and log (followed while it runs), and
// the actions the signed-in key's role allows.
import { api, ApiError, streamEvents, streamText } from './api.js';
import { badge, clock, h, problem, replace, table, terminalStates, time } from './dom.js';

const followedStates = ['Pending', 'Running'];
const endedTaskStates = ['Succeeded', 'Failed', 'Cancelled', 'Skipped'];
// The most log text kept on the page; the start is cut beyond it (the whole log stays one click away).
const maxLogCharacters = 1_000_000;

export function runView(main, runId, query, { can, me }) {
  const controller = new AbortController();
  const signal = controller.signal;
  let run = null;
  let selected = query.get('task');
  // Until the reader chooses a task, a failed run shows its failed one.
  let chosen = selected !== null;
  // The attempt whose log is shown; null for the task's current one.
  let selectedAttempt = null;
  let lastEventId = null;
  let connection = 'Connecting…';
  let notice = null;
  let reloadTimer = null;
  let reconnectTimer = null;
  let log = null;
  // Kept across renders, which rebuild the approval form.
  let approvalComment = '';

  const heading = h('div');
  const status = h('p', { class: 'live', role: 'status' });
  const actions = h('div', { class: 'actions' });
  const messages = h('div', { 'aria-live': 'polite' });
  const stages = h('div', { class: 'stages' });
  const detail = h('section', { class: 'task-detail', 'aria-label': 'Selected task' });
  replace(main, heading, status, actions, messages, stages, detail);

  function render() {
    if (run === null) return;
    replace(heading, header(run));
    status.textContent = connection;
    replace(actions, buttons(run));
    replace(messages, notice, approvalPanel(run));
    replace(stages, run.stages.map(stageColumn));
    renderDetail();
  }

  function header(view) {
    const ended = terminalStates.includes(view.state);
    return [
      h('h1', {}, view.pipeline, ' ', badge(view.state)),
      h('dl', { class: 'facts' },
        fact('Run', h('span', { class: 'mono' }, view.id)),
        fact('Started', time(view.createdAt)),
        fact('Duration', clock(view.createdAt, ended ? view.completedAt : null)),
        fact('Triggered by', `${view.triggeredBy ?? ''}${view.trigger ? ` (${view.trigger})` : ''}`),
        view.mode !== 'normal' ? fact('Mode', view.mode) : null,
        view.reason ? fact('Reason', view.reason) : null,
        view.cancelReason ? fact('Cancelled because', view.cancelReason) : null,
        view.concurrency ? fact('Concurrency', `${view.concurrency.group}: ${view.concurrency.state}${view.concurrency.position ? `, #${view.concurrency.position} in line` : ''}`) : null,
        view.rerunOf ? fact('Rerun of', runLink(view.rerunOf)) : null,
        view.reruns?.length ? fact('Reruns', view.reruns.map((id, i) => [i ? ', ' : '', runLink(id)])) : null,
        view.resumes ? fact('Resumed', `${view.resumes}× (last by ${view.resumedBy ?? 'unknown'})`) : null),
    ];
  }

  function buttons(view) {
    if (!can('operator')) return null;
    const ended = terminalStates.includes(view.state);
    return [
      !ended && view.state !== 'Cancelling' ? action('Cancel run', 'cancel', () => post(`/api/v1/runs/${runId}/cancel`, 'Cancellation asked.')) : null,
      ended ? action('Rerun', 'rerun', async () => {
        const accepted = await post(`/api/v1/runs/${runId}/rerun`, null);
        if (accepted?.id) location.hash = `#/runs/${accepted.id}`;
      }) : null,
      ['Failed', 'Cancelled'].includes(view.state) ? action('Resume', 'resume', async () => {
        if (await post(`/api/v1/runs/${runId}/resume`, 'Resume asked.')) followAgainOnceResumed();
      }) : null,
    ];
  }

  function approvalPanel(view) {
    const gate = view.approvals?.find(approval => approval.state === 'Waiting');
    if (!gate) return null;
    const comment = h('input', {
      id: 'approval-comment', type: 'text', maxlength: 1000, autocomplete: 'off', value: approvalComment, dataset: { focus: 'approval-comment' },
      oninput: () => { approvalComment = comment.value; },
    });
    const decide = verb => async () => {
      const decided = await post(`/api/v1/runs/${runId}/${verb}`, verb === 'approve' ? 'Approved.' : 'Rejected.', approvalComment ? { comment: approvalComment } : {});
      if (decided) approvalComment = '';
    };
    return h('section', { class: 'approval', 'aria-labelledby': 'approval-title' },
      h('h2', { id: 'approval-title' }, `Stage “${gate.stage}” waits for approval`),
      gate.message ? h('p', {}, gate.message) : null,
      h('p', { class: 'muted' }, 'May decide: ', approvers(gate), gate.expiresAt ? [' · expires ', time(gate.expiresAt), gate.onTimeout ? ` (then ${gate.onTimeout})` : ''] : ''),
      mayDecide(gate)
        ? h('div', { class: 'decide' },
          h('label', { for: 'approval-comment' }, 'Comment (optional)'), comment,
          action('Approve', 'approve', decide('approve')), action('Reject', 'reject', decide('reject'), 'danger'))
        : h('p', {}, 'Your key may not decide this gate.'));
  }

  function approvers(gate) {
    const who = [];
    if (gate.approverRole) who.push(`keys with the ${gate.approverRole} role or higher`);
    if (gate.approverKeys?.length) who.push(`the keys ${gate.approverKeys.join(', ')}`);
    return who.join(' or ') || 'nobody';
  }

  // The API's rule (ApprovalPolicy): a key named by the gate, or one whose role reaches the gate's role; an operator at least.
  function mayDecide(gate) {
    return can('operator') && (gate.approverKeys?.includes(me.name) || (gate.approverRole && can(gate.approverRole)));
  }

  function action(text, name, onClick, kind) {
    return h('button', {
      type: 'button', class: kind ?? null, dataset: { focus: `action-${name}`, action: name },
      onclick: async event => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await onClick();
        } finally {
          button.disabled = false;
        }
      },
    }, text);
  }

  async function post(path, done, body) {
    try {
      const answer = await api(path, { method: 'POST', body, signal });
      notice = done ? h('p', { class: 'ok' }, done) : null;
      scheduleReload();
      return answer ?? {};
    } catch (error) {
      if (signal.aborted) return null;
      notice = problem(error);
      render();
      return null;
    }
  }

  function stageColumn(stage) {
    return h('section', { class: 'stage', 'aria-label': `Stage ${stage.name}` },
      h('h2', {}, stage.name, stage.finally ? h('span', { class: 'muted' }, ' (finally)') : null, ' ', badge(stage.state)),
      h('ol', { class: 'tasks' }, stage.tasks.map(task => h('li', {}, taskCard(task)))));
  }

  function taskCard(task) {
    return h('button', {
      type: 'button', class: `task state-${task.state.toLowerCase()}`, 'aria-pressed': String(task.name === selected),
      dataset: { focus: `task-${task.name}`, task: task.name, state: task.state },
      onclick: () => select(task.name),
    },
    h('span', { class: 'task-name' }, task.name),
    h('span', { class: 'task-line' }, badge(task.state), ' ', h('span', { class: 'muted' }, task.kind),
      task.attempt > 1 ? h('span', { class: 'attempt' }, ` attempt ${task.attempt}`) : null,
      ' ', clock(task.startedAt, task.finishedAt)),
    task.exitCode ? h('span', { class: 'task-line' }, `exit ${task.exitCode}`) : null,
    task.reason && task.state !== 'Succeeded' ? h('span', { class: 'task-line reason' }, task.reason) : null);
  }

  function select(name) {
    selected = selected === name ? null : name;
    chosen = true;
    selectedAttempt = null;
    history.replaceState(null, '', `#/runs/${runId}${selected ? `?task=${encodeURIComponent(selected)}` : ''}`);
    render();
    if (selected) detail.scrollIntoView({ block: 'nearest' });
  }

  function findTask(name) {
    for (const stage of run?.stages ?? []) {
      const task = stage.tasks.find(t => t.name === name);
      if (task) return task;
    }
    return null;
  }

  function renderDetail() {
    // With nothing chosen, a failed run shows its first failed task: what a reader comes for.
    if (!chosen && selected === null && run.state === 'Failed') {
      selected = run.stages.flatMap(s => s.tasks).find(t => t.state === 'Failed' && !t.allowedFailure)?.name ?? null;
    }
    const task = selected ? findTask(selected) : null;
    if (!task) {
      closeLog();
      replace(detail, h('p', { class: 'muted' }, 'Choose a task to see its details and log.'));
      return;
    }
    openLog(task, selectedAttempt);
    const outputs = Object.entries(task.outputs ?? {});
    replace(detail,
      h('h2', {}, task.name, ' ', badge(task.state)),
      h('dl', { class: 'facts' },
        fact('Kind', task.kind),
        fact('Job', h('span', { class: 'mono' }, task.job)),
        fact('Attempt', String(task.attempt)),
        fact('Started', time(task.startedAt)),
        fact('Finished', time(task.finishedAt)),
        fact('Duration', clock(task.startedAt, task.finishedAt)),
        task.exitCode !== null && task.exitCode !== undefined ? fact('Exit code', String(task.exitCode)) : null,
        task.reason ? fact('Reason', h('span', { class: 'reason' }, task.reason)) : null,
        task.message ? fact('Message', task.message) : null,
        task.allowedFailure ? fact('Allowed failure', 'yes: its stage went on') : null),
      outputs.length ? [h('h3', {}, 'Outputs'), table('Outputs', ['Name', 'Value'], outputs.map(([name, value]) => [h('span', { class: 'mono' }, name), h('span', { class: 'mono' }, value)]), '')] : null,
      task.summary ? [h('h3', {}, 'Summary'), h('pre', { class: 'summary' }, task.summary)] : null,
      task.attempts?.length > 1 ? [h('h3', {}, 'Attempts'), table('Attempts', ['Attempt', 'State', 'Reason', 'Duration', 'Log'], task.attempts.map(a => [
        String(a.attempt), badge(a.state), a.reason ?? '', clock(a.startedAt, a.finishedAt),
        h('button', { type: 'button', class: 'link', dataset: { focus: `log-${a.attempt}` }, onclick: () => { selectedAttempt = a.attempt === task.attempt ? null : a.attempt; render(); } }, `Log of attempt ${a.attempt}`),
      ]), '')] : null,
      log.section);
  }

  // --- the log viewer ---------------------------------------------------------------------------

  function closeLog() {
    log?.controller.abort();
    log = null;
  }

  /**
   * Shows a task attempt's log: followed while the attempt runs (the stream ends when it does, and
   * the stored log replaces what was streamed), the stored log once it ended, nothing before it starts.
   */
  function openLog(task, attempt) {
    const number = attempt ?? task.attempt;
    const state = attempt === null ? task.state : task.attempts.find(a => a.attempt === attempt)?.state;
    const mode = followedStates.includes(state) ? 'follow' : endedTaskStates.includes(state) ? 'stored' : 'none';
    const key = `${task.name}#${number}`;
    // The same attempt keeps its viewer (a followed log turns into the stored one by itself), unless
    // it had nothing to show and now has.
    if (log?.key === key && !(log.mode === 'none' && mode !== 'none') && !(log.failed && mode === 'stored')) return;
    closeLog();
    const text = h('pre', { class: 'log', tabindex: '0', role: 'log', 'aria-label': `Log of ${task.name}, attempt ${number}` });
    const following = h('span', { class: 'muted' });
    const section = h('section', { class: 'log-viewer' }, h('h3', {}, `Log (attempt ${number}) `, following), text);
    log = { key, mode, controller: new AbortController(), section, text, following, failed: false };
    const current = log;
    const path = `/api/v1/runs/${runId}/tasks/${encodeURIComponent(task.name)}/log`;
    if (mode === 'none') {
      text.textContent = 'The task has not started yet.';
    } else if (mode === 'follow') {
      following.textContent = '(following)';
      streamText(`${path}?follow=true`, chunk => appendLog(current, chunk), current.controller.signal)
        .then(() => storedLog(current, `${path}?attempt=${number}`, true), error => showLogError(current, error));
    } else {
      storedLog(current, `${path}?attempt=${number}`, false);
    }
  }

  async function storedLog(current, path, afterFollow) {
    try {
      const stored = await api(path, { signal: current.controller.signal });
      current.text.replaceChildren();
      appendLog(current, stored);
    } catch (error) {
      // A followed log that ended before the aggregator stored it keeps what was streamed.
      if (!(afterFollow && error instanceof ApiError && error.status === 404)) showLogError(current, error);
    }
    current.following.textContent = '';
  }

  function showLogError(current, error) {
    if (current.controller.signal.aborted) return;
    current.failed = current.mode === 'follow';
    current.following.textContent = '';
    const missing = error instanceof ApiError && error.status === 404;
    current.text.textContent = missing ? 'No log captured for this attempt (yet).' : `The log could not be read: ${error.message}`;
  }

  function appendLog(current, chunk) {
    if (log !== current) return;
    const pre = current.text;
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.append(chunk);
    while (pre.textContent.length > maxLogCharacters && pre.childNodes.length > 1) pre.firstChild.remove();
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  // --- live updates -----------------------------------------------------------------------------

  function applyEvent(event) {
    if (event.id !== null) lastEventId = event.id;
    const data = event.data;
    if (event.type === 'snapshot') {
      run = data;
    } else if (event.type === 'task') {
      const task = run?.stages.find(s => s.name === data.stage)?.tasks.find(t => t.name === data.task);
      if (task) {
        Object.assign(task, { state: data.state, attempt: data.attempt, reason: data.reason ?? null });
        if (data.startedAt) task.startedAt = data.startedAt;
        if (data.finishedAt) task.finishedAt = data.finishedAt;
      }
      scheduleReload();
    } else if (event.type === 'stage') {
      const stage = run?.stages.find(s => s.name === data.stage);
      if (stage) stage.state = data.succeeded ? 'Succeeded' : 'Failed';
      scheduleReload();
    } else if (event.type === 'run') {
      if (run) run.state = data.state;
      scheduleReload();
    }
    render();
  }

  // An event carries the change only; outputs, exit codes, attempts and gates come with the run view.
  function scheduleReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 250);
  }

  // quiet: a failure is not shown (the reconnection that follows reports it).
  async function reload(quiet = false) {
    try {
      run = await api(`/api/v1/runs/${runId}`, { signal });
      render();
    } catch (error) {
      if (!signal.aborted && !quiet) {
        notice = problem(error);
        render();
      }
    }
  }

  // The stream ended with the run. A resume takes effect once the aggregator took it: the view is
  // read again until the run left its end (at most 10 s), then its events are followed again from
  // the last one seen, so the page is live for the resumed run.
  async function followAgainOnceResumed(tries = 0) {
    await reload();
    if (signal.aborted || !run) return;
    if (!terminalStates.includes(run.state)) {
      if (connection === 'Ended') follow();
      return;
    }
    if (tries < 20) setTimeout(() => followAgainOnceResumed(tries + 1), 500);
  }

  // attempt: how many connections in a row ended without bringing an event (the wait grows with it).
  async function follow(attempt = 0) {
    let failed = null;
    let received = false;
    try {
      connection = 'Live';
      render();
      await streamEvents(runId, lastEventId, (event) => { received = true; applyEvent(event); }, signal);
    } catch (error) {
      if (signal.aborted) return;
      failed = error;
      // An unknown run or a key no longer valid will not get better by retrying.
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
        connection = `Not following: ${error.message}`;
        render();
        return;
      }
    }
    if (signal.aborted) return;
    const ended = () => run && terminalStates.includes(run.state);
    // The server ended the stream before the run's end: it is stopping (another replica takes the
    // reconnection), or the run ended without a terminal event to send. Its view says which.
    const reloaded = !failed && !ended();
    if (reloaded) await reload(true);
    if (signal.aborted) return;
    if (ended()) {
      connection = 'Ended';
      if (reloaded) render();
      else scheduleReload();
      return;
    }
    // Reconnect after the changes seen (Last-Event-ID), backing off while connections bring nothing.
    const fruitless = received ? 0 : attempt;
    const delay = Math.min(15000, 1000 * 2 ** fruitless);
    const why = failed ? failed.message : 'the stream ended before the run';
    connection = `Reconnecting in ${Math.round(delay / 1000)} s (${why})`;
    render();
    reconnectTimer = setTimeout(() => follow(fruitless + 1), delay);
  }

  (async () => {
    try {
      run = await api(`/api/v1/runs/${runId}`, { signal });
    } catch (error) {
      if (!signal.aborted) replace(main, h('h1', {}, 'Run'), problem(error), h('p', {}, h('a', { href: '#/runs' }, 'Back to runs.')));
      return;
    }
    render();
    follow();
  })();

  return () => {
    controller.abort();
    closeLog();
    clearTimeout(reloadTimer);
    clearTimeout(reconnectTimer);
  };
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value ?? '')];
}

function runLink(id) {
  return h('a', { href: `#/runs/${id}`, class: 'mono' }, id.slice(0, 8));
}
