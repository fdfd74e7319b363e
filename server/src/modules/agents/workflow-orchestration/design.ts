/**
 * Turns a goal into a workflow DAG in the workflows module's definition shape (steps with
 * `dependsOn`, `config`, `{{…}}` input mappings). The built-in engine matches the goal against five
 * patterns by keywords; the language-model engine can design freely and check its draft with the
 * `validate_workflow` tool. Pure: ids of agents and connections are given.
 */

export type Pattern =
  | 'campaign_launch'
  | 'client_onboarding'
  | 'monthly_reporting'
  | 'budget_optimization'
  | 'health_check';

export interface DesignContext {
  goal: string;
  clientId?: string;
  campaignId?: string;
  connectionId?: string;
  notifyEmail?: string;
  agentIds: Partial<Record<string, string>>;
}

export interface DesignedStep {
  id: string;
  type: string;
  name: string;
  dependsOn: string[];
  config: Record<string, unknown>;
  input: Record<string, unknown>;
  retries?: number;
  timeoutMs?: number;
}

const keywords: Array<[Pattern, RegExp]> = [
  ['campaign_launch', /\b(launch|go live|start (the|a|my) campaign|enable)\b/i],
  ['client_onboarding', /\b(onboard|new client|welcome|connect(ed)? (a|the) (new )?account)\b/i],
  ['monthly_reporting', /\b(report|monthly|month end|month-end)\b/i],
  ['budget_optimization', /\b(budget|optimi[sz]e|realloc|allocation|spend better|roas)\b/i],
];

export function patternOf(goal: string): Pattern {
  return keywords.find(([, re]) => re.test(goal))?.[0] ?? 'health_check';
}

