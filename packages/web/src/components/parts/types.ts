/** Props every part renderer gets. */
export interface PartProps {
  /** The part's data as the CLI sent it (`{id, messageID, type, …}`); any other field may be missing. */
  part: Record<string, unknown>;
  /** The message's working directory (`message.path.cwd`), to show paths relative to it. */
  cwd?: string;
}
