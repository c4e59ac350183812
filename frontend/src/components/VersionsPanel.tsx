import { useEffect, useState } from 'react';
import { api, type VersionInfo } from '../api';
import { formatDateTime, zoneLabel } from '../lib/datetime';
import { useEditor } from '../store/context';
import { ErrorBanner, Spinner } from './common';

/** What the editor's canvas shows instead of the draft: a version, alone or compared with the draft. */
export interface Viewing {
  version: number;
  compare: boolean;
}

/**
 * The editor's versions panel: every published version, newest first, with when it was published
 * (in the workflow's time zone) and what it changed in one line. A click shows the version
 * read-only on the canvas; "Compare with current" marks what the draft changed since; "Restore
 * as new revision" saves the version as the draft's next revision (the editor asks first when
 * there are unsaved changes).
 */
export function VersionsPanel({ viewing, onView, onRestore, onClose }: {
  viewing: Viewing | null;
  onView(v: Viewing | null): void;
  onRestore(version: number): void;
  onClose(): void;
}) {
  const workflowId = useEditor((s) => s.workflowId);
  const zone = useEditor((s) => s.definition.timezone);
  // a publish makes a version: the list is read again when the saved revision moves
  const revision = useEditor((s) => s.revision);
  const [versions, setVersions] = useState<VersionInfo[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!workflowId) return;
    let live = true;
    api.listVersions(workflowId).then(
      (vs) => live && setVersions(vs),
      (e) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [workflowId, revision]);
  return (
    <aside className="test-panel versions-panel" role="region" aria-label="Versions">
      <div className="test-head">
        <strong>Versions</strong>
        <button type="button" className="icon-btn" aria-label="Close the versions panel" onClick={onClose}>×</button>
      </div>
      <p className="muted small">Times in {zoneLabel(zone)}.{' '}
        {workflowId && <a href={'#/workflows/' + encodeURIComponent(workflowId) + '/versions'}>Open the versions screen</a>}
      </p>
      <ErrorBanner error={error} onClose={() => setError('')} />
      {!workflowId && <p className="muted">Save the workflow first: a version is made each time it goes live.</p>}
      {workflowId && !versions && !error && <Spinner label="Loading versions…" />}
      {versions && versions.length === 0 && <p className="muted">Nothing was published yet: a version is made each time the workflow goes live.</p>}
      {versions?.map((v) => (
        <div key={v.version} className={`version-row${viewing?.version === v.version ? ' shown' : ''}`} data-version={v.version}
          role="button" tabIndex={0} aria-pressed={viewing?.version === v.version}
          onClick={() => onView({ version: v.version, compare: false })}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onView({ version: v.version, compare: false });
            }
          }}>
          <div className="vhead">
            <strong>Version {v.version}</strong>
            {v.active && <span className="pill on">Live</span>}
            <span className="grow" />
            <span className="sub">{formatDateTime(v.created_at, { timeZone: zone })}</span>
          </div>
          <div className="vsummary">{v.summary}</div>
          <div className="vactions" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
            <button type="button" className="btn small" data-testid="compare-current" aria-pressed={viewing?.version === v.version && viewing.compare}
              onClick={() => onView({ version: v.version, compare: true })}>Compare with current</button>
            <button type="button" className="btn small" data-testid="restore-version" onClick={() => onRestore(v.version)}>Restore as new revision</button>
          </div>
        </div>
      ))}
    </aside>
  );
}
