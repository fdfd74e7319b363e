/** /api/v1/auth/*, /api/v1/me: sign-up, sign-in, tokens, sessions, MFA, password reset. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ctxOf, originOf } from './auth.plugin.ts';
import {
  codeBody,
  emailSchema,
  loginBody,
  organizationSchema,
  passwordSchema,
  publicUserSchema,
  refreshBody,
  registerBody,
  sessionSchema,
  tokenPairSchema,
} from './auth.schema.ts';
import type { Auth } from './auth.service.ts';
import type { Mfa } from './mfa.service.ts';
import type { PasswordReset } from './password-reset.service.ts';
import { permissionsOf, roles } from './permissions.ts';

interface Deps {
  auth: Auth;
  mfa: Mfa;
  passwordReset: PasswordReset;
  loginRateLimitPerMinute: number;
}

export function authRoutes(
  app: FastifyInstance,
  { auth, mfa, passwordReset, loginRateLimitPerMinute }: Deps,
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];
  const strict = { rateLimit: { max: loginRateLimitPerMinute, timeWindow: '1 minute' } };

  r.post(
    '/api/v1/auth/register',
    {
      config: { auth: 'public', ...strict },
      schema: {
        tags,
        summary: 'Create an account and its organization (or join one with an invitation token)',
        body: registerBody,
        response: {
          201: z.object({
            user: publicUserSchema,
            organization: organizationSchema.describe(
              'The organization created, or the one the invitation joined (the session is in it)',
            ),
            tokens: tokenPairSchema,
          }),
        },
      },
    },
    async (req, reply) => {
      return reply.status(201).send(await auth.register(req.body, originOf(req)));
    },
  );

  r.post(
    '/api/v1/auth/login',
    {
      config: { auth: 'public', ...strict },
      schema: {
        tags,
        summary: 'Sign in with email and password (and a TOTP or recovery code when MFA is on)',
        description:
          'Repeated failures lock the account for a while (429 rate_limited with Retry-After). With MFA on and no code, answers 401 mfa_required.',
        body: loginBody,
        response: { 200: z.object({ user: publicUserSchema, tokens: tokenPairSchema }) },
      },
    },
    async (req) => auth.login(req.body, originOf(req)),
  );

  r.post(
    '/api/v1/auth/refresh',
    {
      config: { auth: 'public', ...strict },
      schema: {
        tags,
        summary:
          'Exchange a refresh token for a new pair (rotation); a reused token revokes its whole session',
        body: refreshBody,
        response: { 200: z.object({ tokens: tokenPairSchema }) },
      },
    },
    async (req) => ({
      tokens: await auth.refresh(req.body.refreshToken, originOf(req), req.body.organizationId),
    }),
  );

  r.post(
    '/api/v1/auth/logout',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Sign out: revokes the current session and its refresh tokens',
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await auth.logout(ctxOf(req));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/me',
    {
      config: { auth: 'any', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'The caller: user, current organization and role, and all organizations of the user',
        response: {
          200: z.object({
            user: publicUserSchema.nullable(),
            actor: z.object({ type: z.string(), id: z.string().nullable() }),
            organizationId: z.string(),
            role: z.enum(roles),
            permissions: z.array(z.string()),
            organizations: z.array(organizationSchema.extend({ role: z.enum(roles) })),
          }),
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const me = await auth.me(ctx);
      return {
        user: me.user,
        actor: ctx.actor,
        organizationId: ctx.organizationId,
        role: ctx.role,
        permissions: ctx.scopes ?? permissionsOf(ctx.role),
        organizations:
          ctx.actor.type === 'user'
            ? me.organizations
            : me.organizations.filter((o) => o.id === ctx.organizationId),
      };
    },
  );

  r.get(
    '/api/v1/auth/sessions',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Active sessions of the signed-in user',
        response: { 200: z.object({ items: z.array(sessionSchema) }) },
      },
    },
    async (req) => ({ items: await auth.listSessions(ctxOf(req)) }),
  );

  r.delete(
    '/api/v1/auth/sessions/:sessionId',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Revoke one of your sessions (signs that device out)',
        params: z.object({ sessionId: z.string().max(64) }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      await auth.revokeSession(ctx.userId ?? '', req.params.sessionId, 'revoked_by_user', ctx, originOf(req));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/auth/mfa',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Two-factor status',
        response: {
          200: z.object({
            enabled: z.boolean(),
            enabledAt: z.string().nullable(),
            recoveryCodesRemaining: z.number(),
          }),
        },
      },
    },
    async (req) => mfa.status(ctxOf(req)),
  );

  r.post(
    '/api/v1/auth/mfa/enroll',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Start TOTP enrolment: returns the secret and an otpauth:// URI for an authenticator app',
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (req) => mfa.enroll(ctxOf(req)),
  );

  r.post(
    '/api/v1/auth/mfa/verify',
    {
      config: { auth: 'user', allowDuringMfaEnrollment: true },
      schema: {
        tags,
        summary: 'Confirm enrolment with the current code; returns 10 one-time recovery codes (shown once)',
        body: codeBody,
        response: { 200: z.object({ enabled: z.boolean(), recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (req) => mfa.activate(ctxOf(req), req.body.code),
  );

  r.post(
    '/api/v1/auth/mfa/disable',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Turn two-factor authentication off (needs a current or recovery code)',
        body: codeBody,
        response: { 200: z.object({ enabled: z.boolean() }) },
      },
    },
    async (req) => mfa.disable(ctxOf(req), req.body.code),
  );

  r.post(
    '/api/v1/auth/mfa/recovery-codes',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'Replace the recovery codes (needs a current code)',
        body: codeBody,
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
      },
    },
    async (req) => mfa.regenerateRecoveryCodes(ctxOf(req), req.body.code),
  );

  r.post(
    '/api/v1/auth/password-reset',
    {
      config: { auth: 'public', ...strict },
      schema: {
        tags,
        summary: 'Ask for a password-reset link (valid 1 hour); always answers 202',
        body: z.strictObject({ email: emailSchema }),
        response: { 202: z.object({ accepted: z.literal(true) }) },
      },
    },
    async (req, reply) => {
      await passwordReset.request(req.body.email, originOf(req));
      return reply.status(202).send({ accepted: true });
    },
  );

  r.post(
    '/api/v1/auth/password-reset/confirm',
    {
      config: { auth: 'public', ...strict },
      schema: {
        tags,
        summary: 'Set a new password with a reset token; signs out every session',
        body: z.strictObject({ token: z.string().min(10).max(200), password: passwordSchema }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await passwordReset.confirm(req.body.token, req.body.password, originOf(req));
      return reply.status(204).send(null);
    },
  );
}
