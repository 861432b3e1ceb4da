/**
 * The `shareroom` command line: `share`, `unshare`, `list`, `install`, `config`, and `hook` (run by the installed
 * hooks). docs/agents.md explains each.
 */
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import type { AgentId } from "./conversation.ts";
import { runHook } from "./hook.ts";
import { defaultCommand, install } from "./install.ts";
import { runList, runUnshare } from "./manage.ts";
import { runShare } from "./share.ts";
import { resolveServer, saveServer } from "./store.ts";

declare const SHAREROOM_VERSION: string;
const VERSION = typeof SHAREROOM_VERSION === "string" ? SHAREROOM_VERSION : "0.0.0-dev";

const AGENT_CHOICES = ["claude", "codex", "gemini"];

function pid(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("a process id");
  return n;
}

/** The script path hooks should run (the bundled CLI, or the launcher that imports it). */
function scriptPath(): string {
  return process.argv[1] ?? fileURLToPath(import.meta.url);
}

/** Builds the program; `exit` receives each command's exit code. */
export function program(exit: (code: number) => void): Command {
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
  const cli = new Command("shareroom")
    .description("Share Claude Code, Codex CLI and Gemini CLI sessions live to your own shareroom.")
    .version(VERSION)
    .showHelpAfterError();

  cli
    .command("share")
    .description("share a session and follow it live until it ends (Ctrl-C stops, after a final sync)")
    .addOption(new Option("--agent <agent>", "which agent's session").choices(AGENT_CHOICES))
    .option("--session <id|path>", "the session id, or the transcript file")
    .option("--server <url>", "the shareroom API origin (else SHAREROOM_URL, else config.json)")
    .option("--once", "sync once and exit")
    .option("--json", "print {id, url, …} as the first stdout line")
    .option("--dry-run", "print the items that would be sent (JSON lines) and exit")
    .option("--pid <pid>", "stop following when this process is gone", pid)
    .option("--end", "stop the running follower of this session (it makes a final sync)")
    .action(async (options) => {
      exit(
        await runShare(
          {
            agent: options.agent as AgentId | undefined,
            session: options.session,
            server: options.server,
            once: options.once,
            json: options.json,
            dryRun: options.dryRun,
            pid: options.pid,
            end: options.end,
          },
          { ...io, cwd: process.cwd() },
        ),
      );
    });

  cli
    .command("unshare")
    .description("delete a share made from this machine")
    .argument("<id|url>", "the share's id or URL")
    .action(async (idOrUrl: string) => exit(await runUnshare(idOrUrl, io)));

  cli
    .command("list")
    .description("list the shares made from this machine")
    .option("--json", "print one JSON array")
    .action((options) => exit(runList(Boolean(options.json), io)));

  cli
    .command("install")
    .description("add hooks that share every session of an agent from its start to its end")
    .addArgument(new Command().createArgument("<agent>", "claude, codex or gemini").choices(AGENT_CHOICES))
    .option("--server <url>", "also save this server as the default")
    .option("--command <command>", "how the hooks run shareroom", defaultCommand(scriptPath()))
    .action(async (agent: AgentId, options) => {
      if (options.server) await saveServer(options.server);
      if (!resolveServer(undefined)) {
        process.stderr.write("shareroom: no server is configured yet: pass --server <url> (or set SHAREROOM_URL)\n");
      }
      const result = install(agent, options.command);
      for (const file of result.files) process.stdout.write(`wrote ${file}\n`);
      exit(0);
    });

  cli
    .command("config")
    .description("show or set the default server")
    .option("--server <url>", "save this server as the default")
    .action(async (options) => {
      if (options.server) await saveServer(options.server);
      process.stdout.write(`${resolveServer(undefined) ?? "no server configured"}\n`);
      exit(0);
    });

  cli
    .command("hook", { hidden: true })
    .argument("<agent>")
    .argument("<event>")
    .action(async (agent: AgentId, event: string) => exit(await runHook(agent, event, scriptPath())));

  return cli;
}

/** Runs the command line; a thrown error is printed as one line, never a stack trace. */
export async function main(argv = process.argv): Promise<void> {
  let code = 0;
  try {
    await program((c) => {
      code = c;
    }).parseAsync(argv);
  } catch (error) {
    process.stderr.write(`shareroom: ${(error as Error).message}\n`);
    code = 1;
  }
  process.exit(code);
}
