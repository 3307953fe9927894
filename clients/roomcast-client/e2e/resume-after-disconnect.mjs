// End-to-end: @roomcast/client in Node against the real services. A reader connects, receives an
// edit, is cut off (the test severs its link to the gateway), misses five edits, comes back and
// must get them by Resume, each once and in order, without a reload; then live again.
// Stepped by the test: prints "step: cut-me" / "step: restore-me" and waits for "cut" / "restored".
import { changed, edit, fail, orderProblems, setting, step, until, watchedClient } from './harness.mjs';

const identityUrl = setting('ROOMCAST_IDENTITY_URL');
const documentsUrl = setting('ROOMCAST_DOCUMENTS_URL');
const password = setting('ROOMCAST_PASSWORD');
const documentId = setting('ROOMCAST_DOCUMENT');
const away = ['away 1', 'away 2', 'away 3', 'away 4', 'away 5'];

const reader = await watchedClient('reader', {
  hubUrl: setting('ROOMCAST_HUB_URL'),
  identityUrl,
  username: setting('ROOMCAST_READER'),
  password,
  documentId,
  // The test restores the link at once: try again quickly rather than back off for seconds.
  reconnectDelay: (attempt) => (attempt === 0 ? 0 : 200),
});
const { client } = reader;
const describe = () => `; reader ${client.state}, received ${JSON.stringify(reader.texts())}`;
await client.start();
console.log(`reader connected, connection ${client.connectionId}, at ${JSON.stringify(client.position)}`);

// The writer watches too, straight at the gateway (never cut): once it has an edit, that edit is in
// the gateway's history (appended before it is sent), so the reader's Resume must find it.
const writer = await watchedClient('writer', { hubUrl: setting('ROOMCAST_DIRECT_HUB_URL'), identityUrl, username: setting('ROOMCAST_WRITER'), password, documentId });
await writer.client.start();
const write = (text) => edit(documentsUrl, documentId, writer.client, text);

await write('before');
await until(() => reader.texts().includes('before'), 'the first edit', describe);

await step('cut-me', 'cut');
await until(() => client.state === 'reconnecting', 'the reader to notice the cut', describe);
for (const text of away) {
  await write(text);
}
await until(() => writer.texts().includes(away.at(-1)), 'the gateway to have the edits made while the reader was away', describe);

await step('restore-me', 'restored');
await until(() => client.state === 'resumed', 'the reader to resume', describe);
await write('after');
await until(() => reader.texts().includes('after'), 'a live edit after the resume', describe);

const expected = ['before', ...away, 'after'];
const problems = orderProblems(reader);
if (JSON.stringify(reader.texts()) !== JSON.stringify(expected)) {
  problems.push(`received ${JSON.stringify(reader.texts())}, expected ${JSON.stringify(expected)}`);
}
const arrivals = reader.received.filter((change) => away.includes(change.data.text)).map((change) => change.stateOnArrival);
if (arrivals.some((state) => state !== 'reconnecting')) {
  problems.push(`the missed edits should come by Resume, before the reader is back (states on arrival: ${JSON.stringify(arrivals)})`);
}
console.log(`reader states: ${reader.states.join(' → ')}; dropped: ${reader.dropped.length ? reader.dropped.join(', ') : 'none'}`);
await Promise.all([client.stop(), writer.client.stop()]);
changed();
if (problems.length > 0) {
  fail(problems.join('; '));
}
console.log('PASS: every missed edit once, in order, by Resume; no reload');
process.exit(0);
