#!/usr/bin/env node
// Logs in as a user through identity and prints every Roomcast event that user's connection
// receives. Usage: node tools/watch/watch.mjs <username> [gateway-url]
//   env: ROOMCAST_IDENTITY (http://127.0.0.1:5101), ROOMCAST_PASSWORD (roomcast-demo)
import { HubConnectionBuilder, HttpTransportType, LogLevel } from "@microsoft/signalr";

const [username, gateway = "http://127.0.0.1:5103"] = process.argv.slice(2);
if (!username) {
  console.error("usage: node tools/watch/watch.mjs <username> [gateway-url]");
  process.exit(2);
}
const identity = process.env.ROOMCAST_IDENTITY ?? "http://127.0.0.1:5101";
const password = process.env.ROOMCAST_PASSWORD ?? "roomcast-demo";

const login = await fetch(`${identity}/api/v1/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ username, password }),
});
if (!login.ok) {
  console.error(`login as ${username} failed: ${login.status} ${await login.text()}`);
  process.exit(1);
}
const { accessToken } = await login.json();

const connection = new HubConnectionBuilder()
  .withUrl(`${gateway}/hubs/notifications`, {
    accessTokenFactory: () => accessToken,
    transport: HttpTransportType.WebSockets,
  })
  .configureLogging(LogLevel.Warning)
  .build();

for (const event of ["NEW_RECORD", "CHANGED_RECORD", "DELETED_RECORD", "CHANGED_DOCUMENT", "CONNECTED_CLIENTS"]) {
  connection.on(event, (payload) => console.log(JSON.stringify({ event, payload })));
}
connection.onclose((error) => {
  console.error(`connection closed${error ? `: ${error.message}` : ""}`);
  process.exit(error ? 1 : 0);
});

await connection.start();
console.error(`watching as ${username} on ${gateway} (connection ${connection.connectionId}); Ctrl-C to stop`);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => connection.stop());
}
