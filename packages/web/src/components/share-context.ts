/** The followed share, provided by the share page to everything rendered inside it. */
import { createContext, useContext } from "solid-js";
import type { FollowedShare } from "../lib/live";

export const ShareContext = createContext<FollowedShare>();

/** The followed share. Throws when used outside the share page (a programming error). */
export function useShare(): FollowedShare {
  const share = useContext(ShareContext);
  if (!share) throw new Error("useShare() outside <ShareContext.Provider>");
  return share;
}
