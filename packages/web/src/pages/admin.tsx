import type { AdminShareDetail, AdminShareList, AdminShareSummary, ErrorBody } from "@shareroom/shared";
import { createMemo, createSignal, For, onMount, Show } from "solid-js";
import { formatBytes, formatDate } from "../lib/format";

/** Where the operator's token is kept: this tab's session storage only, gone when the tab closes. */
const TOKEN_KEY = "shareroom:admin-token";

/** Shares asked for per page of the listing (the API allows 1–200). */
const PAGE_SIZE = 50;

class Unauthorized extends Error {}

function readToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

function keepToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token lasts as long as this page.
  }
}

/** What to tell the operator about a failed admin call. */
function failureText(failure: unknown): string {
  return failure instanceof Unauthorized ? "The token was refused." : String((failure as Error).message);
}

/** An admin API call with the bearer token. Throws {@link Unauthorized} on 401, `Error` on other failures. */
async function adminFetch(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(path, {
    ...init,
    cache: "no-store",
    headers: { ...(init.headers ?? {}), authorization: `Bearer ${token}` },
  });
  if (response.status === 401 || response.status === 403) throw new Unauthorized();
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
    throw new Error(body?.error?.message ?? `The server answered ${response.status}.`);
  }
  return response;
}

/** One share's row: title, id, size, updated, viewers; open, details (`GET /api/sessions/:id`), delete with confirm. */
function ShareRow(props: { share: AdminShareSummary; token: string; onDeleted: (id: string) => void }) {
  const [confirming, setConfirming] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [details, setDetails] = createSignal<AdminShareDetail>();
  const [error, setError] = createSignal<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await adminFetch(props.token, `/api/sessions/${encodeURIComponent(props.share.id)}`, { method: "DELETE" });
      props.onDeleted(props.share.id);
    } catch (failure) {
      setError(failureText(failure));
      setBusy(false);
      setConfirming(false);
    }
  };
  const toggleDetails = async () => {
    if (details() !== undefined) {
      setDetails(undefined);
      return;
    }
    try {
      const response = await adminFetch(props.token, `/api/sessions/${encodeURIComponent(props.share.id)}`);
      setDetails((await response.json()) as AdminShareDetail);
    } catch (failure) {
      setError(failureText(failure));
    }
  };
  return (
    <li class="admin-row" data-share-id={props.share.id}>
      <div class="admin-row-main">
        <a class="admin-title" href={`/share/${encodeURIComponent(props.share.id)}`} target="_blank" rel="noopener">
          {props.share.title.trim() || "Untitled session"}
        </a>
        <span class="mono muted small">{props.share.id}</span>
      </div>
      <dl class="admin-facts">
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(props.share.bytes)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{props.share.updatedAt ? formatDate(props.share.updatedAt) : "—"}</dd>
        </div>
        <div>
          <dt>Viewers</dt>
          <dd data-testid="viewers">{props.share.viewers}</dd>
        </div>
      </dl>
      <div class="admin-actions">
        <button type="button" class="button" onClick={toggleDetails} aria-expanded={details() !== undefined}>
          Details
        </button>
        <Show
          when={confirming()}
          fallback={
            <button type="button" class="button danger" onClick={() => setConfirming(true)}>
              Delete
            </button>
          }
        >
          <fieldset class="confirm">
            <legend class="visually-hidden">Confirm deletion</legend>
            <span>Delete for everyone?</span>
            <button type="button" class="button danger" disabled={busy()} onClick={remove}>
              {busy() ? "Deleting…" : "Yes, delete"}
            </button>
            <button type="button" class="button" disabled={busy()} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </fieldset>
        </Show>
      </div>
      <Show when={error()}>{(text) => <p class="admin-error">{text()}</p>}</Show>
      <Show when={details()}>
        {(detail) => (
          <dl class="admin-facts admin-details">
            <div>
              <dt>Sequence</dt>
              <dd>{detail().seq}</dd>
            </div>
            <div>
              <dt>Live size</dt>
              <dd>{formatBytes(detail().bytes)}</dd>
            </div>
            <div>
              <dt>In memory</dt>
              <dd>{detail().hydrated ? "yes" : "no (compacted to R2)"}</dd>
            </div>
            <div>
              <dt>Syncs</dt>
              <dd>{detail().stats.syncs}</dd>
            </div>
            <div>
              <dt>R2 writes</dt>
              <dd>
                {detail().stats.r2Puts} ({formatBytes(detail().stats.r2BytesWritten)})
              </dd>
            </div>
            <div>
              <dt>R2 reads</dt>
              <dd>
                {detail().stats.r2Gets} ({formatBytes(detail().stats.r2BytesRead)})
              </dd>
            </div>
          </dl>
        )}
      </Show>
    </li>
  );
}

