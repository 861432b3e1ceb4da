/**
 * `npm run profile -w @shareroom/bench`: a CPU profile of the sessions worker's isolate (the worker and its Durable
 * Objects share it) over the ingest suite's syncs of one size, taken through the worker's inspector with the V8
 * profiler (https://chromedevtools.github.io/devtools-protocol/tot/Profiler/). Prints the functions with the most
 * self time and the call paths into the heaviest ones; `BENCH_PROFILE_OUT=<file>.cpuprofile` also writes the last sync's profile
 * for Chromium's DevTools, and the worker bundle its line numbers point into as `<file>.cpuprofile.js`. `BENCH_PROFILE_SIZE` is a size class of the ingest suite (`10 KB`, `100 KB`, `5 MB`),
 * `BENCH_PROFILE_SYNCS` how many syncs are profiled (after 3 unprofiled ones).
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../../scripts/local-stack.mjs";
import { Sessions } from "./api.ts";
import { generateSession } from "./generate.ts";
import { HeapProbe } from "./heap.ts";
import { now } from "./measure.ts";
import { sessionsConfig, startWorker } from "./servers.ts";
import { batchesOf, SIZE_CLASSES } from "./suites/ingest.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const WARMUP = 3;

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split("/").slice(-2).join("/");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
}

/** Self and total milliseconds per function (by name and place) over `profiles`, from the samples' time deltas. */
function summarize(profiles: Profile[], syncs: number): void {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let wall = 0;
  for (const profile of profiles) {
    wall += (profile.endTime - profile.startTime) / 1000;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      // A sample's delta is the time before it; the time it stands for is the next delta.
      const ms = (deltas[i + 1] ?? 0) / 1000;
      const name = frameName(byId.get(samples[i]!)!);
      self.set(name, (self.get(name) ?? 0) + ms);
      const seen = new Set<string>();
      for (let at: number | undefined = samples[i]; at !== undefined; at = parent.get(at)) {
        const frame = frameName(byId.get(at)!);
        if (seen.has(frame)) continue;
        seen.add(frame);
        total.set(frame, (total.get(frame) ?? 0) + ms);
      }
    }
  }
  const busy = [...self.entries()].filter(([name]) => name !== "(idle)").reduce((sum, [, ms]) => sum + ms, 0);
  console.log(`profile: ${(wall / syncs).toFixed(1)} ms wall, ${(busy / syncs).toFixed(1)} ms not idle, per sync`);
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => `  ${(ms / syncs).toFixed(2).padStart(8)} ms/sync  ${name}`)
      .join("\n");
  console.log(`self time, per sync:\n${top(self, 40)}`);
  console.log(`total time (self + callees), per sync:\n${top(total, 60)}`);
}

async function main(): Promise<void> {
  const sizeName = process.env.BENCH_PROFILE_SIZE ?? "5 MB";
  const size = SIZE_CLASSES.find((candidate) => candidate.name === sizeName);
  if (!size) throw new Error(`no size class "${sizeName}" (${SIZE_CLASSES.map((c) => c.name).join(", ")})`);
  const syncs = Number(process.env.BENCH_PROFILE_SYNCS) || 20;
  const temp = await mkdtemp(join(tmpdir(), "shareroom-profile-"));
  const adminToken = randomBytes(24).toString("base64url");
  const server = await startWorker("sessions", await sessionsConfig(temp), temp, {
    ADMIN_TOKEN: adminToken,
    SYNCS_PER_SHARE_PER_MINUTE: "600000",
  });
  try {
    const sessions = new Sessions(server.origin, adminToken);
    const session = generateSession({ parts: 6000, seed: 4 });
    const pool = [...session.final.values()].filter((item) => item.type === "part" || item.type === "message");
    const fixed = [session.final.get("session_diff")!, session.final.get("model")!];
    const batches = batchesOf(pool, session.final.get("session")!, fixed, size.bytes, WARMUP + syncs);
    const share = await sessions.create("ses_profile");
    const bodies = batches.map((batch) => Sessions.syncBody(share, batch));
    for (const body of bodies.slice(0, WARMUP)) {
      await sessions.sync(share, body);
      await sessions.flush(share.id);
    }
    const probe = await HeapProbe.connect(server.inspectorPort!);
    await probe.call("Profiler.enable");
    await probe.call("Profiler.setSamplingInterval", 5_000, { interval: 100 });
    // One profile per sync, so the flush after it (outside the timing, as in the ingest suite) is not in it.
    const profiles: Profile[] = [];
    let timed = 0;
    for (const body of bodies.slice(WARMUP)) {
      await probe.call("Profiler.start");
      const started = now();
      await sessions.sync(share, body);
      timed += now() - started;
      profiles.push((await probe.call<{ profile: Profile }>("Profiler.stop", 60_000)).profile);
      await sessions.flush(share.id);
    }
    probe.close();
    console.log(`${size.name}: ${syncs} syncs, mean ${(timed / syncs).toFixed(1)} ms (client side, profiler on)`);
    summarize(profiles, syncs);
    const out = process.env.BENCH_PROFILE_OUT;
    if (out) {
      await writeFile(out, JSON.stringify(profiles.at(-1)));
      // The bundle the profile's line numbers point into: wrangler writes it under the state folder.
      const bundle = (await readdir(temp, { recursive: true })).find((path) => /dev-[^/]+\/index\.js$/.test(path));
      if (bundle) await copyFile(join(temp, bundle), `${out}.js`);
    }
  } finally {
    await stopProcess(server);
    await rm(temp, { recursive: true, force: true });
  }
}

await main();
