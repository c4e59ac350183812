// Shared bits of the list screens: spinner, error banner, empty state, toasts.
import { createFocusTrap } from 'focus-trap';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Enrollment } from '../api/types';
import { failedStepsText, statusLabel, statusMeaning } from '../lib/outcome';

export function Spinner({ label }: { label: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function ErrorBanner({ error, onRetry, onClose }: { error: string; onRetry?(): void; onClose?(): void }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <span className="grow">{error}</span>
      {onRetry && <button type="button" className="btn" onClick={onRetry}>Try again</button>}
      {onClose && <button type="button" className="icon-btn" aria-label="Dismiss" onClick={onClose}>×</button>}
    </div>
  );
}

/** An enrollment's status, with its failed steps when some failed before it finished (an active
 * or waiting enrollment that already had a failure shows it too). */
export function StatusPill({ e }: { e: Pick<Enrollment, 'status' | 'failed_steps'> }) {
  const failed = e.failed_steps ?? 0;
  const extra = failed > 0 && e.status !== 'completed_with_errors' && e.status !== 'failed';
  return (
    <span className="status-pill" data-status={e.status}>
      <span className={`pill ${e.status}`} title={statusMeaning(e.status)}>{statusLabel(e.status)}</span>
      {extra && <span className="pill failed" title="Steps that failed so far">{failedStepsText(failed)}</span>}
    </span>
  );
}

export function Empty({ title, children, actions }: { title: string; children?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-text">{children}</div>}
      {actions && <div className="empty-actions">{actions}</div>}
    </div>
  );
}

export interface ToastData {
  id: number;
  text: string;
  action?: { label: string; run(): void };
  ms?: number;
}

export function Toasts({ toasts, onDone }: { toasts: ToastData[]; onDone(id: number): void }) {
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => <Toast key={t.id} toast={t} onDone={() => onDone(t.id)} />)}
    </div>
  );
}

function Toast({ toast, onDone }: { toast: ToastData; onDone(): void }) {
  const done = useRef(onDone);
  useEffect(() => {
    done.current = onDone;
  });
  useEffect(() => {
    const t = setTimeout(() => done.current(), toast.ms ?? 5000);
    return () => clearTimeout(t);
  }, [toast.ms]);
  return (
    <div className="toast" role="status">
      <span>{toast.text}</span>
      {toast.action && (
        <button type="button" className="toast-action" onClick={() => { toast.action!.run(); onDone(); }}>{toast.action.label}</button>
      )}
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={onDone}>×</button>
    </div>
  );
}

/** Short relative time ("3 min ago") with the date as the fallback (lib/datetime). */
export { ago } from '../lib/datetime';

export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose(): void }) {
  // One listener for the dialog's life: re-adding it on every render (onClose is usually a new
  // function) could drop the Escape that made another listener re-render the page first.
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });
  useEffect(() => {
    const on = (e: KeyboardEvent) => e.key === 'Escape' && close.current();
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
  // The keyboard stays in the dialog (focus-trap): it starts on the first field or button, Tab
  // cycles inside it, and closing gives the focus back to what opened it.
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const trap = createFocusTrap(box.current, { escapeDeactivates: false, allowOutsideClick: true, fallbackFocus: box.current, initialFocus: () => firstField(box.current!) });
    trap.activate();
    return () => {
      trap.deactivate();
    };
  }, []);
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} ref={box} tabIndex={-1} onMouseDown={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <strong>{title}</strong>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>×</button>
        </div>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

/** Where a dialog's focus starts: its first field, else its first button past the Close "×". */
function firstField(el: HTMLElement): HTMLElement {
  return el.querySelector<HTMLElement>('.dialog-body input:not([disabled]), .dialog-body select:not([disabled]), .dialog-body textarea:not([disabled])')
    ?? el.querySelector<HTMLElement>('.dialog-body button:not([disabled]), .dialog-body a[href]')
    ?? el;
}

/** Copies text to the clipboard (falls back to a hidden textarea when the API is refused). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what?: string }) {
  const [state, setState] = useState<'' | 'ok' | 'fail'>('');
  useEffect(() => {
    if (!state) return;
    const t = setTimeout(() => setState(''), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button type="button" className="btn small" aria-label={what ? `Copy ${what}` : label} onClick={async () => setState((await copyText(text)) ? 'ok' : 'fail')}>
      {state === 'ok' ? 'Copied' : state === 'fail' ? 'Select and copy' : label}
    </button>
  );
}

/** A read-only value with a copy button (URLs, secrets shown once). */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="field copy-field">
      <span className="field-label">{label}</span>
      <div className="copy-row">
        <input readOnly value={value} aria-label={label} className="mono" data-testid={testId} onFocus={(e) => e.target.select()} />
        <CopyButton text={value} what={label} />
      </div>
    </div>
  );
}
