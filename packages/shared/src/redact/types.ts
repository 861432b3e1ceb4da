/** A secret's range in a scanned text (UTF-16 offsets, `end` exclusive) and the rule that found it. */
export interface Finding {
  start: number;
  end: number;
  rule: string;
}
