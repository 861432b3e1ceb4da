/**
 * The renderer harness: the page's real components, built by vite and loaded into real Chromium by
 * `renderers.test.ts`, which calls `window.harness` to render one case at a time into its own container.
 */
import { createSignal, For } from "solid-js";
import { render } from "solid-js/web";
import { DiffView } from "../../src/components/DiffView";
import { Markdown } from "../../src/components/Markdown";
import { MessageView } from "../../src/components/MessageView";
import { PartBody } from "../../src/components/parts";
import { ShareHeader } from "../../src/components/ShareHeader";
import { ShareContext } from "../../src/components/share-context";
import { TextBlock } from "../../src/components/TextBlock";
import type { DiffSource } from "../../src/lib/diff";
import type { FollowedShare } from "../../src/lib/live";
import { createShareStore } from "../../src/lib/share-store";
import { setDiffMode, setShowSteps } from "../../src/lib/ui";
import type { HarnessApi } from "./harness-api";
import "../../src/styles.css";

function container(name: string): HTMLElement {
  const element = document.createElement("section");
  element.dataset.case = name;
  document.getElementById("cases")!.append(element);
  return element;
}

const harness: HarnessApi = {
  /** Renders a part (any type, through the page's dispatcher) as case `name`. */
  part(name: string, part: Record<string, unknown>, cwd?: string) {
    render(() => <PartBody part={part} partId={String(part.id ?? name)} cwd={cwd} />, container(name));
  },
  share(name: string, items: { type: string; data: unknown }[]) {
    render(() => {
      const store = createShareStore();
      store.apply(
        items.map((item, i) => {
          const data = item.data as Record<string, unknown>;
          const key =
            item.type === "message"
              ? `message/${data.id}`
              : item.type === "part"
                ? `part/${data.messageID}/${data.id}`
                : item.type;
          return { key, seq: i + 1, item: item as { type: string; data: unknown } };
        }),
      );
      const [complete] = createSignal(true);
      const share = {
        store,
        load: () => "ready",
        connection: () => "live",
        complete,
        retry: () => undefined,
        loadPart: () => undefined,
        retryRef: () => undefined,
      } as unknown as FollowedShare;
      return (
        <ShareContext.Provider value={share}>
          <ShareHeader shareId={name} onShowFiles={() => undefined} />
          <For each={store.messageIds()}>{(id) => <MessageView id={id} />}</For>
        </ShareContext.Provider>
      );
    }, container(name));
  },
  /** Renders markdown as case `name`. */
  markdown(name: string, text: string) {
    render(() => <Markdown text={text} />, container(name));
  },
  /** Renders untrusted text as case `name`. */
  text(name: string, text: string) {
    render(() => <TextBlock text={text} />, container(name));
  },
  /** Renders a diff as case `name`. */
  diff(name: string, source: DiffSource, file?: string) {
    render(() => <DiffView source={source} file={file} />, container(name));
  },
  steps(on: boolean) {
    setShowSteps(on ? "on" : "off");
  },
  diffMode(mode: "unified" | "split") {
    setDiffMode(mode);
  },
};

window.harness = harness;
document.body.dataset.ready = "true";
