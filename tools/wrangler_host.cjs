// A warm wrangler for the test suite: one Node that has loaded wrangler's bundle runs one-shot
// commands, one at a time, each as `tools/wrangler` would run it in a Node of its own: its argv,
// working folder, environment, stdin, stdout, stderr and exit status. The suite runs wrangler about
// 140 times, and loading the bundle (15 MB, with miniflare) is ~0.8 s of CPU of every start.
//
//   node tools/wrangler_host.cjs SOCKET IDLE_SECONDS
//
// tools/wrangler_client.py starts it and talks to it; only the tests turn it on
// (SMARTPAGES_WRANGLER_HOSTS), and an operator's `tools/wrangler` never uses it. What wrangler reads
// from the environment while it loads (ci-info reads CI, supports-color NO_COLOR) names the socket,
// so a host serves only commands started under the environment it loaded under, apart from the
// variables read at call time (the client's CALL_TIME). Between commands the host puts back what a
// command changes that a new Node starts without: the environment, folder, argv, stdin, exit code,
// the logger's level and warn-once history, the debug log file; and it runs what a Node runs as it
// exits (the `exit` listeners the command added). An uncaught error ends the host, as it would
// have ended that Node. tests/tools/test_wrangler_host.py holds it to wrangler in a Node of its own.
//
// Wire: the client sends one JSON line {argv, cwd, env, pid}; the host answers with frames of a type
// byte ("o" stdout, "e" stderr, "x" exit status), a 4-byte big-endian length and the bytes.
"use strict";

const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const tty = require("node:tty");
const Module = require("node:module");
const { Readable } = require("node:stream");

const [socketPath, idleSeconds = "30"] = process.argv.slice(2);
const CLI = path.join(__dirname, "..", "node_modules", "wrangler", "wrangler-dist", "cli.js");

class HostExit extends Error {
  constructor(code) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

// wrangler's bundle as `node cli.js` loads it (its `require.main === module` is false here, so it
// does not run a command), with what the host needs from its scope: `main`, and `fresh()`, which
// puts back the state a command leaves in the bundle's modules that a new Node starts without
// (tests/tools/test_wrangler_host.py shows each but the last): the logger's level and its warn-once
// history, the debug log's file (a new name per run; "Logs were written to" only after an error
// there), and the banner's npm update check (asked once per run).
function loadWrangler() {
  const source = `${fs.readFileSync(CLI, "utf8")}
module.exports.__host = {
  main,
  get FatalError() { return FatalError; },
  fresh() {
    logger2.resetLoggerLevel();
    logger2.clearHistory();
    debugLogFilepath = getDebugFilepath();
    hasStartedLogCleanup = hasLoggedLocation = hasLoggedError = hasSeenErrorMessage = false;
    updateCheckPromise = undefined;
  },
};`;
  const loaded = new Module(CLI, module);
  loaded.filename = CLI;
  loaded.paths = Module._nodeModulePaths(path.dirname(CLI));
  loaded._compile(source, CLI);
  return loaded.exports.__host;
}

// What a Node does as it exits, done as a command ends: the `exit` listeners added during the
// command run and go (signal-exit's among them, where wrangler's `onExit` callbacks wait).
const EXIT_EMITTER = Symbol.for("signal-exit emitter");
function exitListeners() {
  const emitter = globalThis[EXIT_EMITTER];
  return {
    process: process.listeners("exit"),
    exit: [...(emitter?.listeners.exit ?? [])],
    afterExit: [...(emitter?.listeners.afterExit ?? [])],
    count: emitter?.count ?? 0,
  };
}
function emulateExit(before, code) {
  for (const listener of process.listeners("exit")) {
    if (before.process.includes(listener)) continue;
    listener(code);
    process.removeListener("exit", listener);
  }
  const emitter = globalThis[EXIT_EMITTER];
  if (!emitter) return;
  emitter.emit("exit", code, null);
  emitter.emitted.exit = emitter.emitted.afterExit = false;
  emitter.listeners.exit = [...before.exit];
  emitter.listeners.afterExit = [...before.afterExit];
  emitter.count = before.count; // signal-exit re-raises a signal only when its count matches
}

// The client's stdin, opened as Node opens fd 0 at start: a TTY never reaches here (the client runs
// wrangler on its own then), a pipe or socket is a socket, anything else a file stream.
function stdinOf(pid) {
  let fd;
  try {
    fd = fs.openSync(`/proc/${pid}/fd/0`, "r");
  } catch {
    return Readable.from([]); // closed or not openable: reads as empty, as /dev/null would
  }
  const stat = fs.fstatSync(fd);
  const stream =
    stat.isFIFO() || stat.isSocket()
      ? new net.Socket({ fd, readable: true, writable: false, manualStart: true }) // read only once asked, as Node's stdin
      : fs.createReadStream(null, { fd });
  stream.isTTY = tty.isatty(fd);
  stream.fd = fd;
  return stream;
}

const realExit = process.exit.bind(process);
const realWrite = { stdout: process.stdout.write, stderr: process.stderr.write };
const realStdin = Object.getOwnPropertyDescriptor(process, "stdin");
let current = null; // the command running: { connection, send(type, bytes), crash(code) }

function frame(type, bytes) {
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

function capture(stream, type) {
  process[stream].write = function write(chunk, encoding, callback) {
    const done = typeof encoding === "function" ? encoding : callback;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? encoding : "utf8") : Buffer.from(chunk);
    if (current) current.send(type, bytes);
    else realWrite[stream].call(process[stream], chunk); // a command's late write, after its exit: the host's log
    if (done) process.nextTick(done);
    return true;
  };
}

function replaceEnv(env) {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, env);
}

