import { describe, expect, it } from 'vitest';
import type { Notification } from '../api/types';
import { formatNotification, safeLink, unreadBadge } from './notifications';

const now = Date.parse('2026-03-12T10:00:00Z');
const n = (p: Partial<Notification>): Notification => ({ id: 1, kind: 'notify', title: 'Hi', body: 'Body', read: false, created_at: '2026-03-12T09:58:00Z', ...p });

describe('unreadBadge', () => {
  it('shows nothing for none and caps at 99+', () => {
    expect(unreadBadge(0)).toBe('');
    expect(unreadBadge(7)).toBe('7');
    expect(unreadBadge(120)).toBe('99+');
  });
});

describe('formatNotification', () => {
  it('formats title, time, tone and link', () => {
    const f = formatNotification(n({ kind: 'hook_disabled', title: 'Webhook "Opt-in" was disabled', link: '/webhooks/opt-in' }), now);
    expect(f).toMatchObject({ title: 'Webhook "Opt-in" was disabled', kind: 'Webhook disabled', when: '2 min ago', href: '#/webhooks/opt-in', tone: 'warn' });
    const g = formatNotification(n({ title: ' ', body: 'x'.repeat(300), created_at: '2026-03-10T10:00:00Z' }), now);
    expect(g.title).toBe('Workflow');
    expect(g.body).toHaveLength(240);
    expect(g.when).toBe('2 d ago');
    expect(g.tone).toBe('info');
  });
  it('follows only safe links', () => {
    expect(safeLink('#/tasks')).toBe('#/tasks');
    expect(safeLink('/settings')).toBe('#/settings');
    expect(safeLink('https://x.nl')).toBe('https://x.nl');
    expect(safeLink('javascript:alert(1)')).toBeUndefined();
    expect(safeLink(undefined)).toBeUndefined();
  });
});
