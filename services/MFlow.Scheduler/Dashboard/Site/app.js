// The dashboard's shell: sign-in, navigation and the hash router (#/runs, #/runs/<id>, ...), so the
// server serves one page and every view has a URL to share or bookmark.
import { api, session } from './api.js';
import { h, problem, replace } from './dom.js';
import { runsView } from './runs.js';
import { runView } from './run.js';
import { definitionsView, definitionView } from './definitions.js';
import { clustersView, subscriptionsView } from './settings.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const signOutButton = document.getElementById('sign-out');

const roles = ['viewer', 'operator', 'admin'];
let me = null;
let dispose = null;

/** What the signed-in key may do: can('operator') is true for an operator or an admin. */
function can(role) {
  return me !== null && roles.indexOf(me.role) >= roles.indexOf(role);
}

const routes = [
  [/^\/runs\/([0-9a-f-]{36})$/i, ([id], query) => runView(main, id, query, { can, me })],
  [/^\/runs$/, (_, query) => runsView(main, query)],
  [/^\/(pipelines|jobs)$/, ([kind], query) => definitionsView(main, kind, query)],
  [/^\/(pipelines|jobs)\/([0-9a-f-]{36})$/i, ([kind, id]) => definitionView(main, kind, id)],
  [/^\/clusters$/, () => clustersView(main)],
  [/^\/subscriptions$/, () => subscriptionsView(main)],
];

function parse(hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  return { path: path || '/runs', query: new URLSearchParams(query) };
}

async function route() {
  // Only "#/..." is a route; another fragment is left to the browser.
  if (location.hash && !location.hash.startsWith('#/')) return;
  dispose?.();
  dispose = null;
  if (!session.key || me === null) {
    if (session.key && await identify()) return route();
    showSignIn();
    return;
  }
  const { path, query } = parse(location.hash);
  for (const [pattern, view] of routes) {
    const match = pattern.exec(path);
    if (match) {
      markCurrent(path);
      dispose = view(match.slice(1), query) ?? null;
      return;
    }
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, 'No such page. ', h('a', { href: '#/runs' }, 'Go to runs.')));
}

function markCurrent(path) {
  for (const link of nav.querySelectorAll('a')) {
    const current = path === link.hash.slice(1) || path.startsWith(`${link.hash.slice(1)}/`);
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

/** Asks the API who the key is (GET /api/v1/me); false (and signed out) when it is not valid. */
async function identify(errorTarget) {
  try {
    me = await api('/api/v1/me');
  } catch (error) {
    session.signOut();
    me = null;
    if (errorTarget) replace(errorTarget, problem(error));
    return false;
  }
  who.textContent = `${me.name} (${me.role})`;
  nav.hidden = false;
  signOutButton.hidden = false;
  return true;
}

function showSignIn(message) {
  me = null;
  nav.hidden = true;
  signOutButton.hidden = true;
  who.textContent = '';
  const errors = h('div', { 'aria-live': 'polite' }, message ? problem(message) : null);
  const key = h('input', { id: 'api-key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h('form', {
    class: 'sign-in',
    onsubmit: async event => {
      event.preventDefault();
      session.signIn(key.value.trim());
      if (await identify(errors)) route();
    },
  },
  h('h1', {}, 'Sign in'),
  h('p', {}, 'Paste an MFlow API key. It stays in this browser tab only and is forgotten when the tab closes.'),
  h('label', { for: 'api-key' }, 'API key'),
  key,
  h('button', { type: 'submit' }, 'Sign in'),
  errors);
  replace(main, form);
  key.focus();
}

signOutButton.addEventListener('click', () => {
  session.signOut();
  dispose?.();
  dispose = null;
  showSignIn();
});

// A key revoked while signed in: back to the sign-in form, saying why.
window.addEventListener('mflow:unauthorized', event => {
  if (me === null) return;
  session.signOut();
  dispose?.();
  dispose = null;
  showSignIn(event.detail);
});

window.addEventListener('hashchange', route);
route();
