/**
 * A change behind a confirmation: the dialog restates what the click does (on the ad platform, at
 * once) and may take an optional comment. Keyboard: the trigger is a button, the dialog traps
 * focus, Escape cancels. Used by Approvals (approve, revert) and budget recommendations (approve).
 */
import { AlertDialog } from 'radix-ui';
import { type ReactNode, useId, useState } from 'react';
import { Button, Textarea } from './ui.tsx';

export function ConfirmDialog({
  title,
  summary,
  children,
  commentLabel,
  confirmLabel,
  tone = 'primary',
  busy,
  onConfirm,
  trigger,
}: {
  title: string;
  /** The change in one line, restated (e.g. the campaign and its budget from → to). */
  summary: ReactNode;
  /** What confirming does, in words. */
  children?: ReactNode;
  /** With a label, the dialog asks for an optional comment passed to onConfirm. */
  commentLabel?: string;
  confirmLabel: string;
  tone?: 'primary' | 'danger';
  busy: boolean;
  onConfirm: (comment: string | null) => void;
  trigger: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState('');
  const commentId = useId();
  return (
    <AlertDialog.Root
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) setComment('');
      }}
    >
      <AlertDialog.Trigger asChild>{trigger}</AlertDialog.Trigger>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <AlertDialog.Content className="fixed top-1/2 left-1/2 z-50 w-[30rem] max-w-[92vw] -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-5 shadow-xl">
          <AlertDialog.Title className="text-base font-semibold text-slate-900">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="mt-2 space-y-1 text-sm text-slate-600">
              <p className="font-medium text-slate-900" data-testid="confirm-summary">
                {summary}
              </p>
              {children}
            </div>
          </AlertDialog.Description>
          {commentLabel && (
            <div className="mt-3">
              <label htmlFor={commentId} className="mb-1 block text-xs font-medium text-slate-700">
                {commentLabel}
              </label>
              <Textarea
                id={commentId}
                rows={2}
                maxLength={2000}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
            </div>
          )}
          <div className="mt-5 flex justify-end gap-2">
            <AlertDialog.Cancel asChild>
              <Button>Cancel</Button>
            </AlertDialog.Cancel>
            <Button
              variant={tone}
              loading={busy}
              onClick={() => {
                onConfirm(comment.trim() || null);
                setOpen(false);
              }}
            >
              {confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
