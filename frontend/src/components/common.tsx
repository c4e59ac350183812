// Shared bits of the list screens: spinner, error banner, empty state, toasts.
import { useEffect, useRef, type ReactNode } from 'react';

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

/** Short relative time ("3 min ago") with the full date as the fallback. */
export function ago(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function Dialog({ title, children, onClose }: { title: string; children: ReactNode; onClose(): void }) {
  useEffect(() => {
    const on = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={onClose}>
      <div className="dialog" role="dialog" aria-label={title} onMouseDown={(e) => e.stopPropagation()}>
        <div className="dialog-head">
          <strong>{title}</strong>
          <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>×</button>
        </div>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}
