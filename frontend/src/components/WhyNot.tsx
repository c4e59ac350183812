import './testing.css';
import { useEffect, useState } from 'react';
import { api, type ConditionOutcome, type WhyNot, type WorkflowSummary } from '../api';
import { Dialog, ErrorBanner, Spinner } from './common';
import { formatDateTime } from '../lib/datetime';

/** The rule of a condition in words: "lifecycle eq customer", "list vip member". */
function ruleText(o: ConditionOutcome): string {
  const r = o.rule;
  if (r.expr) return r.expr;
  const what = r.list ? `list ${r.list}` : r.workflow ? `workflow ${r.workflow}` : r.property ?? '';
  const value = r.value === undefined ? '' : ' ' + JSON.stringify(r.value);
  return `${what} ${r.op ?? ''}${value}`.trim();
}

function readText(read: Record<string, unknown>): string {
  const parts = Object.entries(read).map(([k, v]) => `${k} = ${v === undefined || v === null ? '(empty)' : JSON.stringify(v)}`);
  return parts.length ? parts.join(', ') : 'nothing read';
}

/** The rules of a filter, failed ones first marked, with the values they read. */
export function Conditions({ list }: { list: ConditionOutcome[] }) {
  return (
    <ul className="why-conditions">
      {list.map((o, i) => (
        <li key={i} className={o.passed ? 'passed' : 'failed'} data-passed={o.passed}>
          <span className="mark">{o.passed ? '✓' : '✗'}</span> <code>{ruleText(o)}</code>
          <span className="read"> — read {readText(o.read)}</span>
          {o.error && <span className="why-error"> ({o.error})</span>}
        </li>
      ))}
    </ul>
  );
}

/**
 * "Why not enrolled?" on the record page: pick a workflow of the record's type, and the server
 * answers with what keeps the record out (workflow off, already enrolled, re-enrollment off, a
 * suppression list, the goal met) and, per trigger, which condition failed with the values it
 * read. Nothing is written.
 */
export function WhyNotDialog({ recordId, object, onClose }: { recordId: number; object: string; onClose(): void }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [picked, setPicked] = useState('');
  const [answer, setAnswer] = useState<WhyNot | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    api.listWorkflows().then((ws) => setWorkflows(ws.filter((w) => w.object === object)), (e: Error) => setError(e.message));
  }, [object]);
  useEffect(() => {
    if (!picked) return;
    let live = true;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a new question clears the last answer
    setLoading(true);
    setAnswer(null);
    setError('');
    api.whyNot(picked, recordId).then((a) => live && setAnswer(a), (e: Error) => live && setError(e.message)).finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [picked, recordId]);
  return (
    <Dialog title="Why not enrolled?" onClose={onClose}>
      <div className="why-not" data-testid="why-not">
        <label>Workflow{' '}
          <select aria-label="Workflow" value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">Pick a workflow…</option>
            {(workflows ?? []).map((w) => <option key={w.id} value={w.id}>{w.name}{w.enabled ? '' : ' (off)'}</option>)}
          </select>
        </label>
        {workflows && workflows.length === 0 && <p className="sub">No workflow works on {object} records.</p>}
        {error && <ErrorBanner error={error} />}
        {loading && <Spinner label="Checking…" />}
        {answer && (
          <div className="why-answer" data-testid="why-answer">
            <p className="why-summary"><strong>{answer.summary}</strong></p>
            {answer.enrolled && answer.enrollment_id && <p><a href={'#/enrollments/' + answer.enrollment_id}>Open enrollment #{answer.enrollment_id}</a></p>}
            {answer.blockers.some((b) => !sameSentence(b.message, answer.summary)) && (
              <ul className="why-blockers">
                {/* a blocker the summary already says is not said twice */}
                {answer.blockers.filter((b) => !sameSentence(b.message, answer.summary)).map((b, i) => (
                  <li key={i} data-code={b.code}>{b.message}{b.conditions && <Conditions list={b.conditions} />}</li>
                ))}
              </ul>
            )}
            {answer.triggers.length > 0 && <h3>Triggers</h3>}
            {answer.triggers.map((t, i) => (
              <div key={i} className={`why-trigger ${t.matched ? 'matched' : 'failed'}`} data-code={t.code} data-testid="why-trigger">
                <div><strong>{t.trigger}</strong> <span className="sub">({t.type})</span>: {t.reason}</div>
                {t.event && <div className="sub">Last {t.event.type} event: #{t.event.id}, {formatDateTime(t.event.occurred_at)}</div>}
                {t.conditions && t.conditions.length > 0 && <Conditions list={t.conditions} />}
              </div>
            ))}
          </div>
        )}
      </div>
    </Dialog>
  );
}

const sameSentence = (a: string, b: string) => a.trim().replace(/\.$/, '') === b.trim().replace(/\.$/, '');
