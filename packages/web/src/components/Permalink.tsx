import { copyText, linkTo, toast } from "../lib/ui";

/**
 * A "#" link to a message or part (`#<id>`): following it scrolls there; a click also copies the full URL. Shown
 * on hover and on keyboard focus.
 */
export function Permalink(props: { id: string; label: string }) {
  const onClick = async (event: MouseEvent) => {
    event.preventDefault();
    const url = linkTo(props.id);
    toast((await copyText(url)) ? "Link copied" : "Link in the address bar");
  };
  return (
    <a
      class="permalink"
      href={`#${props.id}`}
      aria-label={`Copy a link to ${props.label}`}
      title="Copy link"
      onClick={onClick}
    >
      #
    </a>
  );
}
