import { useEffect, useState } from 'react';
import { api, type VersionInfo, type Workflow } from '../api';
import { ErrorBanner, Spinner } from '../components/common';
import { VersionView } from '../components/VersionView';
import { formatDateTime } from '../lib/datetime';
import { setRestored } from '../lib/versions';
import { hrefOf, navigate } from '../router';

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
              <span className="sub" title={formatDateTime(v.created_at, { timeZone: wf?.definition.timezone })}>{formatDateTime(v.created_at, { timeZone: wf?.definition.timezone })}</span>
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
