import type { ComponentChildren } from 'preact';
import type { Problem } from '../client';

/** An API failure: its message, and the request id to quote. */
export function ProblemBanner({ problem, title }: { problem: Problem | undefined; title?: string }) {
  if (!problem) return null;
  const forbidden = problem.status === 403;
  return (
    <div class="banner error" role="alert">
      <strong>{title ?? (forbidden ? 'Not allowed' : 'Something went wrong')}</strong>{' '}
      {forbidden ? `${problem.message} — this action needs the admin role.` : problem.message}
      {problem.requestId ? <span class="muted"> (request {problem.requestId})</span> : null}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="banner ok" role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}
