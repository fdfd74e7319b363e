/** Workflow helpers shared by the Workflows and Approvals pages. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from './api.ts';

/**
 * Approve or reject a workflow run's approval step (POST …/steps/:stepId/approve|reject), then
 * refresh everything that shows the step: the Approvals page's waiting runs (`wf-approvals`), the
 * run's steps (`wf-exec`) and the run history (`wf-runs`), whichever page the decision came from.
 */
export function useStepDecision(executionId: string, stepId: string) {
  const qc = useQueryClient();
  return useMutation({
    // The comment (optional) is kept with the decision in the step's approvals.
    mutationFn: ({ decision, comment }: { decision: 'approve' | 'reject'; comment?: string | null }) =>
      api.post<unknown>(
        `/api/v1/workflows/executions/${encodeURIComponent(executionId)}/steps/${encodeURIComponent(stepId)}/${decision}`,
        comment ? { comment } : {},
      ),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['wf-approvals'] });
      qc.invalidateQueries({ queryKey: ['wf-exec', executionId] });
      qc.invalidateQueries({ queryKey: ['wf-runs'] });
    },
  });
}
