import { useEffect, useRef, useState } from 'react';
import { api, ApiError, type Definition, type Problem, type PublishReview, type Published } from '../api';
import { errorsOf } from '../lib/problems';
import { changeLines, stepLabel, titleIn } from '../lib/versions';
import { nodeConfig, stepTitle } from '../nodes';
import { Dialog } from './common';

const typeLabel = (t: string) => nodeConfig(t).label;

/**
 * The review before anything goes live: what changes against the live version, in words, the
 * question whether records that meet the triggers now enroll too (with how many), then
 * Publish. `definition` is the editor's unsaved one (a live workflow's save); without it the
 * saved draft is published (switching on).
 */
export function ReviewDialog({ workflowId, definition, revision, title, inWorkflow, onPublished, onProblems, onClose }: {
  workflowId: string;
  /** Records in the workflow now (running or waiting), when known: they stay on the live version. */
  inWorkflow?: number;
  title?: string;
  definition?: Definition;
  revision: number;
  onPublished(p: Published): void;
  onProblems(p: Problem[]): void;
  onClose(): void;
}) {
  const [review, setReview] = useState<PublishReview | null>(null);
  // the definitions compared, to name unnamed steps by what they do: the one to publish, the live one
  const [compared, setCompared] = useState<(Definition | null)[]>([]);
  const [error, setError] = useState('');
  const [enroll, setEnroll] = useState<boolean | null>(null);
  const [publishing, setPublishing] = useState(false);
  const onProblemsRef = useRef(onProblems);
  useEffect(() => {
    onProblemsRef.current = onProblems;
  });
  useEffect(() => {
    let live = true;
    api.reviewPublish(workflowId, definition).then(
      (r) => {
        if (!live) return;
        setReview(r);
        if (!r.valid) onProblemsRef.current(r.problems);
        void Promise.all([
          definition ?? api.getWorkflow(workflowId).then((w) => w.definition, () => null),
          r.live_version ? api.getVersion(workflowId, r.live_version).then((v) => v.definition, () => null) : null,
        ]).then((d) => live && setCompared(d));
      },
      (e) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [workflowId, definition]);

  const asked = !!review && review.existing.filter_triggers > 0;
  const publish = async () => {
    if (!review) return;
    setPublishing(true);
    setError('');
    try {
      onPublished(await api.publish(workflowId, { definition, revision, enrollExisting: asked && enroll === true }));
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) onProblems(e.problems);
      setError(e instanceof Error ? e.message : String(e));
      setPublishing(false);
    }
  };

  const nameOf = titleIn(compared, stepTitle);
  const lines = review ? changeLines(review.changes, (s) => stepLabel(s, typeLabel, nameOf)) : [];
  const ex = review?.existing;
  return (
    <Dialog title={title ?? 'Review and publish'} onClose={onClose}>
      <div className="review" data-testid="review-dialog">
        {!review && !error && <p className="muted">Comparing with the live version…</p>}
        {review && !review.valid && (
          <div className="banner error" role="alert">
            <div>Fix {errorsOf(review.problems).length === 1 ? 'this problem' : `these ${errorsOf(review.problems).length} problems`} before publishing:</div>
            <ul className="review-problems">{errorsOf(review.problems).map((p, i) => <li key={i}>{p.message}</li>)}</ul>
          </div>
        )}
        {review && (
          <>
            <h3 className="review-head">{!review.live_version ? 'What goes live (nothing is live yet)' : review.enabled ? `Changes against the live version ${review.live_version}` : `Changes against version ${review.live_version}, the one it ran before it was switched off`}</h3>
            {lines.length === 0 ? (
              <p className="muted" data-testid="review-changes">No changes against {review.enabled ? 'the live version' : `version ${review.live_version}`}.</p>
            ) : (
              <ul className="review-changes" data-testid="review-changes">
                {lines.map((l, i) => <li key={i} className={`change-${l.kind}`}>{l.text}</li>)}
              </ul>
            )}
          </>
        )}
        {review?.valid && review.live_version !== undefined && review.live_version > 0 && (
          <p className="review-existing" data-testid="review-enrolled">
            {inWorkflow === undefined
              ? `Records already in the workflow${review.enabled ? '' : ' (from before it was switched off)'} stay on version ${review.live_version} until they finish; this version is for records that enroll after you publish.`
              : inWorkflow === 0
                ? `No record is in the workflow now; every record that enrolls after you publish follows this version.`
                : `${inWorkflow} record${inWorkflow === 1 ? ' is' : 's are'} in the workflow now: ${inWorkflow === 1 ? 'it stays' : 'they stay'} on version ${review.live_version} until ${inWorkflow === 1 ? 'it finishes' : 'they finish'}. This version is for records that enroll after you publish.`}
          </p>
        )}
        {review?.valid && ex && (asked ? (
          <fieldset className="review-question">
            <legend>Also enroll records that meet the triggers now?</legend>
            <label>
              <input type="radio" name="enroll-existing" checked={enroll === true} onChange={() => setEnroll(true)} />
              {' '}Yes, enroll <strong data-testid="review-count">{ex.enrollable}</strong> record{ex.enrollable === 1 ? '' : 's'} that meet them now
            </label>
            <label>
              <input type="radio" name="enroll-existing" checked={enroll === false} onChange={() => setEnroll(false)} />
              {' '}No, only records that start to meet them from now on
            </label>
            {(ex.already_enrolled > 0 || ex.reenrollment_off > 0 || (ex.suppressed ?? 0) > 0) && (
              <p className="muted" data-testid="review-kept-out">
                {ex.matching} meet them now; {[
                  ex.already_enrolled > 0 && `${ex.already_enrolled} are in the workflow already`,
                  ex.reenrollment_off > 0 && `${ex.reenrollment_off} were in it before and re-enrollment is off`,
                  (ex.suppressed ?? 0) > 0 && `${ex.suppressed} are in a suppression list`,
                ].filter(Boolean).join(', ')}.
              </p>
            )}
          </fieldset>
        ) : (
          <p className="muted">Records enroll when a trigger happens from the moment you publish.</p>
        ))}
        {error && <div className="banner error" role="alert">{error}</div>}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>Back to editing</button>
          <button type="button" className="btn primary" data-testid="publish-button" onClick={publish}
            disabled={!review?.valid || publishing || (asked && enroll === null)}
            title={asked && enroll === null ? 'Answer the question first' : undefined}>
            {publishing ? 'Publishing…' : 'Publish'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