/**
 * `/admin`: for the operator who holds the admin token. Lists shares (`GET /api/sessions`, paged by cursor) with
 * title, size, update time and live viewers; filters the loaded ones by title or id; opens, inspects and deletes
 * (`DELETE /api/sessions/:id`, after a confirmation). The token is typed in here and kept in session storage only.
 */
export default function AdminPage() {
  const [token, setToken] = createSignal(readToken());
  const [shares, setShares] = createSignal<AdminShareSummary[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<string>();
  const [query, setQuery] = createSignal("");

  const load = async (more: boolean) => {
    setLoading(true);
    setError(undefined);
    try {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (more && cursor()) params.set("cursor", cursor()!);
      const response = await adminFetch(token(), `/api/sessions?${params}`);
      const body = (await response.json()) as AdminShareList;
      setShares(more ? [...shares(), ...body.sessions] : body.sessions);
      setCursor(body.cursor);
    } catch (failure) {
      if (failure instanceof Unauthorized) {
        setError("The server refused this token.");
        keepToken("");
        setToken("");
      } else setError(String((failure as Error).message));
    } finally {
      setLoading(false);
    }
  };

  const filtered = createMemo(() => {
    const needle = query().trim().toLowerCase();
    if (!needle) return shares();
    return shares().filter(
      (share) => share.title.toLowerCase().includes(needle) || share.id.toLowerCase().includes(needle),
    );
  });

  onMount(() => {
    document.title = "Shares · shareroom admin";
    if (token()) void load(false);
  });

  const signIn = (event: SubmitEvent) => {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get("token") ?? "").trim();
    if (!value) return;
    keepToken(value);
    setToken(value);
    void load(false);
  };

  return (
    <main class="admin">
      <h1>Shares</h1>
      <Show
        when={token()}
        fallback={
          <form class="admin-login" onSubmit={signIn}>
            <p>
              Enter the server's admin token (<code>ADMIN_TOKEN</code>). It is kept in this tab only.
            </p>
            <label for="admin-token">Admin token</label>
            <div class="admin-login-row">
              <input id="admin-token" name="token" type="password" autocomplete="off" spellcheck={false} required />
              <button type="submit" class="button">
                Sign in
              </button>
            </div>
            <Show when={error()}>{(text) => <p class="admin-error">{text()}</p>}</Show>
          </form>
        }
      >
        <div class="admin-bar">
          <input
            type="search"
            placeholder="Filter by title or id"
            aria-label="Filter shares by title or id"
            value={query()}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
          <button type="button" class="button" onClick={() => void load(false)} disabled={loading()}>
            Refresh
          </button>
          <button
            type="button"
            class="button"
            onClick={() => {
              keepToken("");
              setToken("");
              setShares([]);
            }}
          >
            Sign out
          </button>
        </div>
        <Show when={error()}>{(text) => <p class="admin-error">{text()}</p>}</Show>
        <p class="muted small" aria-live="polite">
          {loading() ? "Loading…" : `${filtered().length} of ${shares().length} loaded shares`}
        </p>
        <ul class="admin-list">
          <For each={filtered()}>
            {(share) => (
              <ShareRow
                share={share}
                token={token()}
                onDeleted={(id) => setShares(shares().filter((candidate) => candidate.id !== id))}
              />
            )}
          </For>
        </ul>
        <Show when={cursor()}>
          <button type="button" class="button" onClick={() => void load(true)} disabled={loading()}>
            Load more
          </button>
        </Show>
      </Show>
    </main>
  );
}
