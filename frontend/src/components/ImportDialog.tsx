// CSV import into a static list: pick a file, check the preview and the column mapping (the
// server reads the file with Go's encoding/csv and suggests a mapping), pick the key, start;
// then a progress bar with counts while the server imports in batches, and the report of the
// rows that were not written.
import { useEffect, useId, useState } from 'react';
import { api, download, importErrorsURL, type ImportColumn, type ImportPreview, type ListImport, type ListItem, type Property, type PropertyType } from '../api';
import { PROPERTY_TYPES, TYPE_LABELS } from '../lib/properties';
import { Dialog } from './common';

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The bytes of a file as base64 (the API takes the file as it is, so it can check its encoding). */
export async function fileBase64(f: Blob): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function ImportDialog({ list, onClose, onProgress }: { list: ListItem; onClose(): void; onProgress(): void }) {
  const [file, setFile] = useState<{ name: string; data: string } | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<ImportColumn[]>([]);
  const [key, setKey] = useState('email');
  const [properties, setProperties] = useState<Property[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [job, setJob] = useState<ListImport | null>(null);
  const fileId = useId();
  const propList = useId();

  useEffect(() => {
    api.listProperties(list.object).then(setProperties, () => setProperties([]));
  }, [list.object]);

  const pick = async (f: File | undefined) => {
    setError('');
    setPreview(null);
    if (!f) return;
    setBusy(true);
    try {
      const data = await fileBase64(f);
      setFile({ name: f.name, data });
      const p = await api.previewImport(list.id, data);
      setPreview(p);
      setMapping(p.suggested.map((c) => ({ ...c, type: properties.some((x) => x.name === c.property) ? undefined : c.type })));
    } catch (e) {
      setError(msg(e));
    }
    setBusy(false);
  };

  const start = async () => {
    if (!file) return;
    setBusy(true);
    setError('');
    try {
      setJob(await api.startImport(list.id, file.data, mapping, key));
    } catch (e) {
      setError(msg(e));
    }
    setBusy(false);
  };

  // Poll the running import; the list page refreshes its counts as batches land.
  useEffect(() => {
    if (!job || job.status !== 'running') return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      api.getImport(job.id, ctrl.signal).then((j) => {
        setJob(j);
        onProgress();
      }, (e) => !ctrl.signal.aborted && setError(msg(e)));
    }, 400);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [job, onProgress]);

  const declared = (name: string) => properties.find((p) => p.name === name);
  const uniques = properties.filter((p) => p.unique);
  const setCol = (i: number, patch: Partial<ImportColumn>) => setMapping((m) => m.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <Dialog title={`Import into ${list.name}`} onClose={onClose}>
      {!job && (
        <>
          <div className="field">
            <label htmlFor={fileId}>CSV file (UTF-8, first row the column names)</label>
            <input id={fileId} type="file" accept=".csv,text/csv" onChange={(e) => pick(e.target.files?.[0])} disabled={busy} />
            {file && preview && <div className="hint">{file.name}: {preview.total.toLocaleString()} rows, {preview.columns.length} columns.</div>}
          </div>
          {preview && (
            <>
              <datalist id={propList}>{properties.map((p) => <option key={p.name} value={p.name}>{p.label}</option>)}</datalist>
              <table className="table import-mapping" data-testid="import-mapping">
                <thead><tr><th>Column</th><th>First values</th><th>Property</th><th>Type</th></tr></thead>
                <tbody>
                  {mapping.map((c, i) => {
                    const d = declared(c.property);
                    return (
                      <tr key={c.column} data-column={c.column}>
                        <td className="mono">{c.column}</td>
                        <td className="sub">{preview.rows.slice(0, 3).map((r) => r[i]).filter(Boolean).join(', ')}</td>
                        <td><input aria-label={`Property for ${c.column}`} list={propList} value={c.property} placeholder="skip this column" onChange={(e) => setCol(i, { property: e.target.value.trim(), type: declared(e.target.value.trim()) ? undefined : c.type ?? 'string' })} /></td>
                        <td>
                          {d ? <span className="sub">{TYPE_LABELS[d.type] ?? d.type}</span> : c.property ? (
                            <select aria-label={`Type for ${c.column}`} value={c.type ?? 'string'} onChange={(e) => setCol(i, { type: e.target.value as PropertyType })}>
                              {PROPERTY_TYPES.map((t) => <option key={t} value={t}>{TYPE_LABELS[t] ?? t} (new)</option>)}
                            </select>
                          ) : <span className="sub">skipped</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <div className="field">
                <label htmlFor="import-key">Find existing records by</label>
                <select id="import-key" value={key} onChange={(e) => setKey(e.target.value)}>
                  <option value="email">email (create a record when none has it)</option>
                  {uniques.map((p) => <option key={p.name} value={p.name}>{p.label || p.name} (unique)</option>)}
                </select>
              </div>
              <div className="hint">Preview of the first {preview.rows.length} rows:</div>
              <div className="table-scroll">
                <table className="table import-preview" data-testid="import-preview">
                  <thead><tr>{preview.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
                  <tbody>{preview.rows.map((r, i) => <tr key={i}>{r.map((v, j) => <td key={j}>{v}</td>)}</tr>)}</tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
      {job && <ImportProgress job={job} onError={setError} onCancelled={(j) => { setJob(j); onProgress(); }} />}
      {error && <div className="form-error" role="alert">{error}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>{job && job.status !== 'running' ? 'Done' : job ? 'Hide (the import goes on)' : 'Cancel'}</button>
        {!job && <button type="button" className="btn primary" disabled={busy || !preview} onClick={start}>Import {preview ? preview.total.toLocaleString() + ' rows' : ''}</button>}
      </div>
    </Dialog>
  );
}

function ImportProgress({ job, onError, onCancelled }: { job: ListImport; onError(m: string): void; onCancelled(j: ListImport): void }) {
  const n = (x: number) => x.toLocaleString();
  const [cancelling, setCancelling] = useState(false);
  const cancel = () => {
    setCancelling(true);
    api.cancelImport(job.id).then(onCancelled, (e) => onError(msg(e))).finally(() => setCancelling(false));
  };
  return (
    <div className="import-progress" data-testid="import-progress" data-status={job.status}>
      <div className="progress-row">
        <progress max={Math.max(job.total, 1)} value={job.processed} aria-label="Import progress" />
        {job.status === 'running' && (
          <button type="button" className="btn small" disabled={cancelling} onClick={cancel}
            title="Stop the import: the rows imported so far stay, the rest of the file is not read">
            {cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        )}
      </div>
      <div data-testid="import-counts">
        {n(job.processed)} of {n(job.total)} rows · {n(job.created)} created · {n(job.updated)} updated · {n(job.unchanged)} unchanged · {n(job.joined)} joined the list · {n(job.failed)} failed
      </div>
      {job.status === 'done' && <div className="ok-text">Import finished.</div>}
      {job.status === 'cancelled' && <div className="warn-text" data-testid="import-cancelled">Import cancelled after {n(job.processed)} of {n(job.total)} rows; the rows imported so far stay.</div>}
      {job.status === 'failed' && <div className="warn-text">{job.error}</div>}
      {job.failed > 0 && job.status !== 'running' && (
        <button type="button" className="btn" onClick={() => download(importErrorsURL(job.id), `import-${job.id}-errors.csv`).catch((e) => onError(msg(e)))}>
          Download the report ({n(job.failed)} rows not imported)
        </button>
      )}
    </div>
  );
}
