/**
 * Platform connections (one per client and platform account login): OAuth authorization-code flow
 * with state (and PKCE where the vendor supports it), tokens sealed at rest, refresh before expiry,
 * and the "needs reconnection" state when a vendor rejects our credentials.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { type SecretBox, sha256Hex } from '../../platform/crypto.ts';
import { AppError, invalidInput, notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { ConnectionsTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Actor, Ctx } from '../auth/context.ts';
import {
  type ConnectorContext,
  type ConnectorDefinition,
  ConnectorError,
  type OAuthApp,
  type OAuthTokens,
  type RequestBudget,
  type VendorSettings,
} from '../connectors/connector.port.ts';

export type ConnectionStatus = 'pending_authorization' | 'active' | 'needs_reconnect' | 'disconnected';

export interface Connection {
  id: string;
  clientId: string | null;
  platform: string;
  name: string;
  status: ConnectionStatus;
  needsReconnect: boolean;
  tokenExpiresAt: string | null;
  settings: Record<string, string>;
  lastSyncAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

const toConnection = (r: ConnectionsTable): Connection => ({
  id: r.id,
  clientId: r.client_id,
  platform: r.platform,
  name: r.name,
  status: r.status as ConnectionStatus,
  needsReconnect: r.status === 'needs_reconnect',
  tokenExpiresAt: r.token_expires_at,
  settings: JSON.parse(r.settings) as Record<string, string>,
  lastSyncAt: r.last_sync_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Refresh this long before the vendor's expiry, so a long sync never starts with a dying token. */
const REFRESH_MARGIN_MS = 5 * 60_000;
const STATE_TTL_MS = 15 * 60_000;

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  box: SecretBox;
  config: Pick<Config, 'connectors' | 'http'>;
  registry: Record<string, ConnectorDefinition>;
  budget: RequestBudget;
  fetch?: typeof fetch;
}

