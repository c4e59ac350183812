import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, type Changes, type Definition } from '../api';
import { changeLines, marksOf, stepLabel, titleIn } from '../lib/versions';
import { nodeConfig, stepTitle } from '../nodes';
import { EditorProvider } from '../store/context';
import { createEditorStore } from '../store/editor-store';
import { Canvas } from './canvas/Canvas';
import { ErrorBanner, Spinner } from './common';

const typeLabel = (t: string) => nodeConfig(t).label;

/** A side of a comparison: a version number, or the workflow's saved draft. */
export type VersionSide = number | 'draft';

/** "Version 2", or "the current draft". */
export function sideName(v: VersionSide, capital = true): string {
  if (v === 'draft') return capital ? 'The current draft' : 'the current draft';
  return `Version ${v}`;
}

async function definitionOf(id: string, v: VersionSide): Promise<Definition> {
  if (v === 'draft') return (await api.getWorkflow(id)).definition;
  return (await api.getVersion(id, v)).definition;
}

/**
 * One version on a read-only canvas; with `against` (an older version), compared with it: the
 * server's comparison listed above the canvas and its cards marked, on either side. `version`
 * may be the saved draft ("compare with current" in the editor). Used by the Versions screen and
 * the editor's versions panel alike.
 */
export function VersionView({ id, version, against, onClear, bar }: { id: string; version: VersionSide; against?: number; onClear?(): void; bar?: ReactNode }) {
  const [defs, setDefs] = useState<Partial<Record<string, Definition>>>({});
  const [changes, setChanges] = useState<Changes | null>(null);
  const [side, setSide] = useState<'newer' | 'older'>('newer');
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const wanted: VersionSide[] = against ? [version, against] : [version];
    Promise.all([
      Promise.all(wanted.map((v) => definitionOf(id, v))),
      against ? api.compareVersions(id, against, version) : Promise.resolve(null),
    ]).then(
      ([got, c]) => {
        if (!live) return;
        setDefs(Object.fromEntries(got.map((g, i) => [String(wanted[i]), g])));
        setChanges(c);
      },
      (e) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id, version, against]);
  const showing: VersionSide = side === 'older' && against ? against : version;
  const def = defs[String(showing)];
  const store = useMemo(
    () => (def ? createEditorStore({ definition: def, workflowId: id, readOnly: true, marks: changes ? marksOf(changes, side) : null }) : null),
    [def, id, changes, side],
  );
  const title = titleIn([defs[String(version)], against ? defs[String(against)] : undefined], stepTitle);
  const lines = changes ? changeLines(changes, (s) => stepLabel(s, typeLabel, title)) : [];
  return (
    <>
      <div className="toolbar">
        <strong data-testid="version-title">{against ? `${sideName(version)} compared with version ${against}` : sideName(version)}</strong>
        <span className="status">Read-only</span>
        <div className="grow" />
        {against && (
          <div className="segmented" role="group" aria-label="Which version the canvas shows">
            <button type="button" className={`btn ghost${side === 'newer' ? ' on' : ''}`} aria-pressed={side === 'newer'} onClick={() => setSide('newer')}>Show {sideName(version, false).replace(/^Version/, 'version')}</button>
            <button type="button" className={`btn ghost${side === 'older' ? ' on' : ''}`} aria-pressed={side === 'older'} onClick={() => setSide('older')}>Show version {against}</button>
          </div>
        )}
        {against && onClear && <button type="button" className="btn ghost" onClick={onClear}>Stop comparing</button>}
        {bar}
      </div>
      <ErrorBanner error={error} onClose={() => setError('')} />
      {changes && (lines.length ? (
        <ul className="version-changes" data-testid="version-changes">
          {lines.map((l, i) => <li key={i} className={`change-${l.kind}`}>{l.text}</li>)}
        </ul>
      ) : <p className="version-changes" data-testid="version-changes">{version === 'draft' ? `The current draft is the same as version ${against}.` : 'The two versions are the same.'}</p>)}
      {store ? (
        <EditorProvider store={store} key={`${showing}:${side}`}>
          <ReactFlowProvider>
            <Canvas />
          </ReactFlowProvider>
        </EditorProvider>
      ) : !error && <Spinner label="Loading the version…" />}
    </>
  );
}
