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

/** `/share/:id` for a share that does not exist or no longer does (the worker answers it 404). */
export function ShareNotFound() {
  return (
    <Notice title="Share not found" testId="share-not-found">
      <p>No share has this address. It may never have existed, or its owner unshared it.</p>
    </Notice>
  );
}

/** Any path the page does not know (the worker answers it 404). */
export default function NotFoundPage() {
  return (
    <Notice title="Page not found" testId="page-not-found">
      <p>There is nothing at this address.</p>
    </Notice>
  );
}
