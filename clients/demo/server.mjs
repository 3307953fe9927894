#!/usr/bin/env node
// Serves the built demo (dist/) and proxies the APIs under path prefixes on the same origin, as an
// ingress would, so the browser needs no CORS:
//   /identity/*        → identity        (ROOMCAST_IDENTITY_URL)
//   /documents/*       → documents-api   (ROOMCAST_DOCUMENTS_URL)
//   /gateways/{n}/*    → gateway n       (ROOMCAST_GATEWAY_URLS, comma-separated; WebSockets included)
//   /demo-config.json  → how many gateways there are, and the demo users of ROOMCAST_DEMO_SEED_FILE
// Listens on ROOMCAST_DEMO_BIND (127.0.0.1) : ROOMCAST_DEMO_PORT (5180; 0 picks a free port) and
// prints "demo listening on <url>" once it accepts connections.
import { createServer, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "dist");
const bind = process.env.ROOMCAST_DEMO_BIND ?? "127.0.0.1";
const port = Number(process.env.ROOMCAST_DEMO_PORT ?? 5180);
const upstreams = {
  identity: required("ROOMCAST_IDENTITY_URL"),
  documents: required("ROOMCAST_DOCUMENTS_URL"),
};
const gateways = required("ROOMCAST_GATEWAY_URLS").split(",").map((url) => new URL(url.trim()));
const demoConfig = JSON.stringify({ gateways: gateways.length, users: await demoUsers(process.env.ROOMCAST_DEMO_SEED_FILE) });

const contentTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

async function demoUsers(seedFile) {
  if (!seedFile) return [];
  const seed = JSON.parse(await readFile(seedFile, "utf8"));
  return seed.users.map(({ username, password, isAdmin }) => ({ username, password, isAdmin: Boolean(isAdmin) }));
}

/** The upstream a path belongs to and the path it has there, or undefined for the demo's own files. */
function route(path) {
  const api = /^\/(identity|documents)(\/.*)$/.exec(path);
  if (api) return { target: new URL(upstreams[api[1]]), path: api[2] };
  const gateway = /^\/gateways\/(\d+)(\/.*)$/.exec(path);
  if (gateway && gateways[Number(gateway[1]) - 1]) return { target: gateways[Number(gateway[1]) - 1], path: gateway[2] };
  return undefined;
}

function proxy(request, response, { target, path }, search) {
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: request.method, path: path + search, headers: { ...request.headers, host: target.host } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on("error", (error) => {
    if (!response.headersSent) response.writeHead(502, { "content-type": "application/problem+json" });
    response.end(JSON.stringify({ title: "upstream unavailable", detail: `${target.host}: ${error.message}`, status: 502 }));
  });
  request.pipe(upstream);
}

async function serveFile(path, response) {
  const file = normalize(join(root, path));
  const inside = file.startsWith(root) && (await stat(file).catch(() => undefined))?.isFile();
  // Every other path is the single page.
  const chosen = inside ? file : join(root, "index.html");
  try {
    const body = await readFile(chosen);
    response.writeHead(200, { "content-type": contentTypes[extname(chosen)] ?? "application/octet-stream", "cache-control": "no-cache" });
    response.end(body);
  } catch {
    response.writeHead(500, { "content-type": "text/plain" });
    response.end("The demo is not built: run `npm run build` in clients/.");
  }
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://demo");
  if (url.pathname === "/demo-config.json") {
    response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(demoConfig);
    return;
  }
  const upstream = route(url.pathname);
  if (upstream) proxy(request, response, upstream, url.search);
  else void serveFile(url.pathname, response);
});

// WebSocket upgrades go through as raw bytes once the request line and headers are rewritten.
server.on("upgrade", (request, socket, head) => {
  const url = new URL(request.url ?? "/", "http://demo");
  const upstream = route(url.pathname);
  if (!upstream) {
    socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
    return;
  }
  const target = connect(Number(upstream.target.port), upstream.target.hostname, () => {
    const headers = { ...request.headers, host: upstream.target.host };
    const lines = [`${request.method} ${upstream.path}${url.search} HTTP/1.1`];
    for (const [name, value] of Object.entries(headers)) {
      for (const one of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${one}`);
    }
    target.write(lines.join("\r\n") + "\r\n\r\n");
    if (head.length > 0) target.write(head);
    target.pipe(socket);
    socket.pipe(target);
  });
  const close = () => {
    target.destroy();
    socket.destroy();
  };
  target.on("error", close);
  socket.on("error", close);
  target.on("close", close);
  socket.on("close", close);
});

server.listen(port, bind, () => {
  const address = server.address();
  console.log(`demo listening on http://${bind}:${address.port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
