// HTTP/2 from a browser: headless Chromium against h2_browser_server over
// https (self-signed certificate, --ignore-certificate-errors), where ALPN
// agrees on h2. In one page: 50 EventSource streams open at once, all
// receiving, while fetch calls keep answering (over HTTP/1.1 the seventh
// would hang); a fetch whose body is a ReadableStream (duplex: 'half')
// driving a client-streaming call; a WebSocket session the server saw
// arrive as extended CONNECT (RFC 8441) on the HTTP/2 connection.
//
//   node http2_browser_test.cjs <h2_browser_server> <chromium> <node_modules> <work dir>
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [serverBinary, chromiumPath, nodeModules] = process.argv.slice(2);
const puppeteer = require(path.join(nodeModules, "puppeteer-core"));

const started = Date.now();
function step(what) {
  console.log("[" + (Date.now() - started) + " ms] " + what);
}
function check(condition, what) {
  if (!condition) throw new Error(what);
}

let serverProc = null;
function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(serverBinary, [], { stdio: ["pipe", "pipe", "inherit"] });
    serverProc = proc;
    let out = "";
    const timer = setTimeout(() => reject(new Error("the server printed no port in 10 s")), 10000);
    proc.stdout.on("data", (data) => {
      out += data;
      const m = out.match(/listening on (\d+)/);
      if (m) {
        clearTimeout(timer);
        proc.stdout.resume();
        resolve({ proc, url: "https://127.0.0.1:" + m[1] });
      }
    });
    proc.on("exit", (code) => reject(new Error("the server exited with " + code + ": " + out)));
  });
}

async function main() {
  const server = await startServer();
  step("server on " + server.url);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grpcgw-h2-chromium-"));
  let browser = null;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath,
      headless: true,
      userDataDir,
      acceptInsecureCerts: true,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--ignore-certificate-errors", "--disable-background-networking", "--disable-component-update",
             "--disable-sync"],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(server.url + "/", { waitUntil: "load" });
    step("page loaded");

    // 50 EventSource streams at once: each gets its first event and then
    // stays open (the next waits for a signal that never comes).
    const sse = await page.evaluate(async () => {
      const opened = [];
      const firsts = await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise((resolve, reject) => {
        const es = new EventSource("/v1/watch/browser" + i + "?count=2&wait_for_signal=true");
        opened.push(es);
        const timer = setTimeout(() => reject(new Error("stream " + i + ": no event in 10 s")), 10000);
        es.onmessage = (e) => {
          clearTimeout(timer);
          resolve(JSON.parse(e.data));
        };
      })));
      // While all 50 are open, fetch calls answer.
      const t0 = performance.now();
      const books = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        fetch("/v1/shelves/s1/books/b" + i).then((r) => r.json())));
      const fetchMs = performance.now() - t0;
      const stats = await (await fetch("/h2stats")).json();
      const protocols = [...new Set(performance.getEntriesByType("resource")
        .filter((e) => e.name.includes("/v1/shelves/")).map((e) => e.nextHopProtocol))];
      const open = opened.filter((es) => es.readyState === EventSource.OPEN).length;
      opened.forEach((es) => es.close());
      return { firsts, books, fetchMs, stats, protocols, open };
    });
    check(sse.firsts.length === 50 && sse.firsts.every((m) => m.seq === "0" || m.seq === 0 || m.seq === undefined),
          "first events: " + JSON.stringify(sse.firsts.slice(0, 3)));
    check(sse.firsts.every((m, i) => m.topic === "browser" + i), "events reached the wrong streams");
    check(sse.open === 50, "streams open while fetching: " + sse.open);
    check(sse.books.every((b, i) => b.name === "shelves/s1/books/b" + i), "fetch answers: " + JSON.stringify(sse.books));
    check(sse.protocols.length === 1 && sse.protocols[0] === "h2", "fetch protocols: " + JSON.stringify(sse.protocols));
    check(sse.stats.thisRequestHttp2 === true, "/h2stats not over HTTP/2: " + JSON.stringify(sse.stats));
    check(sse.stats.streams >= 61, "server streams: " + JSON.stringify(sse.stats));
    step("50 EventSource streams open on " + sse.stats.connections + " HTTP/2 connection(s), 10 fetch calls in " +
         Math.round(sse.fetchMs) + " ms meanwhile");

    // A streamed upload: the body is a ReadableStream, sent as it is made.
    const upload = await page.evaluate(async () => {
      const enc = new TextEncoder();
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(enc.encode('{"text":"a","value":1}\n'));
          setTimeout(() => {
            controller.enqueue(enc.encode('{"text":"b","value":2}\n'));
            controller.close();
          }, 300);
        },
      });
      const res = await fetch("/v1/collect", {
        method: "POST", body, duplex: "half", headers: { "Content-Type": "application/json" },
      });
      return { status: res.status, body: await res.text() };
    });
    check(upload.status === 200 && upload.body === '{"text":"ab","sum":"3","count":2}',
          "streamed upload: " + JSON.stringify(upload));
    step("fetch with a ReadableStream body drove a client-streaming call");

    // WebSocket: over the HTTP/2 connection by extended CONNECT.
    const before = (await page.evaluate(async () => (await fetch("/h2stats")).json())).extendedConnects;
    const ws = await page.evaluate(async () => {
      const sock = new WebSocket(location.origin.replace("https:", "wss:") + "/v1/rooms/browser:echo");
      const reply = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no WebSocket reply in 10 s")), 10000);
        sock.onopen = () => sock.send(JSON.stringify({ room: "browser", text: "hello" }));
        sock.onmessage = (e) => {
          clearTimeout(timer);
          resolve(JSON.parse(e.data));
        };
        sock.onerror = () => reject(new Error("WebSocket error"));
      });
      const stats = await (await fetch("/h2stats")).json();
      sock.close(1000);
      return { reply, stats };
    });
    check(ws.reply.text === "hello" && ws.reply.room === "browser", "WebSocket reply: " + JSON.stringify(ws.reply));
    check(ws.stats.extendedConnects === before + 1,
          "the WebSocket did not arrive as extended CONNECT: " + JSON.stringify(ws.stats));
    step("WebSocket session over HTTP/2 (extended CONNECT)");
    check(errors.length === 0, "page errors: " + JSON.stringify(errors));
    console.log("ok: 50 EventSource streams + fetch, a streamed upload and a WebSocket, all over one TLS h2 origin");
  } finally {
    if (browser) await browser.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    server.proc.removeAllListeners("exit");
    server.proc.stdin.end();
    server.proc.kill("SIGTERM");
  }
}

// Killed from outside (ctest's timeout): the server goes too.
require("./browser_test_run.cjs").run(main, () => serverProc);
