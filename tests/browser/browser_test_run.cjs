// What the headless-Chromium tests of this folder share: running their
// main() to an exit status, and killing their server when the test itself
// is killed from outside (ctest's timeout).
"use strict";

// Runs `main` (an async function); `serverProc()` returns the server's
// child process once started, or null.
function run(main, serverProc) {
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      const proc = serverProc();
      if (proc) proc.kill("SIGKILL");
      console.error("FAILED: stopped by " + signal);
      process.exit(1);
    });
  }
  main().then(() => process.exit(0), (err) => {
    console.error("FAILED: " + (err && err.stack || err));
    process.exit(1);
  });
}

module.exports = { run };
