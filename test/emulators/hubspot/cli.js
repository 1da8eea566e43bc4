#!/usr/bin/env node
"use strict";
// Usage: node test/emulators/hubspot/cli.js [--port 0] [--limit-per-10s 190] [--window-ms 10000]
//        [--daily-limit 250000] [--seed 1] [--invalid-mode batch400|perInput207]
//        [--ordered-results] [--omit-trace-ids]
// Env fallbacks: HUBSPOT_EMULATOR_PORT, HUBSPOT_EMULATOR_LIMIT_PER_10S, HUBSPOT_EMULATOR_WINDOW_MS,
// HUBSPOT_EMULATOR_DAILY_LIMIT, HUBSPOT_EMULATOR_SEED, HUBSPOT_EMULATOR_INVALID_MODE.
// Prints "HUBSPOT_EMULATOR_URL=http://127.0.0.1:<port>" once listening, so a parent process can parse it.
const { startHubSpotEmulator } = require("./server");

function arg(name) {
  const argv = process.argv.slice(2);
  const i = argv.findIndex(
    (a) => a === `--${name}` || a.startsWith(`--${name}=`),
  );
  if (i === -1) return undefined;
  const a = argv[i];
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1];
}

function num(value, name) {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`Invalid ${name}: ${value}`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const env = process.env;
  const positional = process.argv.slice(2).find((a) => /^\d+$/.test(a));
  const port =
    num(arg("port") ?? positional ?? env.HUBSPOT_EMULATOR_PORT, "port") ?? 0;
  const invalidMode = arg("invalid-mode") ?? env.HUBSPOT_EMULATOR_INVALID_MODE;
  if (invalidMode && !["batch400", "perInput207"].includes(invalidMode)) {
    console.error(`Invalid invalid-mode: ${invalidMode}`);
    process.exit(2);
  }
  const emulator = await startHubSpotEmulator({
    port,
    limitPer10s: num(
      arg("limit-per-10s") ?? env.HUBSPOT_EMULATOR_LIMIT_PER_10S,
      "limit-per-10s",
    ),
    windowMs: num(
      arg("window-ms") ?? env.HUBSPOT_EMULATOR_WINDOW_MS,
      "window-ms",
    ),
    dailyLimit: num(
      arg("daily-limit") ?? env.HUBSPOT_EMULATOR_DAILY_LIMIT,
      "daily-limit",
    ),
    seed: num(arg("seed") ?? env.HUBSPOT_EMULATOR_SEED, "seed"),
    invalidMode: invalidMode || undefined,
    // Batch answers come back shuffled unless asked otherwise, as HubSpot may answer.
    orderedResults: process.argv.includes("--ordered-results"),
    omitTraceIds: process.argv.includes("--omit-trace-ids"),
  });
  console.log(`HUBSPOT_EMULATOR_URL=${emulator.url}`);
  const stop = () => emulator.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
