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
	rollup      map[rollupKey]int64
	rollupOrder []rollupKey
	steps       map[stepKey][2]int64
	stepOrder   []stepKey
}

// stepKey is one step_counts row.
type stepKey struct{ workflow, step string }

func (c *counters) addRollup(k rollupKey, n int64) {
	if c.rollup == nil {
		c.rollup = map[rollupKey]int64{}
	}
	if _, seen := c.rollup[k]; !seen {
		c.rollupOrder = append(c.rollupOrder, k)
	}
	c.rollup[k] += n
}

func (c *counters) addStep(k stepKey, completed, failed int64) {
	if c.steps == nil {
		c.steps = map[stepKey][2]int64{}
	}
	v, seen := c.steps[k]
	if !seen {
		c.stepOrder = append(c.stepOrder, k)
	}
	c.steps[k] = [2]int64{v[0] + completed, v[1] + failed}
}

// merge adds o's increments to c.
func (c *counters) merge(o *counters) {
	for _, k := range o.rollupOrder {
		c.addRollup(k, o.rollup[k])
	}
	for _, k := range o.stepOrder {
		v := o.steps[k]
		c.addStep(k, v[0], v[1])
	}
}

// drop forgets the increments of a workflow whose counter rows are being deleted.
func (c *counters) drop(workflowID string) {
	keepR := c.rollupOrder[:0]
	for _, k := range c.rollupOrder {
		if k.workflow == workflowID {
			delete(c.rollup, k)
		} else {
			keepR = append(keepR, k)
		}
	}
	c.rollupOrder = keepR
	keepS := c.stepOrder[:0]
	for _, k := range c.stepOrder {
		if k.workflow == workflowID {
			delete(c.steps, k)
		} else {
			keepS = append(keepS, k)
		}
	}
	c.stepOrder = keepS
}

// flush upserts the increments in multi-row statements.
//
// Rows are upserted in key order: processes sharing a PostgreSQL database then lock counter rows
// in one order, so their batches wait for each other at worst and never deadlock.
func (c *counters) flush(t *sqlTx) error {
	slices.SortFunc(c.rollupOrder, func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.workflow, b.workflow), cmp.Compare(a.day, b.day), cmp.Compare(a.step, b.step),
			cmp.Compare(a.path, b.path), cmp.Compare(a.outcome, b.outcome))
	})
	slices.SortFunc(c.stepOrder, func(a, b stepKey) int {
		return cmp.Or(cmp.Compare(a.workflow, b.workflow), cmp.Compare(a.step, b.step))
	})
	for order := c.rollupOrder; len(order) > 0; {
		n := min(len(order), historyChunk)
		args := make([]any, 0, 6*n)
		for _, k := range order[:n] {
			args = append(args, k.workflow, k.day, k.step, k.path, k.outcome, c.rollup[k])
		}
		if _, err := t.exec(rollupUpsert[n], args...); err != nil {
			return fmt.Errorf("roll up history of workflow %q: %w", order[0].workflow, err)
		}
		order = order[n:]
	}
	for order := c.stepOrder; len(order) > 0; {
		n := min(len(order), historyChunk)
		args := make([]any, 0, 4*n)
		for _, k := range order[:n] {
			v := c.steps[k]
			args = append(args, k.workflow, k.step, v[0], v[1])
		}
		if _, err := t.exec(stepCountUpsert[n], args...); err != nil {
			return fmt.Errorf("count steps of workflow %q: %w", order[0].workflow, err)
		}
		order = order[n:]
	}
	return nil
}
