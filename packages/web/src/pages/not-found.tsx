import type { JSX } from "solid-js";

/** A full-page notice (not found, deleted, failed to load), with a way back to the landing page. */
export function Notice(props: { title: string; testId: string; children?: JSX.Element }) {
  return (
    <main class="notice" data-testid={props.testId}>
      <h1>{props.title}</h1>
      {props.children}
      <p>
        <a href="/">About shareroom</a>
      </p>
    </main>
  );
}

/** Any path the page does not know. (The asset layer answers it 200 with the SPA; there is nothing to check.) */
export default function NotFoundPage() {
  return (
    <Notice title="Page not found" testId="page-not-found">
      <p>There is nothing at this address.</p>
    </Notice>
  );
}
