import { describe, expect, it } from 'vitest';
import type { EmailTemplate } from '../api/templates';
import { draftOf, isDirty, liveUseWarning, problemText, problemsByField, saveInput, slug, visualEditorLoss } from './email-template';

const tpl = (over: Partial<EmailTemplate> = {}): EmailTemplate => ({
  name: 'welcome', subject: 'Hi', preheader: '', body_html: '<p>Hello</p>', body_text: 'Hello', text_generated: true, created_at: '', updated_at: '', ...over,
});

describe('visualEditorLoss', () => {
  it('keeps what the visual editor can hold', () => {
    expect(visualEditorLoss('<h1>Hi {{contact.first_name}}</h1><p><strong>a</strong> <a href="https://x">b</a></p><ul><li>c</li></ul>')).toBe('');
  });
  it('names what a layout has that it would lose', () => {
    expect(visualEditorLoss('<!DOCTYPE html><html><body>x</body></html>')).toBe('it is a whole HTML document (a layout)');
    expect(visualEditorLoss('<table><tr><td>x</td></tr></table>')).toBe('it has tables');
    expect(visualEditorLoss('<p style="margin:0">x</p>')).toBe('it has inline styles');
    expect(visualEditorLoss('<p><img src="a.png"></p>')).toBe('it has images');
    expect(visualEditorLoss('<div>x</div>')).toBe('it has layout elements');
  });
});

describe('drafts', () => {
  it('sends "" for a generated text part and the text for a hand-written one', () => {
    expect(saveInput(draftOf(tpl())).body_text).toBe('');
    const hand = draftOf(tpl({ text_generated: false, body_text: 'Mine' }));
    expect(hand.textByHand).toBe(true);
    expect(saveInput(hand).body_text).toBe('Mine');
  });
  it('is dirty only when a save would change something', () => {
    const t = tpl();
    expect(isDirty(draftOf(t), t)).toBe(false);
    expect(isDirty({ ...draftOf(t), subject: 'Hi!' }, t)).toBe(true);
    expect(isDirty({ ...draftOf(t), body_text: 'edited but generated' }, t)).toBe(false);
    expect(isDirty({ ...draftOf(t), textByHand: true }, t)).toBe(true);
  });
});

describe('problems', () => {
  it('groups by field and says where', () => {
    const by = problemsByField([{ field: 'subject', message: 'a' }, { field: 'body_html', message: 'b', token: '{{x}}', line: 2, column: 5 }, { field: 'subject', message: 'c' }]);
    expect(Object.keys(by)).toEqual(['subject', 'body_html']);
    expect(by.subject.length).toBe(2);
    expect(problemText(by.body_html[0])).toBe('b (line 2, column 5)');
  });
  it('makes a template name from a title', () => {
    expect(slug('Webinar replay!')).toBe('webinar-replay');
    expect(slug('  Café Über ')).toBe('cafe-uber');
  });
});

describe('liveUseWarning', () => {
  const u = (name: string, live: boolean) => ({ id: name.toLowerCase(), name, steps: ['s1'], live });
  it('names only the live workflows that send the template', () => {
    expect(liveUseWarning([u('Draft one', false)])).toBe('');
    expect(liveUseWarning(undefined)).toBe('');
    expect(liveUseWarning([u('Welcome', true), u('Draft one', false)])).toBe('Saving changes the next emails of the live workflow “Welcome” at once.');
    expect(liveUseWarning([u('A', true), u('B', true), u('C', true)])).toBe('Saving changes the next emails of the live workflows “A”, “B” and “C” at once.');
  });
});
