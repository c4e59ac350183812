import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { api, type Changes, type Definition, type VersionInfo, type Workflow } from '../api';
import { Canvas } from '../components/canvas/Canvas';
import { ErrorBanner, Spinner } from '../components/common';
import { formatDateTime } from '../lib/datetime';
import { changeLines, marksOf, setRestored, stepLabel, titleIn } from '../lib/versions';
import { nodeConfig, stepTitle } from '../nodes';
import { hrefOf, navigate } from '../router';
import { EditorProvider } from '../store/context';
import { createEditorStore } from '../store/editor-store';

const typeLabel = (t: string) => nodeConfig(t).label;

/**
 * A workflow's published versions: the list with what each changed, any version read-only on
 * the canvas, two versions compared (the changed cards marked on either side), and "Restore",
 * which opens a version in the editor as unsaved changes to save as a new revision.
 */
export function WorkflowVersionsScreen({ id, version, against }: { id: string; version?: number; against?: number }) {
  const [wf, setWf] = useState<Workflow | null>(null);
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    Promise.all([api.getWorkflow(id), api.listVersions(id)]).then(
      ([w, vs]) => {
        if (!live) return;
        setWf(w);
        setVersions(vs);
      },
      (e) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  const shown = version ?? versions?.find((v) => v.active)?.version ?? versions?.[0]?.version;
  const go = (v: number | undefined, a?: number) => navigate(hrefOf({ name: 'workflow-versions', id, version: v, against: a }), true);

  const [restoring, setRestoring] = useState(false);
  const restore = async (v: number) => {
    setRestoring(true);
    try {
      const got = await api.getVersion(id, v);
      setRestored(id, v, got.definition);
      navigate('#/workflows/' + encodeURIComponent(id));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setRestoring(false);
    }
  };

  return (
    <div className="versions">
      <aside className="versions-list" aria-label="Versions">
        <a className="crumb" href={'#/workflows/' + encodeURIComponent(id)}>← {wf?.name ?? id}</a>
        <h1>Versions</h1>
        <ErrorBanner error={error} onClose={() => setError('')} />
        {!versions && !error && <Spinner label="Loading versions…" />}
        {versions && versions.length === 0 && <p className="muted">Nothing was published yet: a version is made each time the workflow goes live.</p>}
        {versions?.map((v) => (
          <div key={v.version} className={`version-row${v.version === shown ? ' shown' : ''}${v.version === against ? ' against' : ''}`} data-version={v.version}
            onClick={() => go(v.version, against !== v.version ? against : undefined)}>
            <div className="vhead">
              <strong>Version {v.version}</strong>
              {v.active && <span className="pill on">Live</span>}
              <span className="grow" />
              <span className="sub" title={formatDateTime(v.created_at)}>{formatDateTime(v.created_at)}</span>
            </div>
            <div className="vsummary">{v.summary}</div>
            <div className="vactions" onClick={(e) => e.stopPropagation()}>
              {shown !== undefined && v.version !== shown && (
                <button type="button" className="btn small" onClick={() => go(shown, v.version)} data-testid="compare">Compare with version {shown}</button>
              )}
              <button type="button" className="btn small" disabled={restoring} onClick={() => restore(v.version)} data-testid="restore">Restore</button>
            </div>
          </div>
        ))}
      </aside>
      <section className="versions-main">
        {shown !== undefined && <VersionView key={`${shown}:${against ?? ''}`} id={id} version={shown} against={against} onClear={() => go(shown)} />}
      </section>
    </div>
  );
}

/** One version on a read-only canvas; with `against`, compared with that version. */
function VersionView({ id, version, against, onClear }: { id: string; version: number; against?: number; onClear(): void }) {
  const [defs, setDefs] = useState<Record<number, Definition>>({});
  const [changes, setChanges] = useState<Changes | null>(null);
  const [side, setSide] = useState<'newer' | 'older'>('newer');
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const wanted = against ? [version, against] : [version];
    Promise.all([
      Promise.all(wanted.map((v) => api.getVersion(id, v))),
      against ? api.compareVersions(id, against, version) : Promise.resolve(null),
    ]).then(
      ([got, c]) => {
        if (!live) return;
        setDefs(Object.fromEntries(got.map((g) => [g.version, g.definition])));
        setChanges(c);
      },
      (e) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [id, version, against]);
  const showing = side === 'older' && against ? against : version;
  const def = defs[showing];
  const store = useMemo(
    () => (def ? createEditorStore({ definition: def, workflowId: id, readOnly: true, marks: changes ? marksOf(changes, side) : null }) : null),
    [def, id, changes, side],
  );
  const title = titleIn([defs[version], against ? defs[against] : undefined], stepTitle);
  const lines = changes ? changeLines(changes, (s) => stepLabel(s, typeLabel, title)) : [];
  return (
    <>
      <div className="toolbar">
        <strong data-testid="version-title">{against ? `Version ${version} compared with version ${against}` : `Version ${version}`}</strong>
        <span className="status">Read-only</span>
        <div className="grow" />
        {against && (
          <div className="segmented" role="group" aria-label="Which version the canvas shows">
            <button type="button" className={`btn ghost${side === 'newer' ? ' on' : ''}`} aria-pressed={side === 'newer'} onClick={() => setSide('newer')}>Show version {version}</button>
            <button type="button" className={`btn ghost${side === 'older' ? ' on' : ''}`} aria-pressed={side === 'older'} onClick={() => setSide('older')}>Show version {against}</button>
          </div>
        )}
        {against && <button type="button" className="btn ghost" onClick={onClear}>Stop comparing</button>}
      </div>
      <ErrorBanner error={error} onClose={() => setError('')} />
      {changes && (lines.length ? (
        <ul className="version-changes" data-testid="version-changes">
          {lines.map((l, i) => <li key={i} className={`change-${l.kind}`}>{l.text}</li>)}
        </ul>
      ) : <p className="version-changes" data-testid="version-changes">The two versions are the same.</p>)}
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
