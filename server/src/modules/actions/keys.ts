/**
 * The idempotency keys of the write-backs proposals make, in one place: `proposal:<id>` applies a
 * proposal, `revert:<id>` reverts it (`revert:<id>:<n>` for a later attempt after one whose outcome
 * burnt the key). Callers of POST /api/v1/write-backs may not use these prefixes.
 */
export const APPLY_KEY_PREFIX = 'proposal:';
export const REVERT_KEY_PREFIX = 'revert:';

/** The key of the write-back that applies a proposal. */
export const applyKey = (proposalId: string) => `${APPLY_KEY_PREFIX}${proposalId}`;
/** The key of a proposal's revert; a later attempt appends `:<n>` (proposals.decisions.ts). */
export const revertKey = (proposalId: string) => `${REVERT_KEY_PREFIX}${proposalId}`;

const KEY = /^(proposal|revert):([^:]+)(?::\d+)?$/;

/** The proposal a write-back's key names, and whether it applied or reverted it; null for others. */
export function proposalOfKey(key: string): { id: string; role: 'apply' | 'revert' } | null {
  const m = KEY.exec(key);
  return m?.[2] ? { id: m[2], role: m[1] === 'proposal' ? 'apply' : 'revert' } : null;
}

/** Keys in the proposals' namespace (refused on the direct write-back route). */
export const isReservedKey = (key: string) =>
  key.startsWith(APPLY_KEY_PREFIX) || key.startsWith(REVERT_KEY_PREFIX);
export const isRevertKey = (key: string) => key.startsWith(REVERT_KEY_PREFIX);
