import { z } from 'zod';
import { emailSchema, nameSchema } from '../auth/auth.schema.ts';
import { permissions, roles } from '../auth/permissions.ts';
import { SLUG_PATTERN } from './client-slug.ts';
import { clientStatuses } from './clients.service.ts';
import { currencySchema } from './organizations.service.ts';

export const idParam = z.object({ id: z.string().min(1).max(64) });

export const clientSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  company: z.string().nullable(),
  status: z.enum(clientStatuses),
  monthlyBudgetMicros: z
    .number()
    .int()
    .nullable()
    .describe('Monthly budget in micros of `currency` (1 unit = 1,000,000)'),
  currency: z.string(),
  notes: z.string().nullable(),
  portalSlug: z.string().nullable().describe('Address of the client portal: /portal/<portalSlug>/login'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const clientFields = {
  name: nameSchema,
  email: emailSchema,
  company: z.string().trim().max(200).nullable().optional(),
  status: z.enum(clientStatuses).optional(),
  monthlyBudgetMicros: z.number().int().min(0).max(1e15).nullable().optional(),
  currency: currencySchema.optional(),
  notes: z.string().max(10_000).nullable().optional(),
  portalSlug: z
    .string()
    .regex(SLUG_PATTERN, '3-48 lower-case letters, digits and inner hyphens')
    .optional()
    .describe('Client portal address (default: from the name); unique across the install'),
};
export const createClientBody = z.strictObject(clientFields);
export const updateClientBody = z
  .strictObject({ ...clientFields, name: nameSchema.optional(), email: emailSchema.optional() })
  .refine((b) => Object.keys(b).length > 0, 'Send at least one field to change');

export const memberSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(roles),
  createdAt: z.string(),
});

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(roles),
  invitedBy: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  expiresAt: z.string(),
  createdAt: z.string(),
});

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(permissions)),
  createdBy: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const createApiKeyBody = z.strictObject({
  name: nameSchema,
  scopes: z.array(z.enum(permissions)).min(1).max(permissions.length),
  expiresAt: z.iso
    .datetime()
    .nullable()
    .optional()
    .describe('When the key stops working (ISO 8601); default never'),
});

export const updateOrganizationBody = z
  .strictObject({
    name: nameSchema.optional(),
    reportingCurrency: currencySchema.optional(),
    mfaRequired: z.boolean().optional().describe('Require two-factor authentication for every member'),
  })
  .refine((b) => Object.keys(b).length > 0, 'Send at least one field to change');
