/**
 * The signed-in session: tokens live in localStorage so a reload keeps the user signed in; the access
 * token is short-lived (15 min) and renewed with the rotating refresh token when the API answers 401.
 */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  organizationId: string;
  mfaEnrollmentRequired: boolean;
}

const KEY = 'omnify.session';
type Listener = (t: Tokens | null) => void;
const listeners = new Set<Listener>();

export function getTokens(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

export function setTokens(t: Tokens | null): void {
  if (t) localStorage.setItem(KEY, JSON.stringify(t));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l(t);
}

export function onTokens(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
