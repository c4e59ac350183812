import { describe, expect, it } from 'vitest';
import { examples } from '../test/fixtures';
import { copyDefinition, exportFileName, exportText, parseImport, slugify, uniqueId, uniqueName } from './workflow-files';

const webinar = examples['webinar-follow-up'];

describe('copies and ids', () => {
  it('makes workflow ids from names', () => {
    expect(slugify('Copy of Webinar follow-up')).toBe('copy-of-webinar-follow-up');
    expect(slugify('  Élan — Q3 / EMEA!! ')).toBe('elan-q3-emea');
    expect(slugify('***')).toBe('workflow');
    expect(slugify('x'.repeat(100))).toHaveLength(56);
    expect(uniqueId('a', ['a', 'a-2'])).toBe('a-3');
    expect(uniqueName('Copy of X', ['Copy of X'])).toBe('Copy of X (2)');
  });

  it('copies a definition with a new id and name, leaving the original alone', () => {
    const c = copyDefinition(webinar, ['webinar-follow-up'], ['Webinar follow-up']);
    expect(c.name).toBe('Copy of ' + webinar.name);
    expect(c.id).toBe(slugify('Copy of ' + webinar.name));
    expect({ ...c, id: webinar.id, name: webinar.name }).toEqual(webinar);
    c.steps[0].name = 'changed';
    expect(webinar.steps[0].name).not.toBe('changed');
    const c2 = copyDefinition(webinar, [c.id], [c.name]);
    expect([c2.id, c2.name]).toEqual([c.id + '-2', c.name + ' (2)']);
  });
});

describe('import and export', () => {
  it('round-trips and accepts a stored workflow too', () => {
    expect(parseImport(exportText(webinar))).toEqual(webinar);
    expect(parseImport(JSON.stringify({ id: 'x', revision: 3, definition: webinar }))).toEqual(webinar);
    expect(exportFileName(webinar)).toBe('webinar-follow-up.workflow.json');
    expect(exportText(webinar).endsWith('}\n')).toBe(true);
  });

  it('says what is wrong with a bad file', () => {
    expect(() => parseImport('{nope')).toThrow(/not JSON/);
    expect(() => parseImport('[1]')).toThrow(/expected a JSON object/);
    expect(() => parseImport('{"name":"x"}')).toThrow(/"id", "name" and "steps"/);
  });
});
