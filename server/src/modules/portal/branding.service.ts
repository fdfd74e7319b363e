/**
 * White-label branding: the organization's (agency name, logo, colours, support email, portal
 * domain) and each client's overrides. What a portal shows is resolved field by field: the client's
 * override, else the organization's, else Omnify's defaults (the agency name falls back to the
 * organization's own name, never to "Omnify", since the portal is the agency's).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalidField, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { PortalBrandingTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { checkLogo, dataUri, type LogoContentType } from './logo.ts';

export const DEFAULT_COLORS = { primaryColor: '#2563eb', accentColor: '#f59e0b' } as const;

export interface BrandingInput {
  agencyName?: string | null;
  logoUrl?: string | null;
  logoUpload?: { contentType: LogoContentType; dataBase64: string } | null;
  primaryColor?: string | null;
  accentColor?: string | null;
  supportEmail?: string | null;
  portalDomain?: string | null;
}

/** Stored settings of one scope; null fields inherit. */
export interface BrandingSettings {
  scope: 'organization' | 'client';
  clientId: string | null;
  agencyName: string | null;
  /** The external logo URL, or a data URI of the uploaded logo. */
  logoUrl: string | null;
  logoSource: 'url' | 'upload' | null;
  primaryColor: string | null;
  accentColor: string | null;
  supportEmail: string | null;
  portalDomain: string | null;
  updatedAt: string | null;
}

/** What a portal page shows, every field decided. */
export interface ResolvedBranding {
  agencyName: string;
  logoUrl: string | null;
  primaryColor: string;
  accentColor: string;
  supportEmail: string | null;
}

/** `#abc` → `#aabbcc`, lower case; anything else is refused. */
export function normalizeColor(value: string, field: string): string {
  const m = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.exec(value.trim());
  if (!m?.[1])
    throw invalidField('body', [field], `${field} must be a hex colour such as #1a2b3c`, {
      code: 'invalid_format',
      details: { field },
    });
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return `#${hex.toLowerCase()}`;
}

const logoOf = (r: PortalBrandingTable | undefined) =>
  r?.logo_data && r.logo_content_type
    ? { url: dataUri(r.logo_content_type, r.logo_data), source: 'upload' as const }
    : r?.logo_url
      ? { url: r.logo_url, source: 'url' as const }
      : null;

function toSettings(r: PortalBrandingTable | undefined, clientId: string | null): BrandingSettings {
  const logo = logoOf(r);
  return {
    scope: clientId ? 'client' : 'organization',
    clientId,
    agencyName: r?.agency_name ?? null,
    logoUrl: logo?.url ?? null,
    logoSource: logo?.source ?? null,
    primaryColor: r?.primary_color ?? null,
    accentColor: r?.accent_color ?? null,
    supportEmail: r?.support_email ?? null,
    portalDomain: clientId ? null : (r?.portal_domain ?? null),
    updatedAt: r?.updated_at ?? null,
  };
}

/** The audit metadata of a row: the logo by size and digest, never its bytes. */
function auditView(r: PortalBrandingTable | undefined) {
  if (!r) return null;
  const { logo_data, ...rest } = r;
  return {
    ...rest,
    logo_data: logo_data
      ? {
          bytes: Buffer.from(logo_data, 'base64').length,
          sha256: createHash('sha256').update(logo_data).digest('hex'),
        }
      : null,
  };
}

