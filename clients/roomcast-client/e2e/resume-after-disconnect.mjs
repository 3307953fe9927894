// End-to-end: @roomcast/client in Node against the real services. A reader connects, receives an
// edit, is cut off (the test severs its link to the gateway), misses five edits, comes back and
// must get them by Resume, each once and in order, without a reload; then live again.
// Stepped by the test: prints "step: cut-me" / "step: restore-me" and waits for "cut" / "restored".
import { createInterface } from 'node:readline';
import { RoomcastClient } from '@roomcast/client';

const setting = (name) => process.env[name] ?? fail(`${name} is not set`);
const identityUrl = setting('ROOMCAST_IDENTITY_URL');
const documentsUrl = setting('ROOMCAST_DOCUMENTS_URL');
const hubUrl = setting('ROOMCAST_HUB_URL');
const directHubUrl = setting('ROOMCAST_DIRECT_HUB_URL');
const password = setting('ROOMCAST_PASSWORD');
const reader = setting('ROOMCAST_READER');
const writer = setting('ROOMCAST_WRITER');
const documentId = setting('ROOMCAST_DOCUMENT');
const away = ['away 1', 'away 2', 'away 3', 'away 4', 'away 5'];
const stepTimeout = 30_000;

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

const commands = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
/** Says which step it is at and waits for the test's answer. */
async function step(name, expected) {
  console.log(`step: ${name}`);
  const { value, done } = await commands.next();
  if (done || value.trim() !== expected) {
    fail(`expected the command '${expected}', got ${done ? 'the end of input' : `'${value}'`}`);
  }
}

// Waiting on what the client reports, bounded: each change re-checks the waiters.
const waiters = new Set();
function changed() {
  for (const waiter of waiters) {
    if (waiter.condition()) {
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
  }
}
function until(condition, what) {
  if (condition()) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const waiter = { condition, resolve, timer: setTimeout(() => fail(`timed out waiting for ${what}; state ${client.state}, received ${JSON.stringify(texts())}`), stepTimeout) };
    waiters.add(waiter);
  });
}

const received = [];
const reloads = [];
const dropped = [];
const states = [];
const texts = () => received.map((change) => change.data.text);

const client = new RoomcastClient({
  hubUrl,
  identityUrl,
  session: await RoomcastClient.login(identityUrl, reader, password),
  // The link is restored at once by the test: try again quickly rather than back off for seconds.
  reconnectDelay: (attempt) => (attempt === 0 ? 0 : 200),
});
client.on('CHANGED_DOCUMENT', (change) => {
  if (change.id === documentId) {
    received.push({ ...change, stateOnArrival: client.state });
    console.log(`received "${change.data.text}" seq ${change.seq} (${client.state})`);
  }
  changed();
});
client.onReload(({ reason }) => {
  reloads.push(reason);
  console.log(`reload: ${reason}`);
});
client.onDropped((event, reason) => dropped.push(`${event.payload.eventId}: ${reason}`));
client.onStateChange(({ state, reason }) => {
  states.push(state);
  console.log(`state: ${state}${reason ? ` (${reason})` : ''}`);
  changed();
});
client.onError((error) => console.log(`client error (went past it): ${error instanceof Error ? error.message : error}`));

await client.start();
console.log(`connected as ${reader}, connection ${client.connectionId}, at ${JSON.stringify(client.position)}`);

// The writer watches too, straight at the gateway (never cut): once it has an edit, that edit is in
// the gateway's history (appended before it is sent), so the reader's Resume must find it.
const watcher = new RoomcastClient({ hubUrl: directHubUrl, identityUrl, session: await RoomcastClient.login(identityUrl, writer, password) });
const watched = [];
watcher.on('CHANGED_DOCUMENT', (change) => {
  watched.push(change.data.text);
  changed();
});
await watcher.start();

async function edit(text) {
  const response = await fetch(new URL(`/api/v1/documents/${documentId}`, documentsUrl), {
    method: 'PUT',
    headers: { authorization: `Bearer ${await watcher.accessToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { text } }),
  });
  if (!response.ok) {
    fail(`editing the document as ${writer} answered ${response.status}: ${await response.text()}`);
  }
}

await edit('before');
await until(() => texts().includes('before'), 'the first edit');

await step('cut-me', 'cut');
await until(() => client.state === 'reconnecting', 'the client to notice the cut');
for (const text of away) {
  await edit(text);
}
await until(() => watched.includes(away.at(-1)), 'the gateway to have the edits made while the reader was away');

await step('restore-me', 'restored');
await until(() => client.state === 'resumed', 'the client to resume');
await edit('after');
await until(() => texts().includes('after'), 'a live edit after the resume');

const expected = ['before', ...away, 'after'];
const problems = [];
if (JSON.stringify(texts()) !== JSON.stringify(expected)) {
  problems.push(`received ${JSON.stringify(texts())}, expected ${JSON.stringify(expected)}`);
}
const ids = received.map((change) => change.eventId);
if (new Set(ids).size !== ids.length) {
  problems.push(`an event reached the application twice: ${JSON.stringify(ids)}`);
}
const seqs = received.map((change) => change.seq);
if (seqs.some((seq, index) => index > 0 && seq <= seqs[index - 1])) {
  problems.push(`seqs do not rise: ${JSON.stringify(seqs)}`);
}
const resumedWhileAway = received.filter((change) => away.includes(change.data.text)).map((change) => change.stateOnArrival);
if (resumedWhileAway.some((state) => state !== 'reconnecting')) {
  problems.push(`the missed edits should come by Resume, before the client is back (states on arrival: ${JSON.stringify(resumedWhileAway)})`);
}
if (reloads.length > 0) {
  problems.push(`the client was told to reload: ${JSON.stringify(reloads)}`);
}
console.log(`states: ${states.join(' → ')}; dropped: ${dropped.length ? dropped.join(', ') : 'none'}`);
await Promise.all([client.stop(), watcher.stop()]);
if (problems.length > 0) {
  fail(problems.join('; '));
}
console.log('PASS: every missed edit once, in order, by Resume; no reload');
process.exit(0);
