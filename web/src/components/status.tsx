// Errors, empty states and progress: every page says what happened and what to do next.
import { Component, type ComponentChildren } from 'preact';
import type { ApiError } from '../api';

export function ErrorNote({ error, what }: { error: ApiError | null; what?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{what ? `${what}: ` : ''}</strong>
      {error.message}
      {error.field ? <span class="error-field"> (field: {error.field})</span> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <p class="empty-title">{title}</p>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Progress({ label, done, total }: { label: string; done: number; total: number }) {
  const pct = total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0;
  return (
    <div class="progress-wrap">
      <span id={`p-${label.replace(/\W+/g, '-')}`}>{label}</span>
      <progress max={total > 0 ? total : 1} value={done} aria-labelledby={`p-${label.replace(/\W+/g, '-')}`}>
        {pct} %
      </progress>
      <span class="muted">
        {done.toLocaleString('en')} / {total.toLocaleString('en')}
      </span>
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted'; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

/** A page that fails to draw says so, instead of leaving the screen blank. */
export class PageBoundary extends Component<{ children: ComponentChildren }, { error: Error | null }> {
  state = { error: null as Error | null };

  componentDidCatch(error: Error) {
    this.setState({ error });
  }

  render() {
    if (this.state.error)
      return (
        <div class="error" role="alert">
          This page could not be shown: {this.state.error.message}. Reload the page; if it happens again, tell your medfw administrator.
        </div>
      );
    return this.props.children;
  }
}