async function run(wrangler, request, connection) {
  if (connection.closed) return; // its client is gone: a one-shot wrangler would not have run
  const start = { env: { ...process.env }, cwd: process.cwd(), argv: process.argv };
  let stdin = null;
  let status = null; // set once: by main settling, process.exit() or an uncaught error
  const settle = (code) => {
    status ??= code;
  };
  let crash;
  let didCrash = false;
  const crashed = new Promise((resolve) => {
    crash = () => {
      didCrash = true; // Node would have ended here, whatever main was doing
      resolve(settle(1));
    };
  });
  current = { connection, send: (type, bytes) => connection.write(frame(type, bytes)), crash };
  replaceEnv(request.env);
  process.chdir(request.cwd);
  process.argv = [process.execPath, CLI, ...request.argv];
  process.exitCode = undefined;
  Object.defineProperty(process, "stdin", {
    configurable: true,
    enumerable: realStdin.enumerable,
    get: () => (stdin ??= stdinOf(request.pid)),
  });
  process.exit = (code) => {
    settle(code ?? process.exitCode ?? 0);
    throw new HostExit(code);
  };
  wrangler.fresh();
  const listening = exitListeners();
  const ran = wrangler.main(request.argv).then(
    () => settle(process.exitCode ?? 0),
    // As cli.js's own `main(...).catch(...)`: a FatalError's code, else 1.
    (error) => settle(error instanceof HostExit ? error.code : (error instanceof wrangler.FatalError && error.code) || 1),
  );
  await Promise.race([ran, crashed]);
  await new Promise((resolve) => setImmediate(resolve)); // writes queued as main settled are this command's
  try {
    emulateExit(listening, status);
  } finally {
    current = null;
    // After an uncaught error main may still be running: the host ends as that Node would have.
    connection.end(frame("x", Buffer.from(String(status))), () => didCrash && realExit(1));
    stdin?.destroy();
    Object.defineProperty(process, "stdin", realStdin);
    process.exit = realExit;
    process.exitCode = undefined;
    process.argv = start.argv;
    process.chdir(start.cwd);
    replaceEnv(start.env);
  }
}

function main() {
  // Ended by a signal (the suite's end), the host ends at once: signal-exit, once a command has
  // loaded it, would otherwise take SIGTERM for a command's and leave the host running.
  for (const [signal, number] of [["SIGTERM", 15], ["SIGINT", 2]]) {
    process.on(signal, () => {
      realWrite.stderr.call(process.stderr, `wrangler host: ended by ${signal}\n`);
      realExit(128 + number);
    });
  }
  const wrangler = loadWrangler();
  capture("stdout", "o");
  capture("stderr", "e");
  // What would end a one-shot wrangler with Node's message and status 1 ends the command running.
  const fail = (error) => {
    if (error instanceof HostExit) return;
    const text = `${error?.stack ?? error}\n\nNode.js ${process.version}\n`;
    if (current) {
      current.send("e", Buffer.from(text));
      current.crash();
    } else realWrite.stderr.call(process.stderr, text);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);

  let queue = Promise.resolve();
  let waiting = 0; // commands queued or running
  let idle = null;
  const rest = () => {
    clearTimeout(idle);
    if (waiting > 0) return;
    idle = setTimeout(() => {
      fs.rmSync(socketPath, { force: true });
      realExit(0);
    }, Number(idleSeconds) * 1000);
  };
  const server = net.createServer((connection) => {
    clearTimeout(idle);
    waiting += 1;
    let queued = false;
    let buffered = "";
    connection.on("data", (chunk) => {
      buffered += chunk.toString("utf8");
      const end = buffered.indexOf("\n");
      if (end < 0) return;
      connection.removeAllListeners("data");
      queued = true;
      const request = JSON.parse(buffered.slice(0, end));
      queue = queue.then(() => run(wrangler, request, connection)).finally(() => {
        waiting -= 1;
        rest();
      });
    });
    connection.on("error", () => {});
    // A client gone before its exit status (killed by its caller's timeout) would have taken its
    // one-shot wrangler with it: the host ends too, rather than serve the next command behind it.
    connection.on("close", () => {
      if (current?.connection === connection) realExit(1);
      if (!queued) {
        waiting -= 1; // gone before it asked for anything
        rest();
      }
    });
  });
  server.on("error", (error) => {
    realWrite.stderr.call(process.stderr, `wrangler host: ${error.message}\n`);
    realExit(1);
  });
  server.listen(socketPath, rest);
}

main();
