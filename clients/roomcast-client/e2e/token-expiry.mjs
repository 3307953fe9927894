// End-to-end: identity issues short-lived access tokens. The gateway closes the reader's connection
// with token-expired when its token expires; the client refreshes the token through identity (the
// refresh token rotates), reconnects, resumes, and goes on receiving edits — none lost, none twice.
import { changed, edit, fail, orderProblems, setting, until, watchedClient } from './harness.mjs';

const identityUrl = setting('ROOMCAST_IDENTITY_URL');
const documentsUrl = setting('ROOMCAST_DOCUMENTS_URL');
const hubUrl = setting('ROOMCAST_HUB_URL');
const password = setting('ROOMCAST_PASSWORD');
const documentId = setting('ROOMCAST_DOCUMENT');

// No refresh ahead of time: the reader connects with the token it signed in with and keeps it
// until the gateway says it expired.
const reader = await watchedClient('reader', { hubUrl, identityUrl, username: setting('ROOMCAST_READER'), password, documentId, refreshAhead: 0 });
const { client } = reader;
const describe = () => `; reader ${client.state}, received ${JSON.stringify(reader.texts())}`;
const firstRefreshToken = client.session.refreshToken;
await client.start();

const writer = await watchedClient('writer', { hubUrl, identityUrl, username: setting('ROOMCAST_WRITER'), password, documentId });
await writer.client.start();
const write = (text) => edit(documentsUrl, documentId, writer.client, text);

await write('before expiry');
await until(() => reader.texts().includes('before expiry'), 'the first edit', describe);
await until(() => reader.reasons.includes('token-expired'), 'the gateway to close the reader for its expired token', describe);
await until(() => client.state === 'resumed', 'the reader to reconnect with a refreshed token and resume', describe);
await write('after expiry');
await until(() => reader.texts().includes('after expiry'), 'an edit after the reconnect', describe);

const problems = orderProblems(reader);
if (JSON.stringify(reader.texts()) !== JSON.stringify(['before expiry', 'after expiry'])) {
  problems.push(`received ${JSON.stringify(reader.texts())}`);
}
if (client.session.refreshToken === firstRefreshToken) {
  problems.push('the refresh token was not rotated: the client reconnected without refreshing');
}
console.log(`reader states: ${reader.states.join(' → ')}`);
await Promise.all([client.stop(), writer.client.stop()]);
changed();
if (problems.length > 0) {
  fail(problems.join('; '));
}
console.log('PASS: closed for its expired token, refreshed, reconnected and resumed; nothing lost or twice');
process.exit(0);
