import { describe, expect, it } from 'vitest';
import type { CatalogueEntry } from '../api/templates';
import type { Property } from '../api/types';
import { distance, eventFields, exampleData, fieldsOfTypes, filterTypeOf, groupEvents, scopeOptions, suggestEvents, tokenChoices, tokenText } from './catalogue';

const ev = (type: string, source: string, label: string, props: string[] = []): CatalogueEntry => ({
  type, source, label, description: label + ' happened', properties: props.map((p) => ({ path: p.split(':')[0], type: p.split(':')[1] ?? 'string', description: p })),
});

const events = [
  ev('webinar.viewer', 'webinargeek', 'Viewer', ['subscriber.watch_pct:number', 'webinar.title']),
  ev('webinar.registered', 'webinargeek', 'Registration', ['webinar.title', 'subscription.id']),
  ev('contact.tag.added', 'systemeio', 'Tag added', ['data.tag.name']),
  ev('survey.response.completed', 'survey', 'Survey completed', ['nps:number']),
  ev('order.paid', 'seen', 'order.paid', ['amount:number', 'items[].sku']),
];
const sources = [{ id: 'webinargeek', label: 'WebinarGeek' }, { id: 'systemeio', label: 'systeme.io' }, { id: 'survey', label: 'Surveys' }, { id: 'seen', label: 'Seen on this machine' }];

describe('groupEvents', () => {
  it('groups by source in the sources order', () => {
    expect(groupEvents(events, sources).map((g) => [g.label, g.events.length])).toEqual([['WebinarGeek', 2], ['systeme.io', 1], ['Surveys', 1], ['Seen on this machine', 1]]);
  });
  it('searches type, label, description and source, every word', () => {
    expect(groupEvents(events, sources, 'view').flatMap((g) => g.events.map((e) => e.type))).toEqual(['webinar.viewer']);
    expect(groupEvents(events, sources, 'webinargeek regis').flatMap((g) => g.events.map((e) => e.type))).toEqual(['webinar.registered']);
    expect(groupEvents(events, sources, 'seen machine').flatMap((g) => g.events.map((e) => e.type))).toEqual(['order.paid']);
    expect(groupEvents(events, sources, 'nothing like it')).toEqual([]);
  });
  it('puts type and label hits before description-only hits', () => {
    const evs = [ev('webinar.non_viewer', 'webinargeek', 'Non-attendee'), ev('webinar.ended', 'webinargeek', 'Ended')];
    evs[1].description = 'sent with the viewer watch time';
    evs[0].description = 'no viewer';
    expect(groupEvents([...evs, ev('webinar.viewer', 'webinargeek', 'Viewer')], sources, 'viewer')[0].events.map((e) => e.type)).toEqual(['webinar.non_viewer', 'webinar.viewer', 'webinar.ended']);
  });
});

describe('suggestEvents', () => {
  it('suggests the type a typo meant', () => {
    expect(suggestEvents('webinar.veiwer', events).map((e) => e.type)).toEqual(['webinar.viewer']);
    expect(suggestEvents('contact.tag.aded', events).map((e) => e.type)).toEqual(['contact.tag.added']);
  });
  it('suggests nothing for a known type or something far off', () => {
    expect(suggestEvents('webinar.viewer', events)).toEqual([]);
    expect(suggestEvents('payment', events)).toEqual([]);
    expect(suggestEvents('', events)).toEqual([]);
  });
  it('counts a swap as one edit', () => {
    expect(distance('veiwer', 'viewer')).toBe(1);
    expect(distance('abc', 'abc')).toBe(0);
    expect(distance('', 'ab')).toBe(2);
  });
});

describe('event fields and tokens', () => {
  it('lists the chosen event fields, and the union for several', () => {
    expect(eventFields(events, 'webinar.viewer').map((f) => f.path)).toEqual(['subscriber.watch_pct', 'webinar.title']);
    expect(eventFields(events, 'nope')).toEqual([]);
    expect(fieldsOfTypes(events, ['webinar.viewer', 'webinar.registered', undefined]).map((f) => f.path)).toEqual(['subscriber.watch_pct', 'webinar.title', 'subscription.id']);
  });
  it('maps catalogue types to filter types', () => {
    expect([filterTypeOf('number'), filterTypeOf('date'), filterTypeOf('multi'), filterTypeOf('odd')]).toEqual(['number', 'datetime', 'multi', undefined]);
  });
  it('offers properties, event fields (not lists of objects) and the workflow name, with defaults', () => {
    const props: Property[] = [{ object: 'contact', name: 'first_name', type: 'string', label: 'First name' }, { object: 'contact', name: 'score', type: 'number', label: '' }];
    const got = tokenChoices('contact', props, eventFields(events, 'order.paid').concat(eventFields(events, 'webinar.viewer')));
    expect(got.map((t) => t.ref)).toEqual(['contact.first_name', 'contact.score', 'event.amount', 'event.subscriber.watch_pct', 'event.webinar.title', 'workflow.name']);
    expect(got[0].suggestedDefault).toBe('there');
    expect(got.find((t) => t.ref === 'event.webinar.title')?.suggestedDefault).toBe('our event');
  });
  it('writes a token with its default escaped', () => {
    expect(tokenText('contact.first_name', '')).toBe('{{contact.first_name}}');
    expect(tokenText('contact.first_name', 'there')).toBe('{{contact.first_name | default "there"}}');
    expect(tokenText('contact.city', 'the "big" one')).toBe('{{contact.city | default "the \\"big\\" one"}}');
  });
});

describe('exampleData', () => {
  it('nests the event fields by path with a value of each type', () => {
    expect(exampleData([{ path: 'subscriber.watch_pct', type: 'number' }, { path: 'webinar.title', type: 'string' }])).toBe('{"subscriber":{"watch_pct":0},"webinar":{"title":"…"}}');
    expect(exampleData([])).toBe('');
  });
});

describe('scopeOptions', () => {
  it('groups the seen values by key, newest first, named and counted', () => {
    const o = scopeOptions([
      { key: 'webinar', value: '61000', name: 'Pricing', count: 1, last_seen: '' },
      { key: 'broadcast', value: 'b2', count: 3, last_seen: '' },
      { key: 'webinar', value: '54072', name: 'Growth', count: 2, last_seen: '' },
    ]);
    expect(o.keys).toEqual(['webinar', 'broadcast']);
    expect(o.values('webinar')).toEqual([
      { value: '61000', label: 'Pricing · 1 event' },
      { value: '54072', label: 'Growth · 2 events' },
    ]);
    expect(o.values('broadcast')).toEqual([{ value: 'b2', label: '3 events' }]);
    expect(o.values('funnel')).toEqual([]);
  });
});
