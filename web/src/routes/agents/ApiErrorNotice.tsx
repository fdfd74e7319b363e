/**
 * A refused request as the API explained it: the message, each field the server named with its own
 * message (issues carry their `path` in the request part, or only a `location`; some errors one `field`), and
 * the machine-readable code with the request id to quote. Used by the agents and workflows pages.
 */
import { Notice } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';

interface Issue {
  field: string | null;
  message: string;
}

/** The field-level problems in an error's details, in the server's order. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof ApiError)) return [];
  const d = error.details as { issues?: unknown; field?: unknown };
  const out: Issue[] = [];
  if (Array.isArray(d.issues))
    for (const raw of d.issues) {
      if (!raw || typeof raw !== 'object') continue;
      const i = raw as { path?: unknown; location?: unknown; message?: unknown };
      const field = Array.isArray(i.path)
        ? i.path.map(String).join('.') || null
        : typeof i.location === 'string'
          ? i.location
          : null;
      out.push({ field, message: typeof i.message === 'string' ? i.message : 'is not valid' });
    }
  if (!out.length && typeof d.field === 'string') out.push({ field: d.field, message: error.message });
  return out;
}

export function ApiErrorNotice({ error }: { error: unknown }) {
  const e = error instanceof ApiError ? error : null;
  const issues = issuesOf(error);
  return (
    <Notice tone="red">
      <p className="font-medium">
        {/* The message repeats the first issue (and counts the rest): with the list, say how many. */}
        {issues.length > 1
          ? `${issues.length} values were not accepted:`
          : issues.length === 1
            ? 'This value was not accepted:'
            : error instanceof Error
              ? error.message
              : 'Something went wrong.'}
      </p>
      {issues.length > 0 && (
        <ul className="mt-1 list-disc pl-5" aria-label="Problems with the input">
          {issues.map((i, n) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the server's issues, shown once in order
            <li key={n}>
              {i.field && <span className="font-mono text-xs">{i.field}</span>}
              {i.field ? ': ' : ''}
              {i.message}
            </li>
          ))}
        </ul>
      )}
      {e && (
        <p className="mt-1 text-xs opacity-80">
          {e.code}
          {e.requestId ? ` · request ${e.requestId}` : ''}
        </p>
      )}
    </Notice>
  );
}
