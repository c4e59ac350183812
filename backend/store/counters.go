package store

import (
	"cmp"
	"fmt"
	"slices"
)

// counters are the rollup_daily and step_counts increments of writes. A write adds up its own;
// the writer merges them into its batch's once the write's savepoint is released (a rolled-back
// write's are dropped with it) and upserts each touched row once before the batch commits:
// hundreds of steps of one workflow touch a handful of counter rows, so one upsert per row per
// batch replaces one or two per step. Nothing reads these tables inside a write.
type counters struct {
	rollup tally[rollupKey, int64]
	steps  tally[stepKey, [2]int64] // completed, failed
}

// stepKey is one step_counts row.
type stepKey struct{ workflow, step string }

// tally sums values per key and remembers the keys in the order first seen.
type tally[K comparable, V any] struct {
	sums map[K]V
	keys []K
}

func (t *tally[K, V]) add(k K, plus func(V) V) {
	if t.sums == nil {
		t.sums = map[K]V{}
	}
	v, seen := t.sums[k]
	if !seen {
		t.keys = append(t.keys, k)
	}
	t.sums[k] = plus(v)
}

// forget removes the keys gone says of.
func (t *tally[K, V]) forget(gone func(K) bool) {
	kept := t.keys[:0]
	for _, k := range t.keys {
		if gone(k) {
			delete(t.sums, k)
		} else {
			kept = append(kept, k)
		}
	}
	t.keys = kept
}

func (c *counters) addRollup(k rollupKey, n int64) {
	c.rollup.add(k, func(v int64) int64 { return v + n })
}

func (c *counters) addStep(k stepKey, completed, failed int64) {
	c.steps.add(k, func(v [2]int64) [2]int64 { return [2]int64{v[0] + completed, v[1] + failed} })
}

// merge adds o's increments to c.
func (c *counters) merge(o *counters) {
	for _, k := range o.rollup.keys {
		c.addRollup(k, o.rollup.sums[k])
	}
	for _, k := range o.steps.keys {
		v := o.steps.sums[k]
		c.addStep(k, v[0], v[1])
	}
}

// drop forgets the increments of a workflow whose counter rows are being deleted.
func (c *counters) drop(workflowID string) {
	c.rollup.forget(func(k rollupKey) bool { return k.workflow == workflowID })
	c.steps.forget(func(k stepKey) bool { return k.workflow == workflowID })
}

// flush upserts the increments in multi-row statements.
//
// Rows are upserted in key order: processes sharing a PostgreSQL database then lock counter rows
// in one order, so their batches wait for each other at worst and never deadlock.
func (c *counters) flush(t *sqlTx) error {
	err := upsertTally(t, &c.rollup, rollupUpsert, "roll up history",
		func(a, b rollupKey) int {
			return cmp.Or(cmp.Compare(a.workflow, b.workflow), cmp.Compare(a.day, b.day), cmp.Compare(a.step, b.step),
				cmp.Compare(a.path, b.path), cmp.Compare(a.outcome, b.outcome))
		},
		func(k rollupKey, n int64) []any { return []any{k.workflow, k.day, k.step, k.path, k.outcome, n} },
		func(k rollupKey) string { return k.workflow })
	if err != nil {
		return err
	}
	return upsertTally(t, &c.steps, stepCountUpsert, "count steps",
		func(a, b stepKey) int {
			return cmp.Or(cmp.Compare(a.workflow, b.workflow), cmp.Compare(a.step, b.step))
		},
		func(k stepKey, v [2]int64) []any { return []any{k.workflow, k.step, v[0], v[1]} },
		func(k stepKey) string { return k.workflow })
}

// upsertTally sorts a tally's keys and upserts them historyChunk rows at a time with
// upsert[n], the statement for n rows.
func upsertTally[K comparable, V any](t *sqlTx, c *tally[K, V], upsert []string, what string,
	order func(a, b K) int, row func(K, V) []any, workflow func(K) string) error {
	slices.SortFunc(c.keys, order)
	for keys := c.keys; len(keys) > 0; {
		n := min(len(keys), historyChunk)
		var args []any
		for _, k := range keys[:n] {
			args = append(args, row(k, c.sums[k])...)
		}
		if err := t.execLater(upsert[n], args...); err != nil {
			return fmt.Errorf("%s of workflow %q: %w", what, workflow(keys[0]), err)
		}
		keys = keys[n:]
	}
	return nil
}
