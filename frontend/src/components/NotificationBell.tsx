// The notification centre: a bell in the top bar with the unread count (polled every 10 s) and
// a dropdown listing the latest notifications with mark-as-read.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Notification } from '../api';
import { formatNotification, unreadBadge } from '../lib/notifications';
import { formatDateTime } from '../lib/datetime';

const POLL_MS = 10_000;

export function NotificationBell() {
  const [unread, setUnread] = useState(0);
  const [items, setItems] = useState<Notification[] | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const d = await api.listNotifications({ limit: 20 }, signal);
      setUnread(d.unread);
      setItems(d.notifications);
      setError('');
    } catch (e) {
      if (!(e instanceof DOMException)) setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => {
    const ctrl = new AbortController();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- polling
    load(ctrl.signal);
    const t = setInterval(() => load(ctrl.signal), POLL_MS);
    return () => {
      ctrl.abort();
      clearInterval(t);
    };
  }, [load]);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onNavigate = () => setOpen(false);
    // capture: the canvas stops a press on a card from bubbling (its pan and drag handling)
    window.addEventListener('pointerdown', onDown, true);
    window.addEventListener('keydown', onKey);
    window.addEventListener('hashchange', onNavigate);
    return () => {
      window.removeEventListener('pointerdown', onDown, true);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('hashchange', onNavigate);
    };
  }, [open]);
  const markRead = async (n: Notification) => {
    if (n.read) return;
    setItems((l) => l?.map((x) => (x.id === n.id ? { ...x, read: true } : x)) ?? l);
    setUnread((u) => Math.max(0, u - 1));
    try {
      await api.readNotification(n.id);
    } catch {
      load();
    }
  };
  const markAll = async () => {
    const todo = (items ?? []).filter((n) => !n.read);
    await Promise.all(todo.map((n) => api.readNotification(n.id).catch(() => undefined)));
    load();
  };
  const badge = unreadBadge(unread);
  return (
    <div className="bell-box" ref={box}>
      <button type="button" className="bell" aria-label={badge ? `Notifications, ${unread} unread` : 'Notifications'} aria-expanded={open} aria-haspopup="true"
        onClick={() => { setOpen(!open); if (!open) load(); }}>
        <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
          <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        </svg>
        {badge && <span className="bell-badge" data-testid="unread-count">{badge}</span>}
      </button>
      {open && (
        <div className="bell-menu" role="dialog" aria-label="Notifications">
          <div className="bell-head">
            <strong>Notifications</strong>
            <span className="grow" />
            {unread > 0 && <button type="button" className="link-btn" onClick={markAll}>Mark all as read</button>}
          </div>
          {error && <div className="hint error">{error}</div>}
          {items && items.length === 0 && <div className="bell-empty">Nothing yet. Workflows' notify steps and disabled webhooks show up here.</div>}
          <ul>
            {items?.map((n) => {
              const f = formatNotification(n);
              return (
                <li key={n.id} className={`${n.read ? 'read' : 'unread'} tone-${f.tone}`}>
                  <div className="bell-item-head">
                    {!n.read && <span className="dot" aria-label="unread" />}
                    {f.href ? <a href={f.href} onClick={() => { markRead(n); setOpen(false); }} {...(f.href.startsWith('http') ? { target: '_blank', rel: 'noreferrer' } : {})}>{f.title}</a> : <strong>{f.title}</strong>}
                    <span className="grow" />
                    <span className="sub" title={formatDateTime(n.created_at)}>{f.when}</span>
                  </div>
                  {f.body && <div className="bell-body">{f.body}</div>}
                  <div className="bell-foot">
                    <span className="sub">{f.kind}</span>
                    <span className="grow" />
                    {!n.read && <button type="button" className="link-btn" onClick={() => markRead(n)}>Mark as read</button>}
                  </div>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </div>
  );
}
