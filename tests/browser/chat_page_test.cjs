// The chat example's page (examples/chat/index.html) in headless Chromium,
// against a real example_server: a message sent from one page arrives in
// another, the status label and the room counts follow, failed sends say
// what happened, and the page loads without a single failed request (no
// favicon 404). Leaves screenshots in the work dir.
//
//   node chat_page_test.cjs <example_server> <chromium> <node_modules> <work dir>
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [exampleBinary, chromiumPath, nodeModules, workDir] = process.argv.slice(2);
const puppeteer = require(path.join(nodeModules, "puppeteer-core"));
const WAIT = 5000;  // ms for any one expected change on a page

function startExample() {
  return new Promise((resolve, reject) => {
    const proc = spawn(exampleBinary, ["--host", "127.0.0.1", "--port", "0", "--grpc-port", "0"],
                       { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("example_server printed no address in 10 s")), 10000);
    proc.stdout.on("data", (data) => {
      out += data;
      const m = out.match(/HTTP on (http:\/\/[^,\s]+)/);
      if (m) {
        clearTimeout(timer);
        proc.stdout.removeAllListeners("data");
        proc.stdout.resume();
        resolve({ proc, url: m[1] });
      }
    });
    proc.on("exit", (code) => reject(new Error("example_server exited with " + code + ": " + out)));
  });
}

const started = Date.now();
function step(what) {
  console.log("[" + (Date.now() - started) + " ms] " + what);
}

function check(condition, what) {
  if (!condition) throw new Error(what);
}

// Opens the page and records every failed request and page error.
async function openPage(browser, url, name) {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT);
  await page.setViewport({ width: 900, height: 720 });
  const record = { name, failures: [], errors: [], requests: [] };
  page.on("request", (req) => record.requests.push(req.method() + " " + req.url()));
  page.on("response", (res) => {
    if (res.status() >= 400) record.failures.push(res.status() + " " + res.url());
  });
  page.on("pageerror", (err) => record.errors.push(String(err)));
  await page.goto(url + "/", { waitUntil: "load" });
  return { page, record };
}

// Input goes to the tab in front, as a user's would.
async function join(page, room, author) {
  await page.bringToFront();
  await page.$eval("#room", (el, v) => { el.value = v; }, room);
  await page.$eval("#author", (el, v) => { el.value = v; }, author);
  await page.click("#join");
}

async function send(page, text) {
  await page.bringToFront();
  await page.$eval("#text", (el) => { el.value = ""; });
  await page.type("#text", text);
  await page.keyboard.press("Enter");
}

const text = (page, selector) => page.$eval(selector, (el) => el.textContent);

async function waitForText(page, selector, expected, what) {
  try {
    await page.waitForFunction((sel, exp) => {
      const el = document.querySelector(sel);
      return el && el.textContent.includes(exp);
    }, { timeout: WAIT, polling: 50 }, selector, expected);  // not "raf": pages behind draw no frames
  } catch (e) {
    throw new Error(what + ": " + JSON.stringify(expected) + " did not appear in " + selector +
                    " within " + WAIT + " ms; it holds " + JSON.stringify(await text(page, selector)));
  }
}

// The browser snippets of docs/ (blocks after a <!-- snippet: NAME.js -->
// line), each run as a module in a page of the example, with what it must
// print once a message is sent to the lobby.
const DOCS = path.join(__dirname, "..", "..", "docs");
const SNIPPETS = {
  "sse.js": { doc: "sse.md", expect: ["connected", "ada docs-sse"] },
  "websocket.js": { doc: "websocket.md", expect: ["ada: hello", "ada: docs-websocket"] },
  "chunked-read.js": { doc: "chunked.md", expect: ["ada docs-chunked"] },
  "chunked-upload.js": { doc: "chunked.md", expect: ['"text":"one"', '"text":"two"'] },
};

function snippet(doc, name) {
  const text = fs.readFileSync(path.join(DOCS, doc), "utf8");
  const marker = "<!-- snippet: " + name + " -->\n```js\n";
  const start = text.indexOf(marker);
  check(start >= 0, "docs/" + doc + " has no block marked " + name);
  const body = text.slice(start + marker.length);
  return body.slice(0, body.indexOf("\n```"));
}

