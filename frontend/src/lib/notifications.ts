// Notification centre: the badge text and one line per notification.
import type { Notification } from '../api/types';

/** The badge on the bell: "" for none, "99+" above 99. */
export function unreadBadge(n: number): string {
  if (!n || n < 0) return '';
  return n > 99 ? '99+' : String(n);
}

const KIND_LABEL: Record<string, string> = {
  hook_disabled: 'Webhook disabled',
  notify: 'Workflow',
  delivery_dead: 'Delivery failed',
};

/** A notification as the dropdown shows it. */
export function formatNotification(n: Notification, now = Date.now()): { title: string; body: string; kind: string; when: string; href?: string; tone: 'warn' | 'info' } {
  const kind = KIND_LABEL[n.kind] ?? n.kind.replace(/_/g, ' ');
  const title = n.title.trim() || kind;
  const body = n.body.length > 240 ? n.body.slice(0, 239) + '…' : n.body;
  const tone = /disabled|fail|dead|error/.test(n.kind) ? 'warn' : 'info';
  return { title, body, kind, when: relative(n.created_at, now), href: safeLink(n.link), tone };
}

/** Only in-app links (#/…) and http(s) addresses are followed; anything else is dropped. */
export function safeLink(link?: string): string | undefined {
  if (!link) return undefined;
  if (link.startsWith('#/')) return link;
  if (link.startsWith('/')) return '#' + link.replace(/^\/+/, '/');
  if (/^https?:\/\//i.test(link)) return link;
  return undefined;
}

function relative(iso: string, now: number): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
