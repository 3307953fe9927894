// What the end-to-end scripts share: settings from the environment, failing with a message, bounded
// waits on what the client reports, steps the C# test answers on standard input, and a watched client.
import { createInterface } from 'node:readline';
import { RoomcastClient } from '@roomcast/client';

export function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

export const setting = (name) => process.env[name] ?? fail(`${name} is not set`);

const stepTimeout = 30_000;
const waiters = new Set();

/** Re-checks every waiter; call whenever something a waiter may wait for happened. */
export function changed() {
  for (const waiter of waiters) {
    if (waiter.condition()) {
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }
}

/** Resolves once `condition` holds; fails the script with `describe()` if it does not within 30 s. */
export function until(condition, what, describe = () => '') {
  if (condition()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`timed out waiting for ${what}${describe()}`), stepTimeout);
    waiters.add({ condition, resolve, timer });
  });
}

let commands = null;

/** Says which step it is at ("step: {name}") and waits for the test's answer on standard input. */
export async function step(name, expected) {
  commands ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log(`step: ${name}`);
  const { value, done } = await commands.next();
  if (done || value.trim() !== expected) {
    fail(`expected the command '${expected}', got ${done ? 'the end of input' : `'${value}'`}`);
  }
}

/**
 * A signed-in client whose document changes, reloads, drops and states are recorded and printed
 * (each wakes the waiters); `received` entries carry the client's state when they arrived.
 */
export async function watchedClient(label, { hubUrl, identityUrl, username, password, documentId, ...options }) {
  const client = new RoomcastClient({ hubUrl, identityUrl, session: await RoomcastClient.login(identityUrl, username, password), ...options });
  const seen = { client, received: [], reloads: [], dropped: [], states: [], reasons: [] };
  seen.texts = () => seen.received.map((change) => change.data.text);
  client.on('CHANGED_DOCUMENT', (change) => {
    if (change.id === documentId) {
      seen.received.push({ ...change, stateOnArrival: client.state });
      console.log(`${label} received "${change.data.text}" seq ${change.seq} (${client.state})`);
    }
    changed();
  });
  client.onReload(({ reason }) => {
    seen.reloads.push(reason);
    console.log(`${label} reload: ${reason}`);
  });
  client.onDropped((event, reason) => seen.dropped.push(`${event.payload.eventId}: ${reason}`));
  client.onStateChange(({ state, reason }) => {
    seen.states.push(state);
    seen.reasons.push(reason);
    console.log(`${label} state: ${state}${reason ? ` (${reason})` : ''}`);
    changed();
  });
  client.onError((error) => console.log(`${label} client error (went past it): ${error instanceof Error ? error.message : error}`));
  return seen;
}

/** Changes the document's data through documents-api with the client's (fresh) access token. */
export async function edit(documentsUrl, documentId, client, text) {
  const response = await fetch(new URL(`/api/v1/documents/${documentId}`, documentsUrl), {
    method: 'PUT',
    headers: { authorization: `Bearer ${await client.accessToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { text } }),
  });
  if (!response.ok) {
    fail(`editing the document answered ${response.status}: ${await response.text()}`);
  }
}

/** What must hold of any client's record of changes: each event once, seqs rising, no reload. */
export function orderProblems(seen) {
  const problems = [];
  const ids = seen.received.map((change) => change.eventId);
  if (new Set(ids).size !== ids.length) {
    problems.push(`an event reached the application twice: ${JSON.stringify(ids)}`);
  }
  const seqs = seen.received.map((change) => change.seq);
  if (seqs.some((seq, index) => index > 0 && seq <= seqs[index - 1])) {
    problems.push(`seqs do not rise: ${JSON.stringify(seqs)}`);
  }
  if (seen.reloads.length > 0) {
    problems.push(`the client was told to reload: ${JSON.stringify(seen.reloads)}`);
  }
  return problems;
}
