/**
 * The one place plan limits are checked. Other modules call it inside the transaction that adds:
 * `assertCanAdd(trx, orgId, 'clients')` before inserting a client, `admitAdAccount` around a sync's
 * account upsert, `recordAgentRun` when an agent run starts. Counting and adding happen under one
 * per-organization lock, so two concurrent additions cannot both take the last place.
 */
import type { BillingConfig } from '../../config.ts';
import type { Clock } from '../../platform/clock.ts';
import { type AppError, notFound } from '../../platform/errors.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import { type Entitlement, entitlementOf, periodOf, planLimitError } from './billing.plans.ts';
import {
  type CountedLimit,
  countOf,
  lockForLimits,
  meterAdd,
  meterCount,
  organizationWithAccount,
} from './billing.repo.ts';

/** Whether a sync may sync an ad account it found, and why not. */
export interface AdAccountAdmission {
  accountId: string;
  syncable: boolean;
  /** Set when the plan is full: the sync records it and keeps syncing the other accounts. */
  error?: AppError;
}

interface Deps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  billing: BillingConfig;
}

export function createLimits({ storage, audit, clock, billing }: Deps) {
  /** The organization's plan, status and effective limits (no query at all without billing). */
  async function entitlement(trx: Executor, organizationId: string): Promise<Entitlement> {
    if (!billing.enabled) return entitlementOf(billing, clock.now(), { createdAt: '', account: undefined });
    const org = await organizationWithAccount(trx, organizationId);
    if (!org) throw notFound('Organization', organizationId);
    return entitlementOf(billing, clock.now(), org);
  }

  /** Throws `plan_limit` if adding `count` more of `limit` would exceed what the plan allows. */
  async function assertCanAdd(trx: Executor, organizationId: string, limit: CountedLimit, count = 1) {
    const e = await entitlement(trx, organizationId);
    const allowed = e.limits[limit];
    if (allowed === null) return;
    await lockForLimits(storage, trx, organizationId);
    const used = await countOf(trx, organizationId, limit);
    if (used + count > allowed) throw planLimitError(billing, e, limit, used, count);
  }

  /**
   * Runs a sync's account `upsert` and decides whether the account may sync. An account already
   * syncing keeps syncing whatever the plan (nothing is taken away). A new account the plan has no
   * room for is stored disabled and held; a held account is released once the plan has room again
   * (after an upgrade, or when other accounts go). Accounts disabled for another reason stay disabled.
   */
  async function admitAdAccount(
    trx: Executor,
    organizationId: string,
    key: { platform: string; externalId: string },
    upsert: () => Promise<string>,
  ): Promise<AdAccountAdmission> {
    const e = await entitlement(trx, organizationId);
    const allowed = e.limits.adAccounts;
    if (allowed !== null) await lockForLimits(storage, trx, organizationId);
    const before = await trx
      .selectFrom('ad_accounts')
      .select(['id', 'enabled'])
      .where('organization_id', '=', organizationId)
      .where('platform', '=', key.platform)
      .where('external_id', '=', key.externalId)
      .executeTakeFirst();
    const accountId = await upsert();
    if (before && Number(before.enabled) === 1) return { accountId, syncable: true };
    const held = before
      ? await trx
          .selectFrom('billing_held_ad_accounts')
          .select('ad_account_id')
          .where('organization_id', '=', organizationId)
          .where('ad_account_id', '=', accountId)
          .executeTakeFirst()
      : undefined;
    if (before && !held) return { accountId, syncable: false };
    const used =
      allowed === null
        ? 0
        : await countOf(trx, organizationId, 'adAccounts', { exceptAdAccountId: accountId });
    const now = clock.now().toISOString();
    const record = (action: string) =>
      audit.record(trx, {
        organizationId,
        actor: { type: 'system', id: null },
        action,
        target: { type: 'ad_account', id: accountId },
        metadata: { ...key, limit: 'adAccounts', used, allowed, plan: e.plan?.id ?? null, status: e.status },
      });
    if (allowed === null || used + 1 <= allowed) {
      if (held) {
        await trx
          .updateTable('ad_accounts')
          .set({ enabled: 1, updated_at: now })
          .where('id', '=', accountId)
          .execute();
        await trx.deleteFrom('billing_held_ad_accounts').where('ad_account_id', '=', accountId).execute();
        await record('billing.ad_account_released');
      }
      return { accountId, syncable: true };
    }
    const error = planLimitError(billing, e, 'adAccounts', used);
    if (!held) {
      // Inserted enabled by the upsert a moment ago, in this transaction: nobody saw it enabled.
      await trx
        .updateTable('ad_accounts')
        .set({ enabled: 0, updated_at: now })
        .where('id', '=', accountId)
        .execute();
      await trx
        .insertInto('billing_held_ad_accounts')
        .values({ ad_account_id: accountId, organization_id: organizationId, created_at: now })
        .execute();
      await record('billing.ad_account_held');
    }
    return { accountId, syncable: false, error };
  }

  /** Throws `plan_limit` when the month's agent runs are used up (a read-only check before starting). */
  async function assertCanRunAgent(organizationId: string): Promise<void> {
    await storage.withTenant(organizationId, async (trx) => {
      const e = await entitlement(trx, organizationId);
      const allowed = e.limits.agentRunsPerMonth;
      if (allowed === null) return;
      const used = await meterCount(trx, organizationId, 'agent_runs', periodOf(clock.now()));
      if (used + 1 > allowed) throw planLimitError(billing, e, 'agentRunsPerMonth', used);
    });
  }

  /**
   * Counts one agent run in the transaction that starts it, or throws `plan_limit` when the month's
   * runs are used up. Runs are counted whatever the plan, so usage is shown even when unlimited.
   */
  async function recordAgentRun(trx: Executor, organizationId: string) {
    const e = await entitlement(trx, organizationId);
    const allowed = e.limits.agentRunsPerMonth;
    const period = periodOf(clock.now());
    if (allowed !== null) {
      await lockForLimits(storage, trx, organizationId);
      const used = await meterCount(trx, organizationId, 'agent_runs', period);
      if (used + 1 > allowed) throw planLimitError(billing, e, 'agentRunsPerMonth', used);
    }
    await meterAdd(trx, organizationId, 'agent_runs', period, 1, clock.now().toISOString());
    return { used: await meterCount(trx, organizationId, 'agent_runs', period), allowed };
  }

  return { entitlement, assertCanAdd, admitAdAccount, assertCanRunAgent, recordAgentRun };
}

export type Limits = ReturnType<typeof createLimits>;