export function createBranding({ storage, audit, clock }: { storage: Storage; audit: Audit; clock: Clock }) {
  const rowOf = (trx: Executor, organizationId: string, clientId: string) =>
    trx
      .selectFrom('portal_branding')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();

  /** Checks a custom domain is free across the install (read outside the tenant, before the transaction). */
  async function assertDomainFree(domain: string, organizationId: string) {
    const holder = await storage.db
      .selectFrom('portal_branding')
      .select('organization_id')
      .where('portal_domain', '=', domain)
      .executeTakeFirst();
    if (holder && holder.organization_id !== organizationId)
      throw conflict(`The portal domain ${domain} is used by another organization`, {
        field: 'portalDomain',
      });
  }

  async function get(ctx: Ctx, clientId: string | null): Promise<BrandingSettings> {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (clientId) await assertOwned(trx, ctx.organizationId, 'client', clientId);
      return toSettings(await rowOf(trx, ctx.organizationId, clientId ?? ''), clientId);
    });
  }

  /** Sets the fields present in `input` (null clears a field, so it inherits); audited in the same transaction. */
  async function put(ctx: Ctx, clientId: string | null, input: BrandingInput): Promise<BrandingSettings> {
    if (clientId && input.portalDomain !== undefined)
      throw invalidField(
        'body',
        ['portalDomain'],
        'portalDomain belongs to the organization branding (PUT /api/v1/branding)',
        { details: { field: 'portalDomain' } },
      );
    if (input.logoUrl && input.logoUpload)
      throw invalidField('body', ['logoUpload'], 'Send either logoUrl or logoUpload, not both', {
        details: { field: 'logoUpload' },
      });
    const logo = input.logoUpload
      ? checkLogo(input.logoUpload.contentType, input.logoUpload.dataBase64)
      : null;
    const primary = input.primaryColor
      ? normalizeColor(input.primaryColor, 'primaryColor')
      : input.primaryColor;
    const accent = input.accentColor ? normalizeColor(input.accentColor, 'accentColor') : input.accentColor;
    const domain = input.portalDomain?.toLowerCase();
    if (domain) await assertDomainFree(domain, ctx.organizationId);

    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (clientId) await assertOwned(trx, ctx.organizationId, 'client', clientId);
      const scope = clientId ?? '';
      const before = await rowOf(trx, ctx.organizationId, scope);
      const now = clock.now().toISOString();
      const after: PortalBrandingTable = {
        id: before?.id ?? newId('portalBranding'),
        organization_id: ctx.organizationId,
        client_id: scope,
        agency_name: input.agencyName === undefined ? (before?.agency_name ?? null) : input.agencyName,
        logo_url: before?.logo_url ?? null,
        logo_data: before?.logo_data ?? null,
        logo_content_type: before?.logo_content_type ?? null,
        primary_color: primary === undefined ? (before?.primary_color ?? null) : primary,
        accent_color: accent === undefined ? (before?.accent_color ?? null) : accent,
        support_email:
          input.supportEmail === undefined
            ? (before?.support_email ?? null)
            : (input.supportEmail?.toLowerCase() ?? null),
        portal_domain: domain === undefined ? (before?.portal_domain ?? null) : domain,
        updated_by: ctx.userId ?? ctx.actor.id,
        updated_at: now,
      };
      // One logo at a time: a URL replaces an upload and the other way round; null clears both.
      if (input.logoUrl !== undefined || input.logoUpload !== undefined) {
        after.logo_url = input.logoUrl ?? null;
        after.logo_data = logo?.base64 ?? null;
        after.logo_content_type = logo?.contentType ?? null;
      }
      if (before) {
        await trx
          .updateTable('portal_branding')
          .set(after)
          .where('organization_id', '=', ctx.organizationId)
          .where('id', '=', before.id)
          .execute();
      } else {
        await trx.insertInto('portal_branding').values(after).execute();
      }
      await audit.recordFor(trx, ctx, {
        action: 'branding.updated',
        target: clientId
          ? { type: 'client', id: clientId }
          : { type: 'organization', id: ctx.organizationId },
        input: {
          ...input,
          logoUpload: input.logoUpload ? { contentType: input.logoUpload.contentType } : input.logoUpload,
        },
        metadata: { before: auditView(before), after: auditView(after) },
      });
      return toSettings(after, clientId);
    });
  }

  /** The branding a client's portal shows, in the caller's (tenant) transaction. */
  async function resolve(
    trx: Executor,
    organizationId: string,
    clientId: string | null,
  ): Promise<ResolvedBranding> {
    const org = await trx
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!org) throw notFound('Organization', organizationId);
    const orgRow = await rowOf(trx, organizationId, '');
    const clientRow = clientId ? await rowOf(trx, organizationId, clientId) : undefined;
    const pick = <K extends keyof PortalBrandingTable>(k: K) => clientRow?.[k] ?? orgRow?.[k] ?? null;
    const logo = logoOf(clientRow) ?? logoOf(orgRow);
    return {
      agencyName: (pick('agency_name') as string | null) ?? org.name,
      logoUrl: logo?.url ?? null,
      primaryColor: (pick('primary_color') as string | null) ?? DEFAULT_COLORS.primaryColor,
      accentColor: (pick('accent_color') as string | null) ?? DEFAULT_COLORS.accentColor,
      supportEmail: pick('support_email') as string | null,
    };
  }

  /**
   * Branding for the login page, before anyone signs in: by the client's portal slug, else by the
   * request's host when an organization set it as its portal domain. Unknown → 404.
   */
  async function publicLookup(q: { slug?: string; host?: string }) {
    if (q.slug) {
      const client = await storage.db
        .selectFrom('clients')
        .select(['id', 'organization_id', 'name', 'portal_slug'])
        .where('portal_slug', '=', q.slug)
        .executeTakeFirst();
      if (!client) throw notFound('Portal', q.slug);
      const branding = await storage.withTenant(client.organization_id, (trx) =>
        resolve(trx, client.organization_id, client.id),
      );
      return { slug: client.portal_slug ?? q.slug, clientName: client.name, branding };
    }
    const host = q.host?.toLowerCase().replace(/:\d+$/, '');
    const org = host
      ? await storage.db
          .selectFrom('portal_branding')
          .select('organization_id')
          .where('portal_domain', '=', host)
          .where('client_id', '=', '')
          .executeTakeFirst()
      : undefined;
    if (!org) throw notFound('Portal', host ?? undefined);
    const branding = await storage.withTenant(org.organization_id, (trx) =>
      resolve(trx, org.organization_id, null),
    );
    return { slug: null, clientName: null, branding };
  }

  return { get, put, resolve, publicLookup };
}

export type Branding = ReturnType<typeof createBranding>;
