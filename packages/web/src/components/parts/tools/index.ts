/** The tool renderers by tool id as the CLI sends it (protocol reference §3, "Tools and what they carry"). */
import { bash } from "./bash";
import { edit } from "./edit";
import { generic } from "./generic";
import { read } from "./read";
import { search } from "./search";
import { task } from "./task";
import { todowrite } from "./todowrite";
import type { ToolRenderer } from "./types";
import { webfetch } from "./webfetch";
import { write } from "./write";

const TOOLS: Record<string, ToolRenderer> = {
  bash,
  read,
  write,
  edit,
  multiedit: edit,
  apply_patch: edit,
  glob: search,
  grep: search,
  list: search,
  todowrite,
  todoread: todowrite,
  webfetch,
  task,
};

/** The renderer of tool `name`; the generic one for unknown tools. */
export function toolRenderer(name: string): ToolRenderer {
  return Object.hasOwn(TOOLS, name) ? TOOLS[name]! : generic;
}
