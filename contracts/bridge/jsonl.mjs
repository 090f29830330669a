// A JSON-lines request loop shared by the bridges: one request object per stdin line, one reply per
// stdout line ({id, ok: true, data} or {id, ok: false, error}). Everything else that would reach stdout
// (console.*, the Clarinet SDK's print-event logging, direct process.stdout writes) is sent to stderr,
// so stdout carries the protocol and nothing else.
import readline from "node:readline";

const protocolWrite = process.stdout.write.bind(process.stdout);
const toStderr = (...parts) => process.stderr.write(parts.map(String).join(" ") + "\n");
console.log = console.info = console.warn = console.debug = toStderr;
process.stdout.write = (chunk, encoding, callback) => process.stderr.write(chunk, encoding, callback);

const reply = (message) => protocolWrite(JSON.stringify(message) + "\n");

/** Serve `handlers` ({cmd: async (request) => data}) until stdin closes; requests run one at a time. */
export async function serve(handlers, ready = {}) {
  reply({ id: null, ok: true, data: { ready: true, ...ready } });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request;
    try {
      request = JSON.parse(line);
    } catch (error) {
      reply({ id: null, ok: false, error: `request is not JSON: ${error.message}` });
      continue;
    }
    const handler = handlers[request.cmd];
    if (!handler) {
      reply({ id: request.id ?? null, ok: false, error: `unknown command ${JSON.stringify(request.cmd)}` });
      continue;
    }
    try {
      reply({ id: request.id ?? null, ok: true, data: await handler(request) });
    } catch (error) {
      reply({ id: request.id ?? null, ok: false, error: String(error?.message ?? error) });
    }
  }
}
