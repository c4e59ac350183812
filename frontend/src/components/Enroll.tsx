// Manual enrollment: "Enroll in workflow…" from a record, "Enroll records…" from a workflow
// (by search, list or filter, counted before confirming, then a server-side job with progress),
// and unenrolling one enrollment with a reason.
import { useEffect, useState } from 'react';
import { api, type EnrollJob, type EnrollOption, type EnrollPreview, type EnrollSelection, type Filter, type Property, type RecordItem } from '../api';
import { jobText, previewText } from '../lib/enroll';
import { recordName } from '../screens/Records';
import { Dialog, ErrorBanner, Spinner } from './common';
import { FilterEditor } from './filter/FilterEditor';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Lists the workflows of a record's type; the ones it can be enrolled in have an Enroll button. */
export function EnrollInWorkflowDialog({ recordId, onClose, onEnrolled }: { recordId: number; onClose(): void; onEnrolled(enrollmentId: number): void }) {
  const [options, setOptions] = useState<EnrollOption[] | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  useEffect(() => {
    let live = true;
    api.enrollOptions(recordId).then((o) => live && setOptions(o), (e) => live && setError(message(e)));
    return () => {
      live = false;
    };
  }, [recordId]);
  const enroll = async (o: EnrollOption) => {
    setBusy(o.workflow_id);
    setError('');
    try {
      const en = await api.enrollRecord(o.workflow_id, recordId);
      onEnrolled(en.id);
    } catch (e) {
      setError(message(e));
      setBusy('');
    }
  };
  return (
    <Dialog title="Enroll in workflow" onClose={onClose}>
      <ErrorBanner error={error} />
      {!options && !error && <Spinner label="Loading workflows…" />}
      {options && options.length === 0 && <p>There are no workflows for this type of record yet.</p>}
      {options && options.length > 0 && (
        <ul className="enroll-options" data-testid="enroll-options">
          {options.map((o) => (
            <li key={o.workflow_id} className={o.available ? '' : 'unavailable'} data-workflow={o.workflow_id}>
              <div className="grow">
                <strong>{o.name}</strong>
                <div className="sub">{o.enabled && o.triggers === 0 ? 'Manual enrollment only' : o.enabled ? `${o.triggers} trigger${o.triggers === 1 ? '' : 's'}` : 'Off'}</div>
                {!o.available && <div className="sub reason">{o.reason}</div>}
              </div>
              <button type="button" className="btn primary" disabled={!o.available || busy !== ''} title={o.available ? `Enroll in ${o.name}` : o.reason} onClick={() => enroll(o)}>
                {busy === o.workflow_id ? 'Enrolling…' : 'Enroll'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

/** Asks why, then cancels one enrollment; the reason goes into its history. */
export function UnenrollDialog({ enrollmentId, who, workflow, onClose, onDone }: { enrollmentId: number; who: string; workflow: string; onClose(): void; onDone(): void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError('');
    try {
      await api.cancelEnrollment(enrollmentId, reason);
      onDone();
    } catch (e) {
      setError(message(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Unenroll" onClose={onClose}>
      <p>{who} leaves <strong>{workflow}</strong> now: no further steps run for this enrollment.</p>
      <div className="field">
        <span className="field-label">Reason (kept in the enrollment’s history)</span>
        <input autoFocus aria-label="Reason" value={reason} maxLength={500} placeholder="e.g. Asked us to stop" onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && reason.trim() && submit()} />
      </div>
      <ErrorBanner error={error} />
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>Back</button>
        <button type="button" className="btn danger" disabled={busy || !reason.trim()} onClick={submit}>{busy ? 'Unenrolling…' : 'Unenroll'}</button>
      </div>
    </Dialog>
  );
}

type Mode = 'search' | 'list' | 'filter';

/** "Enroll records…": pick records by search, list or filter, see the count, confirm, watch the job. */
export function EnrollRecordsDialog({ workflowId, name, object, enabled, properties, onClose }: {
  workflowId: string; name: string; object: string; enabled: boolean; properties: Property[]; onClose(): void;
}) {
  const [mode, setMode] = useState<Mode>('filter');
  const [filter, setFilter] = useState<Filter | undefined>({ all: [] });
  const [list, setList] = useState('');
  const [picked, setPicked] = useState<Map<number, RecordItem>>(new Map());
  const [preview, setPreview] = useState<EnrollPreview | null>(null);
  const [job, setJob] = useState<EnrollJob | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const selection = (): EnrollSelection =>
    mode === 'filter' ? { filter: filter ?? {} } : mode === 'list' ? { list: list.trim() } : { record_ids: [...picked.keys()] };
  const changed = () => {
    setPreview(null);
    setError('');
  };

  // A job started earlier (the dialog was closed while it ran) shows its progress again.
  useEffect(() => {
    let live = true;
    api.listEnrollJobs({ workflow: workflowId, status: 'running' }).then((jobs) => {
      if (live && jobs.length > 0) setJob((cur) => cur ?? jobs[0]);
    }, () => undefined);
    return () => {
      live = false;
    };
  }, [workflowId]);

  // Poll the job until it ends.
  useEffect(() => {
    if (!job || job.done) return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      api.getEnrollJob(job.id, ctrl.signal).then(setJob, (e) => {
        if (!(e instanceof DOMException)) setError(message(e));
      });
    }, 400);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [job]);

  const count = async () => {
    setBusy(true);
    setError('');
    try {
      setPreview(await api.previewEnroll(workflowId, selection()));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    setBusy(true);
    setError('');
    try {
      setJob(await api.startEnroll(workflowId, selection()));
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const stop = async () => {
    if (!job) return;
    setError('');
    try {
      setJob(await api.cancelEnrollJob(job.id));
    } catch (e) {
      setError(message(e));
    }
  };

  const plural = object + 's';
  if (job) {
    return (
      <Dialog title={`Enroll ${plural} in ${name}`} onClose={onClose}>
        <div className="enroll-progress" data-testid="enroll-progress" data-status={job.status}>
          <progress max={Math.max(job.total, 1)} value={job.done ? Math.max(job.total, 1) : Math.min(job.processed, job.total)} aria-label="Enrollment progress" />
          <div className="sub" role="status">{jobText(job)}</div>
        </div>
        <ErrorBanner error={error} />
        <div className="dialog-actions">
          {job.done && <a className="btn" href={'#/workflows/' + encodeURIComponent(workflowId) + '/enrollments'} onClick={onClose}>See enrollments</a>}
          {!job.done && <button type="button" className="btn danger" onClick={stop} title="Stop after the current batch; records enrolled so far stay enrolled">Stop</button>}
          <button type="button" className="btn primary" onClick={onClose}>{job.done ? 'Close' : 'Hide (it goes on)'}</button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Enroll ${plural} in ${name}`} onClose={onClose}>
      {!enabled && <div className="banner warn" role="alert">The workflow is off. Turn it on to enroll {plural}.</div>}
      <div className="segmented" role="tablist" aria-label="Choose records">
        {(['search', 'list', 'filter'] as Mode[]).map((m) => (
          <button key={m} type="button" role="tab" aria-selected={mode === m} className={mode === m ? 'on' : ''} onClick={() => { setMode(m); changed(); }}>
            {m === 'search' ? 'By search' : m === 'list' ? 'From a list' : 'By filter'}
          </button>
        ))}
      </div>
      <div className="enroll-pick">
        {mode === 'filter' && (
          <>
            <div className="hint">Every {object} that matches these conditions; none means all {plural}.</div>
            <FilterEditor object={object} value={filter} properties={properties} onChange={(f) => { setFilter(f); changed(); }} />
          </>
        )}
        {mode === 'list' && (
          <div className="field">
            <span className="field-label">List id (the list “Add to list” steps write)</span>
            <input aria-label="List id" value={list} placeholder="e.g. sales-ready" onChange={(e) => { setList(e.target.value); changed(); }} />
          </div>
        )}
        {mode === 'search' && <RecordPicker object={object} picked={picked} onChange={(p) => { setPicked(p); changed(); }} />}
      </div>
      <ErrorBanner error={error} />
      {preview && <p className="enroll-count" data-testid="enroll-count">{previewText(preview, object)}</p>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        {!preview ? (
          <button type="button" className="btn primary" disabled={busy || !enabled} onClick={count}>{busy ? 'Counting…' : `Count ${plural}`}</button>
        ) : (
          <button type="button" className="btn primary" disabled={busy || preview.enrollable === 0} onClick={start}>
            {`Enroll ${preview.enrollable.toLocaleString()} ${preview.enrollable === 1 ? object : plural}`}
          </button>
        )}
      </div>
    </Dialog>
  );
}

/** Search records of a type and tick the ones to enroll. */
function RecordPicker({ object, picked, onChange }: { object: string; picked: Map<number, RecordItem>; onChange(p: Map<number, RecordItem>): void }) {
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<RecordItem[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.listRecords({ type: object, q: q.trim(), limit: 50 }).then((r) => live && setRows(r.items), (e) => live && setError(message(e)));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q, object]);
  const toggle = (r: RecordItem) => {
    const next = new Map(picked);
    if (next.has(r.id)) next.delete(r.id);
    else next.set(r.id, r);
    onChange(next);
  };
  return (
    <div className="record-picker">
      <input aria-label="Search records" value={q} placeholder={`Search ${object}s by email or any value`} onChange={(e) => setQ(e.target.value)} />
      <ErrorBanner error={error} />
      <ul className="picker-rows">
        {rows?.map((r) => (
          <li key={r.id}>
            <label>
              <input type="checkbox" checked={picked.has(r.id)} onChange={() => toggle(r)} />
              {recordName(r) || r.email || `${r.type} #${r.id}`} <span className="sub">{r.email && recordName(r) ? r.email : `#${r.id}`}</span>
            </label>
          </li>
        ))}
        {rows && rows.length === 0 && <li className="sub">No {object}s match.</li>}
      </ul>
      <div className="sub">{picked.size} selected</div>
    </div>
  );
}
