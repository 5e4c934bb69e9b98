// Tabs and pages: the two ways a long view is split, the same on every page.
import { withQuery } from '../api';

/** Tabs as links (the tab is part of the address, so it survives a reload). */
export function Tabs({ label, path, items, current }: { label: string; path: string; items: readonly (readonly [string, string])[]; current: string | undefined }) {
  return (
    <nav class="tabs" aria-label={label}>
      <ul>
        {items.map(([k, text]) => (
          <li key={k}>
            <a href={withQuery(path, { tab: k })} aria-current={current === k ? 'page' : undefined}>
              {text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Previous / next over an offset-paged list; nothing when it fits one page. */
export function Pager({ offset, size, total, onGo }: { offset: number; size: number; total: number; onGo: (offset: number) => void }) {
  if (total <= size && offset === 0) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onGo(Math.max(0, offset - size))}>
        Previous
      </button>
      <span>
        Page {Math.floor(offset / size) + 1} of {Math.max(1, Math.ceil(total / size))}
      </span>
      <button type="button" disabled={offset + size >= total} onClick={() => onGo(offset + size)}>
        Next
      </button>
    </nav>
  );
}
