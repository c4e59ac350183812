import { describe, expect, it } from 'vitest';
import type { Changes, Definition } from '../api/types';
import { TRIGGER_ID } from './definition';
import { changeLines, marksOf, stepLabel, titleIn } from './versions';

const changes: Changes = {
  steps: [
    { id: 'wait', type: 'delay', change: 'changed', fields: ['duration', 'next'] },
    { id: 'fresh', type: 'add_to_list', name: 'Welcome list', change: 'added' },
    { id: 'gone', type: 'send_email', change: 'removed' },
  ],
  triggers: [{ index: 0, type: 'event', change: 'changed', fields: ['event'] }, { index: 1, type: 'filter', change: 'added' }],
  settings: ['name'],
  summary: '',
};

describe('marksOf', () => {
  it('marks added and changed cards on the newer version, removed and changed on the older', () => {
    expect(marksOf(changes, 'newer')).toEqual({ wait: 'changed', fresh: 'added', [TRIGGER_ID]: 'changed' });
    expect(marksOf(changes, 'older')).toEqual({ wait: 'changed', gone: 'removed', [TRIGGER_ID]: 'changed' });
  });
  it('marks nothing for no change', () => {
    expect(marksOf({ steps: [], triggers: [], settings: [], summary: 'No changes' }, 'newer')).toEqual({});
  });
});

describe('changeLines', () => {
  it('says every change in words, steps first', () => {
    const label = (s: { id: string; name?: string; type: string }) => stepLabel(s, (t) => t.toUpperCase());
    expect(changeLines(changes, label)).toEqual([
      { kind: 'added', text: 'Added step ADD_TO_LIST “Welcome list”' },
      { kind: 'changed', text: 'Changed step DELAY “wait” (the wait, what follows)' },
      { kind: 'removed', text: 'Removed step SEND_EMAIL “gone”' },
      { kind: 'changed', text: 'Changed the event trigger (the event)' },
      { kind: 'added', text: 'Added the filter criteria trigger' },
      { kind: 'changed', text: 'Changed the settings (the name)' },
    ]);
  });

  it('says a renamed trigger is one change, with its old id and what else changed', () => {
    const renamed = { steps: [], triggers: [{ index: 0, type: 'event', change: 'changed', fields: ['event', 'id'], from: 'signup' }], settings: [], summary: '' } as Changes;
    expect(changeLines(renamed, () => '').map((l) => l.text)).toEqual(['Changed the event trigger (the event, the id (was “signup”))']);
  });

  it('names an unnamed step by what it does in the definitions compared, not by its id', () => {
    const newer = { steps: [{ id: 'wait', type: 'delay', duration: '2d' }] } as unknown as Definition;
    const older = { steps: [{ id: 'gone', type: 'send_email', template: 'welcome' }] } as unknown as Definition;
    const title = titleIn([newer, older], (st) => `${st.type} ${st.id === 'wait' ? '2 days' : 'welcome'}`);
    const label = (s: { id: string; name?: string; type: string }) => stepLabel(s, (t) => t.toUpperCase(), title);
    expect(changeLines(changes, label).slice(0, 3).map((l) => l.text)).toEqual([
      'Added step ADD_TO_LIST “Welcome list”',
      'Changed step DELAY “delay 2 days” (the wait, what follows)',
      'Removed step SEND_EMAIL “send_email welcome”',
    ]);
  });
});
