/** Proposed actions, guardrails, approvals and revert: the service other modules (agents, rules) use. */
import { createDecisions } from './proposals.decisions.ts';
import { createPolicies } from './proposals.policies.ts';
import { createProposals, type ProposalsDeps } from './proposals.service.ts';

export function createProposalsModule(deps: ProposalsDeps) {
  const core = createProposals(deps);
  const decisions = createDecisions(deps, core);
  const policies = createPolicies(deps);
  return { propose: core.propose, list: core.list, get: core.get, ...decisions, policies };
}

export type Proposals = ReturnType<typeof createProposalsModule>;
export type { Proposal, ProposalSource, ProposalStatus } from './proposals.model.ts';
export { defaultPolicy, type Policy } from './proposals.policy.ts';
export { createWriteBackLink } from './proposals.reconcile.ts';
export { proposalsRoutes } from './proposals.routes.ts';
export type { ProposeInput } from './proposals.service.ts';