export function designWorkflow(c: DesignContext): {
  pattern: Pattern;
  steps: DesignedStep[];
  triggers: Record<string, unknown>;
  needs: string[];
} {
  const pattern = patternOf(c.goal);
  const needs: string[] = [];
  const steps: DesignedStep[] = [];
  const agent = (kind: string) => {
    const id = c.agentIds[kind];
    if (!id) needs.push(`the ${kind} agent`);
    return id ?? `<${kind} agent id>`;
  };
  const notify = (id: string, dependsOn: string[], subject: string, body: string) => {
    if (!c.notifyEmail) {
      needs.push('notifyEmail for the notification step');
      return;
    }
    steps.push({
      id,
      type: 'notify',
      name: 'Tell the team',
      dependsOn,
      config: { to: [c.notifyEmail], subject, body },
      input: {},
    });
  };
  const sync = (kind: 'incremental' | 'backfill') => {
    if (!c.connectionId) return false;
    steps.push({
      id: 'sync',
      type: 'connector_sync',
      name: 'Fresh data first',
      dependsOn: [],
      config: { connectionId: c.connectionId, kind, ...(kind === 'backfill' ? { days: 90 } : {}) },
      input: {},
      retries: 1,
      timeoutMs: 600_000,
    });
    return true;
  };
  const clientInput = c.clientId ? { clientId: c.clientId } : {};

  if (pattern === 'campaign_launch') {
    if (!c.campaignId) needs.push('campaignId of the campaign to launch');
    const campaignId = c.campaignId ?? '<campaign id>';
    steps.push({
      id: 'forecast',
      type: 'oracle_job',
      name: 'Forecast the campaign',
      dependsOn: [],
      config: { job: 'forecast', entityType: 'campaign', entityId: campaignId, metric: 'spend', horizon: 30 },
      input: {},
      retries: 2,
    });
    steps.push({
      id: 'creative_check',
      type: 'agent_run',
      name: 'Check the copy before launch',
      dependsOn: [],
      config: { agentId: agent('creative_intelligence') },
      input: { campaignId },
    });
    steps.push({
      id: 'approve',
      type: 'approval_wait',
      name: 'A person approves the launch',
      dependsOn: ['forecast', 'creative_check'],
      config: { message: 'Review the forecast and the creative check, then approve the launch.' },
      input: {},
    });
    steps.push({
      id: 'enable',
      type: 'proposal',
      name: 'Enable through the guardrails',
      dependsOn: ['approve'],
      config: { kind: 'enable', campaignId, reason: 'Launch approved in the workflow' },
      input: {},
    });
    notify(
      'announce',
      ['enable'],
      'Campaign launched',
      'The campaign is enabled: {{steps.enable.output.status}}.',
    );
  } else if (pattern === 'client_onboarding') {
    if (!sync('backfill')) needs.push('connectionId of the new connection');
    const after = steps.length ? ['sync'] : [];
    steps.push({
      id: 'fatigue',
      type: 'oracle_job',
      name: 'Creative fatigue',
      dependsOn: after,
      config: { job: 'fatigue', ...clientInput },
      input: {},
    });
    steps.push({
      id: 'anomalies',
      type: 'oracle_job',
      name: 'Anomaly scan',
      dependsOn: after,
      config: { job: 'anomalies', ...clientInput },
      input: {},
    });
    if (c.clientId)
      steps.push({
        id: 'health',
        type: 'agent_run',
        name: 'First health check',
        dependsOn: ['fatigue', 'anomalies'],
        config: { agentId: agent('client_management') },
        input: { clientId: c.clientId },
      });
    notify(
      'welcome',
      c.clientId ? ['health'] : ['fatigue', 'anomalies'],
      'Onboarding complete',
      c.clientId
        ? '{{steps.health.output.output.summary}}'
        : '{{steps.anomalies.output.flagged}} anomalous days found.',
    );
  } else if (pattern === 'monthly_reporting') {
    steps.push({
      id: 'forecast',
      type: 'oracle_job',
      name: 'Forecast next month',
      dependsOn: [],
      config: {
        job: 'forecast',
        metric: 'spend',
        horizon: 30,
        ...(c.clientId ? { entityType: 'client', entityId: c.clientId } : {}),
      },
      input: {},
      retries: 2,
    });
    if (c.clientId)
      steps.push({
        id: 'report',
        type: 'agent_run',
        name: 'Monthly client report',
        dependsOn: [],
        config: { agentId: agent('client_management') },
        input: { clientId: c.clientId },
      });
    else
      steps.push({
        id: 'report',
        type: 'agent_run',
        name: 'Analytics review',
        dependsOn: [],
        config: { agentId: agent('analytics') },
        input: {},
      });
    notify('send', ['forecast', 'report'], 'Monthly report', '{{steps.report.output.output.summary}}');
  } else if (pattern === 'budget_optimization') {
    const synced = sync('incremental');
    steps.push({
      id: 'plan',
      type: 'agent_run',
      name: 'Plan and propose budget moves',
      dependsOn: synced ? ['sync'] : [],
      config: { agentId: agent('marketing_automation') },
      input: { ...clientInput },
    });
    notify('review', ['plan'], 'Budget proposals to review', '{{steps.plan.output.output.summary}}');
  } else {
    const synced = sync('incremental');
    const after = synced ? ['sync'] : [];
    steps.push({
      id: 'analytics',
      type: 'agent_run',
      name: 'Performance review',
      dependsOn: after,
      config: { agentId: agent('analytics') },
      input: { ...clientInput },
    });
    steps.push({
      id: 'creatives',
      type: 'agent_run',
      name: 'Creative review',
      dependsOn: after,
      config: { agentId: agent('creative_intelligence') },
      input: { ...clientInput },
    });
    notify(
      'digest',
      ['analytics', 'creatives'],
      'Account health check',
      '{{steps.analytics.output.output.summary}} {{steps.creatives.output.output.summary}}',
    );
  }
  const triggers = pattern === 'monthly_reporting' ? { cron: '0 7 1 * *' } : {};
  return { pattern, steps, triggers, needs: [...new Set(needs)] };
}
