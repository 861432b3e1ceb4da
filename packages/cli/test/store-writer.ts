/**
 * A process that saves `count` shares into the store under keys `<prefix>:<n>`, for store.test.ts's concurrent
 * writers. Run with `node --experimental-strip-types test/store-writer.ts <prefix> <count>` and XDG_CONFIG_HOME set.
 */
import { saveShare } from "../src/store.ts";

const [prefix = "writer", count = "1"] = process.argv.slice(2);
for (let n = 0; n < Number(count); n++) {
  await saveShare(`${prefix}:${n}`, {
    id: `${prefix}${n}`,
    url: `http://127.0.0.1/share/${prefix}${n}`,
    secret: "s",
    server: "http://127.0.0.1",
    agent: "claude",
    transcript: "/dev/null",
    createdAt: Date.now(),
  });
}
