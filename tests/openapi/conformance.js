// Requests built from the served OpenAPI document, sent to a running
// gateway, and the responses checked against the document's schemas.
//
//   node tests/openapi/conformance.js <openapi_server binary> <npm dir>
//
// Starts the server (tests/openapi/openapi_server.cc), fetches
// /openapi.json and, for each operation of the Things service that plain
// HTTP serves, builds a request from the document alone (path parameters,
// query parameters, body, from their schemas), sends it, and validates the
// response with ajv (JSON Schema 2020-12) against the document's schema for
// that status and content type: unary JSON, NDJSON lines, SSE events, and
// an error body. Exits 0 when every check passes, 1 otherwise, 77 when the
// validators are not installed.
'use strict';

const { spawn } = require('child_process');
const path = require('path');
const readline = require('readline');

const [serverBin, npmDir] = process.argv.slice(2);
if (!serverBin || !npmDir) {
  console.error('usage: conformance.js <openapi_server> <npm dir>');
  process.exit(2);
}
let Ajv2020, addFormats;
try {
  Ajv2020 = require(path.resolve(npmDir, 'node_modules/ajv/dist/2020')).default;
  addFormats = require(path.resolve(npmDir, 'node_modules/ajv-formats')).default;
} catch (e) {
  console.log(`skipped: ajv is not installed in ${npmDir} (the openapi_npm_setup test installs it)`);
  process.exit(77);
}

let failures = 0;
let checks = 0;
function fail(what, detail) {
  failures++;
  console.error(`FAIL ${what}${detail ? '\n  ' + detail : ''}`);
}

// ---- the document's schemas ----