export function createConnections({
  storage,
  audit,
  clock,
  box,
  config,
  registry,
  budget,
  fetch: fetchImpl = globalThis.fetch,
}: Deps) {
  const redirectUri = `${config.http.publicUrl}/api/v1/connections/oauth/callback`;

  function definition(platform: string): ConnectorDefinition {
    const def = registry[platform];
    if (!def)
      throw invalidInput(`Unknown platform ${platform}; one of ${Object.keys(registry).join(', ')}`, {
        field: 'platform',
      });
    return def;
  }

  function settingsFor(def: ConnectorDefinition, connSettings: Record<string, string>): VendorSettings {
    const overrides = config.connectors[def.platform]?.overrides ?? {};
    return { ...def.defaultSettings, ...overrides, ...pickVendorSettings(connSettings) };
  }

  function appFor(platform: string): OAuthApp {
    const c = config.connectors[platform];
    if (!c?.clientId || !c.clientSecret) {
      const prefix = platform.toUpperCase();
      throw new AppError(
        'invalid_input',
        `The ${platform} OAuth app is not configured: set OMNIFY_${prefix}_CLIENT_ID and OMNIFY_${prefix}_CLIENT_SECRET`,
        { platform },
      );
    }
    return { clientId: c.clientId, clientSecret: c.clientSecret, redirectUri };
  }

  /**
   * The platforms one can connect, and for OAuth platforms whether this server has the OAuth app
   * (client id and secret) configured, naming the variables to set when it has not. Read-only.
   */
  function platforms() {
    return Object.values(registry).map((def) => {
      const c = config.connectors[def.platform];
      const prefix = def.platform.toUpperCase();
      const missing = def.oauth
        ? [
            ...(c?.clientId ? [] : [`OMNIFY_${prefix}_CLIENT_ID`]),
            ...(c?.clientSecret ? [] : [`OMNIFY_${prefix}_CLIENT_SECRET`]),
          ]
        : [];
      return {
        platform: def.platform,
        name: def.displayName,
        oauth: !!def.oauth,
        configured: missing.length === 0,
        missing,
      };
    });
  }

  async function find(trx: Executor, organizationId: string, id: string) {
    const row = await trx
      .selectFrom('connections')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('Connection', id);
    return row;
  }

  async function newAuthorization(
    trx: Executor,
    organizationId: string,
    connectionId: string,
    def: ConnectorDefinition,
    actor: Actor,
    clientId: string | null,
  ) {
    const oauth = def.oauth;
    if (!oauth) throw invalidInput(`${def.displayName} does not use OAuth`);
    const app = appFor(def.platform);
    const state = randomBytes(24).toString('base64url');
    const verifier = oauth.supportsPkce ? randomBytes(32).toString('base64url') : undefined;
    const now = clock.now();
    await trx
      .insertInto('oauth_states')
      .values({
        id: newId('oauthState'),
        organization_id: organizationId,
        state_hash: sha256Hex(state),
        platform: def.platform,
        client_id: clientId,
        connection_id: connectionId,
        code_verifier_sealed: verifier ? box.seal(verifier) : null,
        created_by: actor.id,
        expires_at: new Date(now.getTime() + STATE_TTL_MS).toISOString(),
        used_at: null,
        created_at: now.toISOString(),
      })
      .execute();
    const codeChallenge = verifier ? createHash('sha256').update(verifier).digest('base64url') : undefined;
    return oauth.authorizationUrl(app, settingsFor(def, {}), {
      state,
      ...(codeChallenge ? { codeChallenge } : {}),
    });
  }

  /**
   * Creates a connection. OAuth platforms answer with the URL to send the user to; the simulator
   * (no OAuth) is active at once, configured by `settings`.
   */
  async function create(
    ctx: Ctx,
    input: { platform: string; clientId?: string | null; name?: string; settings?: Record<string, string> },
  ) {
    const def = definition(input.platform);
    // Settings the connector would refuse at its first sync are refused now, naming the setting.
    const problems = def.validateSettings?.(input.settings ?? {}, clock.now()) ?? [];
    if (problems.length > 0)
      throw invalidInput(
        `body.settings.${problems[0]?.field}: ${problems[0]?.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        {
          issues: problems.map((p) => ({
            location: `body.settings.${p.field}`,
            path: ['settings', p.field],
            code: 'invalid_value',
            message: p.message,
          })),
        },
      );
    return storage.withTenant(ctx.organizationId, async (trx) => {
      if (input.clientId) await assertOwned(trx, ctx.organizationId, 'client', input.clientId);
      const now = clock.now().toISOString();
      const settings = input.settings ?? {};
      const row: ConnectionsTable = {
        id: newId('connection'),
        organization_id: ctx.organizationId,
        client_id: input.clientId ?? null,
        platform: def.platform,
        name: input.name ?? def.displayName,
        status: def.oauth ? 'pending_authorization' : 'active',
        tokens_sealed: def.oauth
          ? null
          : box.seal(
              JSON.stringify({
                accessToken: 'simulator',
                refreshToken: null,
                expiresAt: null,
                scope: null,
                extra: settings,
              } satisfies OAuthTokens),
            ),
        token_expires_at: null,
        settings: JSON.stringify(settings),
        last_sync_at: null,
        last_error: null,
        created_by: ctx.actor.id,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('connections').values(row).execute();
      const authorizationUrl = def.oauth
        ? await newAuthorization(trx, ctx.organizationId, row.id, def, ctx.actor, row.client_id)
        : null;
      await audit.recordFor(trx, ctx, {
        action: 'connections.created',
        target: { type: 'connection', id: row.id },
        input: { platform: input.platform, clientId: input.clientId ?? null, name: row.name },
      });
      return { connection: toConnection(row), authorizationUrl };
    });
  }

  /** Starts a new authorization for an existing connection (after `needs_reconnect`). */
  async function reconnect(ctx: Ctx, id: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await find(trx, ctx.organizationId, id);
      const def = definition(row.platform);
      const authorizationUrl = await newAuthorization(
        trx,
        ctx.organizationId,
        row.id,
        def,
        ctx.actor,
        row.client_id,
      );
      return { connection: toConnection(row), authorizationUrl };
    });
  }

  /** The OAuth redirect: binds the code to the organization and connection that asked for it. */
  async function completeOAuth(input: { state: string; code?: string; error?: string }) {
    const stateRow = await storage.db
      .selectFrom('oauth_states')
      .selectAll()
      .where('state_hash', '=', sha256Hex(input.state))
      .executeTakeFirst();
    const now = clock.now();
    if (
      !stateRow ||
      stateRow.used_at ||
      stateRow.expires_at <= now.toISOString() ||
      !stateRow.connection_id
    ) {
      throw invalidInput('This authorization link is invalid or has expired; start the connection again');
    }
    const organizationId = stateRow.organization_id;
    const connectionId = stateRow.connection_id;
    const spent = await storage.withTenant(organizationId, (trx) =>
      trx
        .updateTable('oauth_states')
        .set({ used_at: now.toISOString() })
        .where('id', '=', stateRow.id)
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    );
    if (Number(spent.numUpdatedRows) !== 1) throw invalidInput('This authorization link was already used');
    if (input.error || !input.code) {
      throw new AppError(
        'invalid_input',
        `The platform did not authorize the connection: ${input.error ?? 'no code returned'}`,
      );
    }
    const def = definition(stateRow.platform);
    const app = appFor(def.platform);
    const verifier = stateRow.code_verifier_sealed ? box.open(stateRow.code_verifier_sealed) : undefined;
    let tokens: OAuthTokens;
    try {
      tokens = await def.oauth!.exchangeCode(
        app,
        settingsFor(def, {}),
        { code: input.code, ...(verifier ? { codeVerifier: verifier } : {}) },
        { fetch: fetchImpl },
      );
    } catch (e) {
      if (e instanceof ConnectorError)
        throw new AppError(
          e.kind === 'auth' || e.kind === 'invalid' ? 'invalid_input' : 'upstream_failed',
          `${def.displayName} refused the authorization: ${e.message}`,
        );
      throw e;
    }
    return storage.withTenant(organizationId, async (trx) => {
      const row = await find(trx, organizationId, connectionId);
      // Non-secret identifiers the vendor returned with the tokens (GoHighLevel's location) are kept
      // in settings, where webhooks find the connection without opening sealed tokens.
      const settings = {
        ...(JSON.parse(row.settings) as Record<string, string>),
        ...(tokens.extra.locationId ? { locationId: tokens.extra.locationId } : {}),
      };
      const updated = {
        tokens_sealed: box.seal(JSON.stringify(tokens)),
        token_expires_at: tokens.expiresAt,
        status: 'active',
        last_error: null,
        settings: JSON.stringify(settings),
        updated_at: now.toISOString(),
      };
      await trx
        .updateTable('connections')
        .set(updated)
        .where('id', '=', row.id)
        .where('organization_id', '=', organizationId)
        .execute();
      await audit.record(trx, {
        organizationId,
        actor: { type: 'user', id: stateRow.created_by },
        action: 'connections.authorized',
        target: { type: 'connection', id: row.id },
        metadata: { platform: row.platform, scope: tokens.scope },
      });
      return { organizationId, connection: toConnection({ ...row, ...updated }) };
    });
  }

  const list = (ctx: Ctx, f: { clientId?: string; platform?: string } = {}) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      let q = trx.selectFrom('connections').selectAll().where('organization_id', '=', ctx.organizationId);
      if (f.clientId) q = q.where('client_id', '=', f.clientId);
      if (f.platform) q = q.where('platform', '=', f.platform);
      return (await q.orderBy('id', 'desc').execute()).map(toConnection);
    });

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      toConnection(await find(trx, ctx.organizationId, id)),
    );

  /** Disconnects: forgets the tokens, keeps the synced data (it is the agency's history). */
  async function disconnect(ctx: Ctx, id: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await find(trx, ctx.organizationId, id);
      const now = clock.now().toISOString();
      await trx
        .updateTable('connections')
        .set({ status: 'disconnected', tokens_sealed: null, token_expires_at: null, updated_at: now })
        .where('id', '=', id)
        .where('organization_id', '=', ctx.organizationId)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'connections.disconnected',
        target: { type: 'connection', id },
        metadata: { platform: row.platform },
      });
      return toConnection({
        ...row,
        status: 'disconnected',
        tokens_sealed: null,
        token_expires_at: null,
        updated_at: now,
      });
    });
  }

  async function markNeedsReconnect(organizationId: string, id: string, reason: string) {
    await storage.withTenant(organizationId, async (trx) => {
      const now = clock.now().toISOString();
      await trx
        .updateTable('connections')
        .set({ status: 'needs_reconnect', last_error: reason.slice(0, 1000), updated_at: now })
        .where('id', '=', id)
        .where('organization_id', '=', organizationId)
        .execute();
      await audit.record(trx, {
        organizationId,
        actor: { type: 'system', id: null },
        action: 'connections.needs_reconnect',
        target: { type: 'connection', id },
        metadata: { reason: reason.slice(0, 500) },
      });
    });
  }

  /**
   * A connector context for a sync or write-back: tokens opened (and refreshed first when they
   * expire within five minutes), settings merged, the shared request budget attached.
   */
  async function contextFor(
    organizationId: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<{ ctx: ConnectorContext; connection: ConnectionsTable; definition: ConnectorDefinition }> {
    const row = await storage.withTenant(organizationId, (trx) => find(trx, organizationId, id));
    const def = definition(row.platform);
    if (row.status !== 'active' || !row.tokens_sealed) {
      throw new AppError(
        'conflict',
        `Connection ${id} is ${row.status}; ${row.status === 'needs_reconnect' ? 'reconnect it first' : 'it cannot be used'}`,
        { status: row.status },
      );
    }
    let tokens = JSON.parse(box.open(row.tokens_sealed)) as OAuthTokens;
    const settings = settingsFor(def, JSON.parse(row.settings) as Record<string, string>);
    const expiring =
      tokens.expiresAt && new Date(tokens.expiresAt).getTime() - clock.now().getTime() < REFRESH_MARGIN_MS;
    if (def.oauth && expiring && tokens.refreshToken) {
      try {
        tokens = await def.oauth.refresh(appFor(def.platform), settings, tokens, { fetch: fetchImpl });
      } catch (e) {
        if (e instanceof ConnectorError && (e.kind === 'auth' || e.kind === 'invalid')) {
          await markNeedsReconnect(organizationId, id, `Token refresh failed: ${e.message}`);
        }
        throw e;
      }
      await storage.withTenant(organizationId, async (trx) => {
        await trx
          .updateTable('connections')
          .set({
            tokens_sealed: box.seal(JSON.stringify(tokens)),
            token_expires_at: tokens.expiresAt,
            updated_at: clock.now().toISOString(),
          })
          .where('id', '=', id)
          .where('organization_id', '=', organizationId)
          .execute();
      });
    }
    return {
      ctx: { tokens, settings, fetch: fetchImpl, budget, ...(signal ? { signal } : {}) },
      connection: row,
      definition: def,
    };
  }

  /** The active connection of a platform location (webhooks), across organizations. */
  async function findByLocation(
    platform: string,
    locationId: string,
  ): Promise<{ id: string; organizationId: string } | undefined> {
    const rows = await storage.db
      .selectFrom('connections')
      .select(['id', 'organization_id', 'settings'])
      .where('platform', '=', platform)
      .where('status', '=', 'active')
      .execute();
    const hit = rows.find(
      (r) => (JSON.parse(r.settings) as Record<string, string>).locationId === locationId,
    );
    return hit ? { id: hit.id, organizationId: hit.organization_id } : undefined;
  }

  /** Operator overrides of a platform's vendor settings (base URLs, keys) from config. */
  const settingsOverrides = (platform: string) => config.connectors[platform]?.overrides ?? {};

  /** Re-seals every stored token with the current key (after adding a new OMNIFY_ENCRYPTION_KEY). */
  async function resealAll(): Promise<number> {
    const rows = await storage.db
      .selectFrom('connections')
      .select(['id', 'organization_id', 'tokens_sealed'])
      .where('tokens_sealed', 'is not', null)
      .execute();
    let n = 0;
    for (const r of rows) {
      const resealed = box.reseal(r.tokens_sealed as string);
      if (resealed !== r.tokens_sealed) {
        await storage.db
          .updateTable('connections')
          .set({ tokens_sealed: resealed })
          .where('id', '=', r.id)
          .execute();
        n++;
      }
    }
    return n;
  }

  return {
    platforms,
    create,
    reconnect,
    completeOAuth,
    list,
    get,
    disconnect,
    markNeedsReconnect,
    contextFor,
    resealAll,
    definition,
    findByLocation,
    settingsOverrides,
  };
}

export type Connections = ReturnType<typeof createConnections>;

/** Connection-level settings a user may set (never secrets): Google's manager id, page sizes. */
function pickVendorSettings(s: Record<string, string>): Partial<VendorSettings> {
  const out: Partial<VendorSettings> = {};
  if (s.loginCustomerId) out.loginCustomerId = s.loginCustomerId;
  return out;
}