async function runDocSnippets(browser, url) {
  for (const [name, { doc, expect }] of Object.entries(SNIPPETS)) {
    const page = await browser.newPage();
    const output = [];
    const problems = [];
    page.on("console", (m) => (m.type() === "error" ? problems : output).push(m.text()));
    page.on("pageerror", (err) => problems.push(String(err)));
    await page.goto(url + "/", { waitUntil: "load" });
    await page.addScriptTag({ type: "module", content: snippet(doc, name) });
    await new Promise((r) => setTimeout(r, 300));  // the snippet subscribes first
    const text = "docs-" + name.replace(/\.js$/, "");
    const res = await fetch(url + "/v1/rooms/lobby/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ author: "ada", text }),
    });
    check(res.ok, "posting for " + name + ": " + res.status);
    const deadline = Date.now() + WAIT;
    while (!expect.every((e) => output.some((o) => o.includes(e))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    check(expect.every((e) => output.some((o) => o.includes(e))),
          "docs/" + doc + " " + name + ": expected " + JSON.stringify(expect) + " in its output " +
          JSON.stringify(output) + (problems.length ? ", errors " + JSON.stringify(problems) : ""));
    check(problems.length === 0, "docs/" + doc + " " + name + ": errors " + JSON.stringify(problems));
    await page.close();
    step("docs/" + doc + " " + name + " ran as documented");
  }
}

async function main() {
  const example = await startExample();
  exampleProc = example.proc;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "grpcgw-chromium-"));
  let browser = null;
  try {
    browser = await puppeteer.launch({
      executablePath: chromiumPath,
      headless: true,
      userDataDir,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             // The page behind keeps its timers (room counts) running.
             "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
             "--disable-backgrounding-occluded-windows"],
    });
    step("chromium started");
    const room = "browser-" + Math.random().toString(36).slice(2, 8);
    const a = await openPage(browser, example.url, "sender");
    const b = await openPage(browser, example.url, "receiver");
    step("pages loaded");
    await join(a.page, room, "ada");
    await join(b.page, room, "bob");
    // Joining resets the status label at once (no stale "connected to lobby").
    const joined = await text(b.page, "#state");
    check(joined === "connecting to " + room + "..." || joined === "connected to " + room,
          "status label after joining: " + joined);

    step("joined " + room);
    // Sent in one page, shown in both.
    await send(a.page, "hello from the sender");
    await waitForText(b.page, "#log", "ada: hello from the sender", "message in the receiving page");
    await waitForText(a.page, "#log", "ada: hello from the sender", "message in the sending page");
    await waitForText(b.page, "#state", "connected to " + room, "receiver's status label");
    // Room counts follow the messages, in both pages.
    await waitForText(b.page, "#rooms", room + " (1)", "receiver's room count");
    await waitForText(a.page, "#rooms", room + " (1)", "sender's room count");
    await send(b.page, "and back");
    await waitForText(a.page, "#log", "bob: and back", "reply in the first page");
    await waitForText(a.page, "#rooms", room + " (2)", "room count after the reply");
    check((await text(a.page, "#text")) === "" && (await a.page.$eval("#text", (el) => el.value)) === "",
          "the input is cleared after a send");
    step("messages and room counts seen in both pages");
    await b.page.screenshot({ path: path.join(workDir, "chat_page_receiver.png") });

    // Status label: joining another room says so until its stream opens.
    await join(b.page, room + "-other", "bob");
    const state = await text(b.page, "#state");
    check(state === "connecting to " + room + "-other..." || state === "connected to " + room + "-other",
          "status label after joining another room: " + state);
    await join(b.page, room, "bob");
    await waitForText(b.page, "#log", "bob: and back", "history replayed after joining back");

    step("status label checked");
    // Every load so far went without a failed request (the favicon is inline).
    for (const r of [a.record, b.record]) {
      check(r.failures.length === 0, r.name + " page: failed requests " + JSON.stringify(r.failures));
      check(r.errors.length === 0, r.name + " page: errors " + JSON.stringify(r.errors));
      check(!r.requests.some((q) => q.includes("favicon")), r.name + " page asked for a favicon");
    }

    step("no failed request, no favicon request");
    // Failed sends: the gateway's own error (no route for an empty room)...
    await a.page.$eval("#room", (el) => { el.value = ""; });
    await send(a.page, "nowhere");
    await waitForText(a.page, "#log", "not sent: 404", "gateway error shown");
    const gatewayError = await a.page.$eval("#log .error:last-child", (el) => el.textContent);
    check(!/JSON|Unexpected token/.test(gatewayError), "gateway error shown as: " + gatewayError);
    await a.page.$eval("#room", (el, v) => { el.value = v; }, room);

    step("gateway error shown");
    // ... a proxy's HTML error page, and a network failure.
    await a.page.setRequestInterception(true);
    let mode = "502";
    a.page.on("request", (req) => {
      if (req.method() !== "POST") return req.continue();
      if (mode === "502") {
        return req.respond({ status: 502, contentType: "text/html",
                             body: "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>" });
      }
      return req.abort("connectionrefused");
    });
    await send(a.page, "through a broken proxy");
    await waitForText(a.page, "#log", "not sent: 502", "proxy error shown");
    const proxyError = await a.page.$eval("#log .error:last-child", (el) => el.textContent);
    check(proxyError.includes("Bad Gateway") && !/JSON|Unexpected token/.test(proxyError),
          "proxy error shown as: " + proxyError);
    mode = "abort";
    await send(a.page, "with the server gone");
    await waitForText(a.page, "#log", "not sent: cannot reach the server", "network error shown");
    await a.page.screenshot({ path: path.join(workDir, "chat_page_sender.png") });
    check(a.record.errors.length === 0, "sender page errors: " + JSON.stringify(a.record.errors));

    await runDocSnippets(browser, example.url);

    console.log("ok: a message sent in one page arrived in the other; status, room counts, errors and " +
                "favicon checked; the browser snippets of docs/ ran; screenshots in " + workDir);
  } finally {
    if (browser) await browser.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    example.proc.removeAllListeners("exit");
    example.proc.kill("SIGTERM");
  }
}

// Killed from outside (ctest's timeout): the example server goes too.
let exampleProc = null;
require("./browser_test_run.cjs").run(main, () => exampleProc);
