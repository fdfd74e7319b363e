/**
 * Who is signed in, in which organization, and what they may do. Buttons that would fail for the
 * user's role are hidden with `can(permission)` using the permissions /api/v1/me returns.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, refreshSession, storePair } from './api.ts';
import { getTokens, onTokens, setTokens } from './session.ts';
import type { Me } from './types.ts';

interface AuthState {
  me: Me | null;
  loading: boolean;
  signedIn: boolean;
  can: (permission: string) => boolean;
  login: (input: {
    email: string;
    password: string;
    mfaCode?: string;
    recoveryCode?: string;
  }) => Promise<void>;
  logout: () => Promise<void>;
  switchOrganization: (organizationId: string) => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [signedIn, setSignedIn] = useState(() => getTokens() !== null);
  useEffect(() => onTokens((t) => setSignedIn(t !== null)), []);

  const meQuery = useQuery({
    queryKey: ['me'],
    queryFn: () => api.get<Me>('/api/v1/me'),
    enabled: signedIn,
    staleTime: 60_000,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });

  const login = useCallback<AuthState['login']>(
    async (input) => {
      const res = await api.post<{ tokens: Parameters<typeof storePair>[0] }>('/api/v1/auth/login', input);
      qc.clear();
      storePair(res.tokens);
    },
    [qc],
  );

  const logout = useCallback(async () => {
    try {
      await api.post('/api/v1/auth/logout');
    } catch {
      // signed out locally either way
    }
    setTokens(null);
    qc.clear();
  }, [qc]);

  const switchOrganization = useCallback(
    async (organizationId: string) => {
      if (!(await refreshSession(organizationId)))
        throw new ApiError(403, 'forbidden', 'Could not switch organization');
      qc.clear();
    },
    [qc],
  );

  const me = meQuery.data ?? null;
  const value = useMemo<AuthState>(
    () => ({
      me,
      loading: signedIn && meQuery.isPending,
      signedIn,
      can: (p) => !!me?.permissions.includes(p),
      login,
      logout,
      switchOrganization,
    }),
    [me, signedIn, meQuery.isPending, login, logout, switchOrganization],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
