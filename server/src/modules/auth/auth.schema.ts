import { z } from 'zod';

export const emailSchema = z.email().max(254).describe('Email address');
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(256);
export const nameSchema = z.string().trim().min(1).max(200);

export const publicUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  mfaEnabled: z.boolean(),
  createdAt: z.string(),
});

export const organizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  reportingCurrency: z.string(),
  mfaRequired: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const tokenPairSchema = z.object({
  accessToken: z.string().describe('JWT, valid for 15 minutes by default'),
  refreshToken: z.string().describe('One-time token; each refresh returns the next one'),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number().describe('Seconds until the access token expires'),
  sessionId: z.string(),
  organizationId: z.string(),
  mfaEnrollmentRequired: z.boolean(),
});

export const registerBody = z
  .strictObject({
    email: emailSchema,
    password: passwordSchema,
    name: nameSchema,
    organizationName: nameSchema.optional().describe('Required unless invitationToken is given'),
    invitationToken: z
      .string()
      .min(10)
      .max(200)
      .optional()
      .describe('Join the inviting organization instead of creating one'),
  })
  .refine((b) => b.organizationName || b.invitationToken, {
    message: 'organizationName is required',
    path: ['organizationName'],
  });

export const loginBody = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(256),
  organizationId: z
    .string()
    .max(64)
    .optional()
    .describe('Organization to sign in to (default: the first one joined)'),
  mfaCode: z
    .string()
    .max(10)
    .optional()
    .describe('Current 6-digit TOTP code, when two-factor authentication is on'),
  recoveryCode: z.string().max(40).optional().describe('A one-time recovery code instead of mfaCode'),
});

export const refreshBody = z.strictObject({
  refreshToken: z.string().min(10).max(300),
  organizationId: z
    .string()
    .max(64)
    .optional()
    .describe('Switch the session to another organization of the user'),
});

export const sessionSchema = z.object({
  id: z.string(),
  organizationId: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  expiresAt: z.string(),
  current: z.boolean(),
});

export const codeBody = z.strictObject({ code: z.string().min(6).max(40) });