let doc;
let ajv;
function resolve(schema) {
  while (schema && schema.$ref) {
    const parts = schema.$ref.replace(/^#\//, '').split('/');
    let target = doc;
    for (const p of parts) target = target[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    schema = target;
  }
  return schema;
}

// Refs in a schema taken out of the document point into the document.
function anchored(schema) {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (!schema || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? 'urn:grpcgw:doc' + v : anchored(v);
  }
  return out;
}

function validator(schema) {
  return ajv.compile(anchored(schema));
}

function check(what, schema, value) {
  checks++;
  const validate = validator(schema);
  if (!validate(value)) {
    fail(what, `${ajv.errorsText(validate.errors)}\n  value: ${JSON.stringify(value).slice(0, 400)}`);
    return false;
  }
  return true;
}

// ---- sample values from schemas ----

const samples = {
  'date-time': '2024-05-06T07:08:09Z',
};

function sampleFromPattern(pattern) {
  // The patterns the writer makes: ^literal/[^/]+/...(/.*)?$ and the scalar ones.
  if (pattern === '^-?[0-9]+$') return '-42';
  if (pattern === '^[0-9]+$') return '42';
  if (pattern === '^-?[0-9]+(\\.[0-9]{1,9})?s$') return '1.500s';
  let s = pattern.replace(/^\^/, '').replace(/\$$/, '');
  s = s.replace(/\(\/\.\*\)\?/g, '/deep/er').replace(/\.\*/g, 'any/thing').replace(/\[\^\/\]\+/g, 'x1');
  return s.replace(/\\(.)/g, '$1');
}

function sample(schema, depth) {
  schema = resolve(schema);
  if (!schema) return null;
  if (schema.anyOf || schema.oneOf) {
    const branches = (schema.anyOf || schema.oneOf).filter((b) => resolve(b).type !== 'null');
    return sample(branches[0], depth);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null');
  if (schema.enum) return schema.enum.find((v) => !/UNSPECIFIED/.test(String(v))) ?? schema.enum[0];
  switch (type) {
    case 'object': {
      const out = {};
      if (!schema.properties) {
        if (schema.additionalProperties && depth < 4) {
          const names = schema.propertyNames || {};
          const key = names.enum ? names.enum[0] : names.pattern ? sampleFromPattern(names.pattern) : 'key1';
          out[key] = sample(schema.additionalProperties, depth + 1);
        } else if ((schema.description || '').includes('google.protobuf.Struct')) {
          out.key = 'value';
        }
        return out;
      }
      // One member per oneof.
      const skip = new Set();
      for (const constraint of schema.allOf || []) {
        const members = (constraint.oneOf || []).filter((b) => b.required).map((b) => b.required[0]);
        members.slice(1).forEach((m) => skip.add(m));
      }
      for (const [name, prop] of Object.entries(schema.properties)) {
        if (skip.has(name) || name === '@type') continue;
        const target = resolve(prop.anyOf ? prop.anyOf[0] : prop);
        if (depth >= 3 && target && target.type === 'object' && target.properties) continue;  // recursion
        out[name] = sample(prop, depth + 1);
      }
      if (schema.properties['@type']) {
        return { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2s' };
      }
      return out;
    }
    case 'array':
      return schema.items ? [sample(schema.items, depth + 1)] : [1, 'two'];
    case 'string':
      if (schema.format && samples[schema.format]) return samples[schema.format];
      if (schema.contentEncoding === 'base64' || schema.format === 'byte') return 'aGVsbG8=';
      if (schema.pattern) return sampleFromPattern(schema.pattern);
      return 'text';
    case 'integer':
      return 7;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'any value';
  }
}

// ---- requests from operations ----

function buildRequest(base, pathKey, op) {
  let url = pathKey;
  const query = [];
  const oneofs = {};  // oneof -> the member whose parameters are sent
  for (const param of op.parameters || []) {
    const group = param['x-grpcgw-oneof'];
    if (group) {
      oneofs[group] = oneofs[group] || param['x-grpcgw-oneof-member'];
      if (oneofs[group] !== param['x-grpcgw-oneof-member']) continue;
    }
    // A FieldMask's paths must name fields of the message its description
    // names: the empty mask suits every target.
    const isMask = (param.description || '').includes('google.protobuf.FieldMask');
    const value = isMask ? '' : sample(param.schema, 0);
    if (param.in === 'path') {
      const text = String(value);
      // A multi-segment capture is sent with its '/' (the description says so).
      const encoded = param.schema.pattern ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text);
      url = url.replace(`{${param.name}}`, encoded);
    } else if (param.in === 'query') {
      if (param.style === 'deepObject') {
        for (const [k, v] of Object.entries(value)) query.push(`${param.name}[${encodeURIComponent(k)}]=${encodeURIComponent(v)}`);
      } else if (Array.isArray(value)) {
        for (const v of value) query.push(`${param.name}=${encodeURIComponent(v)}`);
      } else {
        query.push(`${param.name}=${encodeURIComponent(value)}`);
      }
    }
  }
  const request = { url: base + url + (query.length ? '?' + query.join('&') : ''), headers: {} };
  const content = op.requestBody && op.requestBody.content;
  if (content && content['application/json']) {
    request.body = JSON.stringify(sample(content['application/json'].schema, 0));
    request.headers['Content-Type'] = 'application/json';
  } else if (content && content['application/x-ndjson']) {
    const item = content['application/x-ndjson'].schema;
    request.body = [sample(item, 0), sample(item, 0)].map((v) => JSON.stringify(v)).join('\n') + '\n';
    request.headers['Content-Type'] = 'application/x-ndjson';
  } else if (content && content['*/*']) {
    request.body = 'raw bytes';
    request.headers['Content-Type'] = 'text/plain';
  }
  return request;
}

function parseSse(text) {
  const events = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    const event = { data: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(value);
      else event[field] = value;
    }
    if (event.data.length || event.id || event.event) events.push({ ...event, data: event.data.join('\n') });
  }
  return events;
}

async function exercise(base, pathKey, method, op) {
  const name = `${method.toUpperCase()} ${pathKey} (${op.operationId})`;
  const ok = op.responses['200'];
  const mediaTypes = Object.keys(ok.content || {});
  const accepts = mediaTypes.length ? mediaTypes : [''];
  for (const accept of accepts) {
    const request = buildRequest(base, pathKey, op);
    const headers = { ...request.headers };
    if (accept) headers.Accept = accept;
    const res = await fetch(request.url, { method: method.toUpperCase(), headers, body: request.body });
    const text = await res.text();
    checks++;
    if (res.status !== 200) {
      fail(`${name} [${accept}]: status ${res.status}`, `${request.url}\n  ${text.slice(0, 300)}`);
      continue;
    }
    const media = ok.content ? ok.content[accept] : null;
    if (!media) continue;
    const got = (res.headers.get('content-type') || '').split(';')[0];
    if (accept !== '*/*' && got !== accept) fail(`${name}: Content-Type ${got}, expected ${accept}`);
    if (accept === 'application/json') {
      check(`${name} response`, media.schema, JSON.parse(text));
    } else if (accept === 'application/x-ndjson') {
      const lines = text.split('\n').filter((l) => l);
      if (!lines.length) fail(`${name}: no NDJSON lines`);
      lines.forEach((line, i) => check(`${name} line ${i + 1}`, media.schema, JSON.parse(line)));
    } else if (accept === 'text/event-stream') {
      const sse = media['x-grpcgw-sse'];
      const events = parseSse(text);
      const eos = sse.endOfStream;
      const last = events[events.length - 1];
      checks++;
      if (!last || last.id !== eos.id || last.event !== eos.event) fail(`${name}: no end-of-stream event`, text);
      const messages = events.slice(0, -1);
      if (!messages.length) fail(`${name}: no events`);
      for (const [i, event] of messages.entries()) {
        const data = JSON.parse(event.data);
        check(`${name} event ${i + 1}`, sse.data, data);
        checks++;
        if (sse.idField && event.id !== String(data[sse.idField])) {
          fail(`${name} event ${i + 1}: id ${event.id}, expected the ${sse.idField} field (${data[sse.idField]})`);
        }
        if (sse.eventField && event.event !== String(data[sse.eventField])) {
          fail(`${name} event ${i + 1}: event ${event.event}, expected the ${sse.eventField} field`);
        }
      }
    } else if (accept === '*/*') {
      checks++;
      if (text !== request.body) fail(`${name}: raw body ${JSON.stringify(text)}`);
    }
  }
}

async function main() {
  const server = spawn(serverBin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const timer = setTimeout(() => {
    console.error('FAIL: the test took longer than 60 s');
    server.kill('SIGKILL');
    process.exit(1);
  }, 60000);
  const port = await new Promise((resolvePort, reject) => {
    const lines = readline.createInterface({ input: server.stdout });
    lines.on('line', (line) => {
      const m = /^port (\d+)$/.exec(line);
      if (m) resolvePort(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`openapi_server exited (${code}) before it listened`)));
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    doc = await (await fetch(`${base}/openapi.json`)).json();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('uint32', { type: 'number', validate: (n) => Number.isInteger(n) && n >= 0 && n <= 4294967295 });
    ajv.addFormat('uint64', { type: 'string', validate: (s) => /^[0-9]+$/.test(s) });
    ajv.addFormat('int64', { type: 'string', validate: (s) => /^-?[0-9]+$/.test(s) });
    ajv.addFormat('double', true);
    ajv.addFormat('float', true);
    // The whole document is one schema resource, so that its refs resolve.
    ajv.addSchema({ ...doc, $id: 'urn:grpcgw:doc' });

    let operations = 0;
    for (const [pathKey, item] of Object.entries(doc.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
        if (!item[method]) continue;
        operations++;
        await exercise(base, pathKey, method, item[method]);
      }
    }
    checks++;
    if (operations < 10) fail(`only ${operations} operations in the document`);

    // An error: the response matches the document's schema for its status.
    const echo = doc.paths['/v1/{name}:echo'].post;
    const res = await fetch(`${base}/v1/shelves/fail:echo`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    });
    checks++;
    if (res.status !== 400) fail(`an INVALID_ARGUMENT echo answered ${res.status}`);
    const errorResponse = resolve(echo.responses['400']);
    check('error body (400)', errorResponse.content['application/json'].schema, await res.json());

    // The unary response schema is not a formality: a body of the wrong
    // shape fails it.
    checks++;
    const responseSchema = echo.responses['200'].content['application/json'].schema;
    const validResponse = await (await fetch(`${base}/v1/shelves/s1:echo`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"i64":"5"}',
    })).json();
    const validate = validator(responseSchema);
    if (!validate(validResponse)) fail('an echo response does not match its schema', ajv.errorsText(validate.errors));
    if (validate({ ...validResponse, i64: 5 })) fail('the response schema accepted an int64 as a number');
    const { name, ...withoutName } = validResponse;
    if (name !== 'shelves/s1' || validate(withoutName)) fail('the response schema accepted a response without "name"');
    if (validate({ ...validResponse, kind: 'KIND_Z' })) fail('the response schema accepted an unknown enum name');
    if (validate({ ...validResponse, text: 'a', number: '1' })) fail('the response schema accepted two members of a oneof');
  } finally {
    clearTimeout(timer);
    server.stdin.end();
  }
  console.log(`${checks} checks, ${failures} failed`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
