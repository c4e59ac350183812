import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type Definition, type Problem, type Stats, type WorkflowSummary } from '../api';
import { ago, Dialog, Empty, ErrorBanner, Spinner, Toasts, type ToastData } from '../components/common';
import { ReviewDialog } from '../components/Review';
import { openWorkflowFile, saveWorkflowFile } from '../lib/desktop';
import { TEMPLATES, setDraft } from '../lib/templates';
import { outcomeTotals } from '../lib/outcome';
import { allTags, parseTags, viewRows, type ListView, type SortKey } from '../lib/workflow-list';
import { copyDefinition, exportFileName, exportText, parseImport, uniqueId } from '../lib/workflow-files';
import { hrefOf, navigate } from '../router';
import { errorsOf } from '../lib/problems';
import { formatDateTime } from '../lib/datetime';

const UNDO_MS = 8000;

/** What the delete dialog shows: the workflow and its open enrollments (null: still counting). */
interface Deleting {
  workflow: WorkflowSummary;
  open: number | null;
  cancel: boolean;
}

/** The list of workflows: create, open, duplicate, turn on/off, import/export, delete to the Trash. */
export function WorkflowListScreen() {
  const [rows, setRows] = useState<WorkflowSummary[] | null>(null);
  const [stats, setStats] = useState<Record<string, Stats>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const [toasts, setToasts] = useState<ToastData[]>([]);
  const [createOpen, setCreateOpen] = useState(false);
  const [disabling, setDisabling] = useState<WorkflowSummary | null>(null);
  // the review queue: turning several on reviews them one after another
  const [publishQueue, setPublishQueue] = useState<WorkflowSummary[]>([]);
  const publishing = publishQueue[0] ?? null;
  const setPublishing = (w: WorkflowSummary | null) => setPublishQueue(w ? [w] : []);
  const [view, setView] = useState<ListView>({ q: '', tag: '', sort: 'name' });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkOff, setBulkOff] = useState<WorkflowSummary[] | null>(null);
  const [tagging, setTagging] = useState<{ w: WorkflowSummary; text: string; error: string } | null>(null);
  const [deleting, setDeleting] = useState<Deleting | null>(null);
  const [trashIds, setTrashIds] = useState<string[]>([]);
  /** A switch-on the server refused: shown by that workflow's switch with its problems. */
  const [refused, setRefused] = useState<{ id: string; problems: Problem[] } | null>(null);
  const toastId = useRef(0);

  const toast = useCallback((t: Omit<ToastData, 'id'>) => {
    const id = ++toastId.current;
    setToasts((ts) => [...ts, { ...t, id }]);
  }, []);
  const dropToast = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);

  const load = useCallback(async () => {
    try {
      const list = await api.listWorkflows();
      setRows(list);
      setError('');
      // Ids in the Trash stay taken until purged: copies and imports must not reuse them.
      api.listTrash().then((t) => setTrashIds(t.trash.map((w) => w.id)), () => undefined);
      const entries = await Promise.all(list.map(async (w) => [w.id, await api.workflowStats(w.id).catch(() => null)] as const));
      setStats(Object.fromEntries(entries.filter((e): e is readonly [string, Stats] => e[1] !== null)));
    } catch (e) {
      setError(message(e));
    }
  }, []);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading on mount
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, [load]);

  const run = async (label: string, fn: () => Promise<void>) => {
    setBusy(label);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy('');
    }
  };

  const taken = () => ({ ids: [...(rows ?? []).map((r) => r.id), ...trashIds], names: (rows ?? []).map((r) => r.name) });

  const duplicate = (w: WorkflowSummary) => run(`Duplicating ${w.name}…`, async () => {
    const src = await api.getWorkflow(w.id);
    const t = taken();
    const copy = await api.createWorkflow(copyDefinition(src.definition, t.ids, t.names));
    toast({ text: `Created "${copy.name}"`, action: { label: 'Open', run: () => navigate('#/workflows/' + encodeURIComponent(copy.id)) } });
    await load();
  });

  // Delete asks first, naming the open enrollments; it moves the workflow to the Trash.
  const askDelete = (w: WorkflowSummary) => {
    setDeleting({ workflow: w, open: null, cancel: true });
    api.workflowStats(w.id).then(
      (st) => setDeleting((d) => d && d.workflow.id === w.id ? { ...d, open: st.enrollments.active + st.enrollments.waiting } : d),
      () => setDeleting((d) => d && d.workflow.id === w.id ? { ...d, open: 0 } : d),
    );
  };

  const remove = (d: Deleting) => {
    setDeleting(null);
    const w = d.workflow;
    run(`Deleting ${w.name}…`, async () => {
      await api.deleteWorkflow(w.id, d.cancel ? 'cancel' : 'keep');
      setRows((rs) => rs?.filter((r) => r.id !== w.id) ?? null);
      toast({
        text: `Moved "${w.name}" to the Trash${d.open ? (d.cancel ? `; its ${d.open} open enrollment(s) are cancelled` : `; its ${d.open} open enrollment(s) run to their end`) : ''}`,
        ms: UNDO_MS, action: { label: 'Undo', run: () => restore(w.id) },
      });
    });
  };

  const restore = (id: string) => run('Restoring…', async () => {
    const w = await api.restoreWorkflow(id);
    toast({ text: `Restored "${w.name}" (off) with its history and counters` });
    await load();
  });

  const exportOne = (w: WorkflowSummary) => run(`Exporting ${w.name}…`, async () => {
    const src = await api.getWorkflow(w.id);
    const where = await saveWorkflowFile(exportFileName(src.definition), exportText(src.definition));
    if (where) toast({ text: `Exported "${w.name}" to ${where}` });
  });

  const importOne = () => run('Importing…', async () => {
    const text = await openWorkflowFile();
    if (!text) return;
    const def = parseImport(text);
    const t = taken();
    if (t.ids.includes(def.id)) def.id = uniqueId(def.id, t.ids);
    try {
      const w = await api.createWorkflow(def);
      const errors = w.problems.filter((p) => p.severity !== 'warning').length;
      toast({ text: `Imported "${w.name}" (off${errors ? `, a draft with ${errors} problem${errors > 1 ? 's' : ''} to fix` : ''})`, action: { label: 'Open', run: () => navigate('#/workflows/' + encodeURIComponent(w.id)) } });
      await load();
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) {
        // Cannot be stored at all (e.g. a hidden secret with nothing to restore): open it as
        // an unsaved draft to fix.
        setDraft(def);
        navigate('#/workflows/new');
        return;
      }
      throw e;
    }
  });

  const toggle = (w: WorkflowSummary) => {
    if (w.enabled) {
      setDisabling(w);
      return;
    }
    setRefused(null);
    if (w.problems > 0) {
      // known not to be ready: say why under its switch instead of opening the review
      run(`Checking ${w.name}…`, async () => {
        const r = await api.reviewPublish(w.id);
        if (r.valid) setPublishing(w);
        else setRefused({ id: w.id, problems: errorsOf(r.problems) });
      });
      return;
    }
    setPublishing(w); // nothing goes live without the review
  };

  const disable = (w: WorkflowSummary, cancel: boolean) => {
    setDisabling(null);
    run(`Turning off ${w.name}…`, async () => {
      await api.disableWorkflow(w.id, cancel);
      await load();
    });
  };

  const shown = rows ? viewRows(rows, stats, view) : [];
  const picked = shown.filter((w) => selected.has(w.id));
  const toggleSelected = (id: string) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  const bulkOn = () => {
    const off = picked.filter((w) => !w.enabled);
    if (off.length) setPublishQueue(off);
  };
  const disableMany = (ws: WorkflowSummary[], cancel: boolean) => {
    setBulkOff(null);
    run(`Turning off ${ws.length} workflow(s)…`, async () => {
      for (const w of ws) await api.disableWorkflow(w.id, cancel);
      toast({ text: `Turned off ${ws.length} workflow${ws.length === 1 ? '' : 's'}` });
      setSelected(new Set());
      await load();
    });
  };
  const saveTags = async () => {
    if (!tagging) return;
    try {
      await api.setTags(tagging.w.id, parseTags(tagging.text));
      setTagging(null);
      await load();
    } catch (e) {
      setTagging({ ...tagging, error: message(e) });
    }
  };

  const startFrom = (def: Definition | null) => {
    setCreateOpen(false);
    if (def) {
      const t = taken();
      setDraft(copyDefinition(def, t.ids, t.names, t.names.includes(def.name) ? undefined : def.name));
    } else setDraft(null);
    navigate('#/workflows/new');
  };

  return (
    <div className="screen">
      <div className="screen-head">
        <h1>Workflows</h1>
        <div className="head-actions">
          {busy && <Spinner label={busy} />}
          <button type="button" className="btn" onClick={importOne} data-testid="import">Import JSON</button>
          <button type="button" className="btn primary" onClick={() => setCreateOpen(true)} data-testid="create">Create workflow</button>
        </div>
      </div>
      <ErrorBanner error={error} onRetry={load} onClose={() => setError('')} />
      {!rows && !error && <Spinner label="Loading workflows…" />}
      {rows && rows.length === 0 && (
        <Empty title="Welcome to Flowdesk" actions={<>
          <button type="button" className="btn primary" onClick={() => startFrom(null)}>Start from scratch</button>
          <button type="button" className="btn" onClick={() => setCreateOpen(true)}>Pick a template</button>
          <button type="button" className="btn" onClick={importOne}>Import JSON</button>
        </>}>
          Workflows enroll your contacts when something happens (a form, a webinar, a property change) and take them
          through delays, branches and actions. Build your first one, start from a template, or import a file.
        </Empty>
      )}
      {rows && rows.length > 0 && (
        <div className="list-tools">
          <input type="search" aria-label="Search workflows" placeholder="Search by name, id or tag" value={view.q} onChange={(e) => setView({ ...view, q: e.target.value })} />
          <label>Sort by{' '}
            <select value={view.sort} onChange={(e) => setView({ ...view, sort: e.target.value as SortKey })}>
              <option value="name">Name</option>
              <option value="updated">Last updated</option>
              <option value="enrollments">Enrollments</option>
            </select>
          </label>
          {allTags(rows).length > 0 && (
            <div className="tag-filter" role="group" aria-label="Filter by tag">
              <button type="button" className={`chip${view.tag === '' ? ' on' : ''}`} aria-pressed={view.tag === ''} onClick={() => setView({ ...view, tag: '' })}>All tags</button>
              {allTags(rows).map((t) => (
                <button type="button" key={t} className={`chip${view.tag === t ? ' on' : ''}`} aria-pressed={view.tag === t} onClick={() => setView({ ...view, tag: view.tag === t ? '' : t })}>{t}</button>
              ))}
            </div>
          )}
          {picked.length > 0 && (
            <div className="bulk-bar" role="group" aria-label="Selected workflows">
              <strong>{picked.length} selected</strong>
              <button type="button" className="btn small" disabled={!picked.some((w) => !w.enabled)} onClick={bulkOn} data-testid="bulk-on">Turn on…</button>
              <button type="button" className="btn small" disabled={!picked.some((w) => w.enabled)} onClick={() => setBulkOff(picked.filter((w) => w.enabled))} data-testid="bulk-off">Turn off…</button>
              <button type="button" className="btn ghost small" onClick={() => setSelected(new Set())}>Clear</button>
            </div>
          )}
        </div>
      )}
      {rows && rows.length > 0 && shown.length === 0 && <p className="muted">No workflow matches. <button type="button" className="link-btn" onClick={() => setView({ ...view, q: '', tag: '' })}>Clear the search</button></p>}
      {rows && shown.length > 0 && (
        <table className="table workflows">
          <thead>
            <tr>
              <th><input type="checkbox" aria-label="Select every workflow shown" checked={picked.length === shown.length}
                onChange={(e) => setSelected(e.target.checked ? new Set(shown.map((w) => w.id)) : new Set())} /></th>
              <th>Name</th><th>Object</th><th>Status</th><th>Enrollments</th><th>Last updated</th><th><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {shown.map((w) => {
              const st = stats[w.id]?.enrollments;
              const tot = outcomeTotals(st, stats[w.id]?.retrying, stats[w.id]?.open_with_failed_steps);
              return (
                <tr key={w.id} data-workflow={w.id} onClick={() => navigate('#/workflows/' + encodeURIComponent(w.id))}>
                  <td onClick={(e) => e.stopPropagation()}><input type="checkbox" aria-label={`Select ${w.name}`} checked={selected.has(w.id)} onChange={() => toggleSelected(w.id)} /></td>
                  <td>
                    <a href={'#/workflows/' + encodeURIComponent(w.id)} onClick={(e) => e.stopPropagation()}>{w.name}</a><div className="sub mono">{w.id}</div>
                    {(w.tags ?? []).length > 0 && <div className="tags">{w.tags.map((t) => <span key={t} className="tag">{t}</span>)}</div>}
                  </td>
                  <td>{w.object}</td>
                  <td onClick={(e) => e.stopPropagation()}>
                    <div className="status-cell">
                      <button type="button" className={`switch${w.enabled ? ' on' : ''}`} role="switch" aria-checked={w.enabled} aria-label={`${w.name} is ${w.enabled ? 'on' : 'off'}`} onClick={() => toggle(w)}>
                        <span className="knob" /> {w.enabled ? 'On' : 'Off'}
                      </button>
                      {isDraft(w) && (
                        <span className="badge draft" data-testid="draft" title={w.problems ? 'Saved with problems: fix them before switching it on' : 'Never switched on'}>
                          Draft{w.problems ? ` · ${w.problems} problem${w.problems === 1 ? '' : 's'}` : ''}
                        </span>
                      )}
                    </div>
                    {refused?.id === w.id && <Refusal workflow={w} problems={refused.problems} onClose={() => setRefused(null)} />}
                  </td>
                  <td onClick={(e) => e.stopPropagation()}>
                    {st ? (
                      <a className="counts" href={'#/workflows/' + encodeURIComponent(w.id) + '/enrollments'}
                        title={tot.failed ? 'Open the enrollment history and its failed deliveries and dead letters' : 'Open the enrollment history'}>
                        <span className="c active">{st.active + st.waiting}</span> in workflow · <span className="c completed">{tot.done}</span> done
                        {tot.failed > 0 && <> · <span className="c failed has" title={tot.failedTitle} data-testid="list-failed">{tot.failed}</span> failed</>}
                        {tot.retrying > 0 && <> · <span className="c retrying" title={tot.retryingTitle} data-testid="list-retrying">{tot.retrying}</span> retrying</>}
                      </a>
                    ) : <span className="sub">—</span>}
                  </td>
                  <td title={formatDateTime(w.updated_at)}>{ago(w.updated_at)}</td>
                  <td className="row-actions" onClick={(e) => e.stopPropagation()}>
                    <button type="button" className="btn ghost small" onClick={() => setTagging({ w, text: (w.tags ?? []).join(', '), error: '' })}>Tags</button>
                    <button type="button" className="btn ghost small" onClick={() => duplicate(w)}>Duplicate</button>
                    <button type="button" className="btn ghost small" onClick={() => exportOne(w)}>Export</button>
                    <button type="button" className="btn ghost small danger-text" onClick={() => askDelete(w)}>Delete</button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {createOpen && (
        <Dialog title="Create a workflow" onClose={() => setCreateOpen(false)}>
          <div className="choice-list">
            <button type="button" className="choice" onClick={() => startFrom(null)} data-testid="from-scratch">
              <strong>Start from scratch</strong>
              <span className="sub">An empty workflow: add a trigger and steps on the canvas.</span>
            </button>
            {TEMPLATES.map((t) => (
              <button type="button" className="choice" key={t.key} onClick={() => startFrom(t.definition)} data-template={t.key}>
                <strong>{t.name}</strong>
                <span className="sub">{t.description}</span>
              </button>
            ))}
          </div>
          {rows && rows.length > 0 && <div className="hint">Or use "Duplicate" on any workflow in the list to start from a copy of it.</div>}
        </Dialog>
      )}
      {publishing && (
        <ReviewDialog key={publishing.id} workflowId={publishing.id} revision={publishing.revision} onClose={() => setPublishQueue((q) => q.slice(1))}
          onProblems={(p) => {
            // problems found since the list was read: shown under its switch, and on to the next
            setPublishQueue((q) => q.slice(1));
            setRefused({ id: publishing.id, problems: errorsOf(p) });
          }}
          title={publishQueue.length > 1 ? `Review and publish "${publishing.name}" (${publishQueue.length} to go)` : `Review and publish "${publishing.name}"`}
          onPublished={(p) => {
            setPublishQueue((q) => q.slice(1));
            toast({ text: `Published "${p.name}" (version ${p.active_version})${p.enrolled ? `; ${p.enrolled} record(s) that meet the triggers enrolled` : ''}` });
            load();
          }} />
      )}
      {bulkOff && (
        <Dialog title={`Turn off ${bulkOff.length} workflow${bulkOff.length === 1 ? '' : 's'}?`} onClose={() => setBulkOff(null)}>
          <p>No new records will enroll in {bulkOff.map((w) => `"${w.name}"`).join(', ')}. What should happen to the records that are in them now?</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setBulkOff(null)}>Back</button>
            <button type="button" className="btn danger" onClick={() => disableMany(bulkOff, true)}>Cancel their enrollments</button>
            <button type="button" className="btn primary" onClick={() => disableMany(bulkOff, false)} data-testid="bulk-disable-keep">Let them finish</button>
          </div>
        </Dialog>
      )}
      {tagging && (
        <Dialog title={`Tags of "${tagging.w.name}"`} onClose={() => setTagging(null)}>
          <label className="field">Tags, separated by commas
            <input autoFocus value={tagging.text} onChange={(e) => setTagging({ ...tagging, text: e.target.value, error: '' })}
              onKeyDown={(e) => e.key === 'Enter' && saveTags()} placeholder="onboarding, webinar" />
          </label>
          {tagging.error && <div className="banner error" role="alert">{tagging.error}</div>}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setTagging(null)}>Cancel</button>
            <button type="button" className="btn primary" onClick={saveTags}>Save tags</button>
          </div>
        </Dialog>
      )}
      {disabling && (
        <Dialog title={`Turn off "${disabling.name}"?`} onClose={() => setDisabling(null)}>
          <p>No new records will enroll. What should happen to the records that are in the workflow now
            {stats[disabling.id] ? ` (${stats[disabling.id].enrollments.active + stats[disabling.id].enrollments.waiting})` : ''}?</p>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setDisabling(null)}>Back</button>
            <button type="button" className="btn danger" onClick={() => disable(disabling, true)} data-testid="disable-cancel">Cancel their enrollments</button>
            <button type="button" className="btn primary" onClick={() => disable(disabling, false)} data-testid="disable-keep">Let them finish</button>
          </div>
        </Dialog>
      )}
      {deleting && (
        <Dialog title={`Delete "${deleting.workflow.name}"?`} onClose={() => setDeleting(null)}>
          <p>It moves to the <a href="#/trash">Trash</a>, where you can restore it for 30 days with its history and counters.</p>
          {deleting.workflow.enabled && <p>It is on: it is switched off first, so no new records enroll.</p>}
          {deleting.open === null && <Spinner label="Counting open enrollments…" />}
          {deleting.open !== null && deleting.open === 0 && <p data-testid="delete-open">No records are in the workflow now.</p>}
          {deleting.open !== null && deleting.open > 0 && <>
            <p data-testid="delete-open"><strong>{deleting.open.toLocaleString()} open enrollment{deleting.open === 1 ? '' : 's'}</strong>: records are in the workflow now. What should happen to them?</p>
            <div className="choice-list" role="radiogroup" aria-label="Open enrollments">
              <label className="choice radio"><input type="radio" name="delete-open" checked={deleting.cancel} onChange={() => setDeleting({ ...deleting, cancel: true })} data-testid="delete-cancel" />
                <strong>Cancel their enrollments</strong><span className="sub">No further steps run for them.</span></label>
              <label className="choice radio"><input type="radio" name="delete-open" checked={!deleting.cancel} onChange={() => setDeleting({ ...deleting, cancel: false })} data-testid="delete-keep" />
                <strong>Let them finish</strong><span className="sub">They run to their end while the workflow is in the Trash.</span></label>
            </div>
          </>}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setDeleting(null)}>Keep the workflow</button>
            <button type="button" className="btn danger" disabled={deleting.open === null} onClick={() => remove(deleting)} data-testid="delete-confirm">Move to Trash</button>
          </div>
        </Dialog>
      )}
      <Toasts toasts={toasts} onDone={dropToast} />
    </div>
  );
}

/** Saved but not ready or never switched on: it has problems, or it has never been on. */
function isDraft(w: WorkflowSummary): boolean {
  return !w.enabled && (w.problems > 0 || !w.active_version);
}

/** The first problems shown under a refused switch; the editor lists them all. */
const SHOWN = 3;

/** Why a workflow could not be switched on, under its switch: each problem links to where it is. */
function Refusal({ workflow: w, problems, onClose }: { workflow: WorkflowSummary; problems: Problem[]; onClose(): void }) {
  const at = (p: Problem) => (p.step ? 'step:' + p.step : p.trigger || p.field?.startsWith('reenroll') ? 'trigger' : 'settings');
  return (
    <div className="switch-refusal" role="alert" data-testid="enable-refused">
      <div className="refusal-head">
        <strong>Not switched on: {problems.length} problem{problems.length === 1 ? '' : 's'} to fix</strong>
        <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>×</button>
      </div>
      <ul>
        {problems.slice(0, SHOWN).map((p, i) => <li key={i}><a href={hrefOf({ name: 'workflow', id: w.id, at: at(p) })}>{p.message}</a></li>)}
        {problems.length > SHOWN && <li><a href={hrefOf({ name: 'workflow', id: w.id, at: at(problems[0]) })}>and {problems.length - SHOWN} more in the editor</a></li>}
      </ul>
    </div>
  );
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
