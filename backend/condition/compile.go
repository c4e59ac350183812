package condition

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/flowdesk/flowdesk/backend/problem"
)

// Env is what a compiled filter is evaluated against.
type Env struct {
	Record map[string]any // record properties
	Event  map[string]any // the event being matched or that triggered the enrollment; may be nil
	Now    time.Time
	// Lists holds the ids of the lists the record is in, for list rules; load it when the
	// program UsesLists (nil: a member of none).
	Lists map[string]bool
	// Associated holds, per record type, the properties of the records associated with this
	// one, for rules like "company.industry"; load the types the program's Associations names
	// (a type missing: no such records).
	Associated map[string][]map[string]any
}

// Problem is one thing wrong with a filter (the one problem type, package problem): Field
// locates the rule ("all[2].any[0]", "" for the root) and Message is a sentence a marketer can
// act on, naming the property and the fix. Compile returns them all in a *problem.Error.
type Problem = problem.Problem

// Options tune compilation.
type Options struct {
	// Schema gives declared property types; nil means no type checks.
	Schema Schema
	// Associated resolves the first segment of a dotted name ("company" in "company.industry")
	// to the schema of an associated record type; ok false means it is not one (nil: no
	// associated reads). A property literally named "company.industry" wins.
	Associated func(prefix string) (schema Schema, ok bool)
}

// Program is a compiled filter, safe for concurrent use.
type Program struct {
	prog   *vm.Program
	source string
	refs   []string
	lists  []string
	assoc  []string
}

// exprEnv is the environment expr programs run against (see the package doc).
type exprEnv struct {
	Record map[string]any              `expr:"record"`
	Event  map[string]any              `expr:"event"`
	Now    time.Time                   `expr:"now"`
	RT     *runState                   `expr:"__rt"`
	Lists  map[string]bool             `expr:"__lists"`
	Assoc  map[string][]map[string]any `expr:"__assoc"`
}

// opFunc registers op_<op>(value, operand) for a structured operator.
func opFunc(op Op) expr.Option {
	name := "op_" + string(op)
	switch op {
	case OpIsKnown, OpIsUnknown:
		return expr.Function(name, func(a ...any) (any, error) {
			return matchOp(op, a[0], nil, time.Time{}), nil
		}, new(func(any) bool))
	case OpWithinLast:
		return expr.Function(name, func(a ...any) (any, error) {
			now, _ := a[2].(time.Time)
			return matchOp(op, a[0], asOperand(a[1]), now), nil
		}, new(func(any, any, time.Time) bool))
	}
	return expr.Function(name, func(a ...any) (any, error) {
		return matchOp(op, a[0], asOperand(a[1]), time.Time{}), nil
	}, new(func(any, any) bool))
}

// dateFunc is date(v) for raw expressions: it parses the date formats the data may use.
func dateFunc(a ...any) (any, error) {
	t, ok := toTime(a[0])
	if !ok {
		return nil, fmt.Errorf("date(%s): not a date; use RFC 3339, YYYY-MM-DD or unix milliseconds", truncate(fmt.Sprint(a[0]), 40))
	}
	return t, nil
}

// exprOptions are the options shared by the check and the final compile of a filter.
func exprOptions(operands []*operand, maxNodes uint) []expr.Option {
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.AsBool(),
		expr.MaxNodes(maxNodes),
		expr.DisableAllBuiltins(),
	}
	for _, b := range AllowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	for _, op := range Ops {
		opts = append(opts, opFunc(op))
	}
	opts = append(opts,
		expr.Function("rec", func(a ...any) (any, error) {
			m, _ := a[0].(map[string]any)
			s, _ := a[1].(string)
			return Lookup(m, s), nil
		}, new(func(map[string]any, string) any)),
		expr.Function("asc", func(a ...any) (any, error) {
			m, _ := a[0].(map[string][]map[string]any)
			typ, _ := a[1].(string)
			path, _ := a[2].(string)
			return associatedValue(m[typ], path), nil
		}, new(func(map[string][]map[string]any, string, string) any)),
		expr.Function("evt", func(a ...any) (any, error) {
			m, _ := a[0].(map[string]any)
			s, _ := a[1].(string)
			return Lookup(m, s), nil
		}, new(func(map[string]any, string) any)),
		expr.Function("lit", func(a ...any) (any, error) {
			i, _ := a[0].(int)
			if i < 0 || i >= len(operands) {
				return nil, nil
			}
			return operands[i], nil
		}, new(func(int) any)),
		expr.Function("date", dateFunc, new(func(any) time.Time)),
		expr.Function("in_list", func(a ...any) (any, error) {
			m, _ := a[0].(map[string]bool)
			s, _ := a[1].(string)
			return m[s], nil
		}, new(func(map[string]bool, string) bool)),
	)
	return append(opts, budgetOptions()...)
}

// Compile checks and compiles a filter. On failure the error is a *problem.Error with all problems.
func Compile(f Filter, opts Options) (*Program, error) {
	b := &builder{schema: opts.Schema, associated: opts.Associated, refs: map[string]bool{}, lists: map[string]bool{}, assoc: map[string]bool{}}
	var sb strings.Builder
	b.node(&sb, &f, "", 0)
	if b.rules > MaxRules {
		b.problem("", "this filter has %d rules, more than the limit of %d; split it into several filters or simplify it", b.rules, MaxRules)
	}
	if b.rawBytes > MaxFilterExprBytes {
		b.problem("", "the expressions in this filter add up to %d bytes, more than the limit of %d; shorten them", b.rawBytes, MaxFilterExprBytes)
	}
	for _, r := range b.raws {
		b.checkRaw(r)
	}
	if len(b.problems) > 0 {
		return nil, &problem.Error{Code: problem.CodeFilter, Problems: b.problems}
	}
	source := sb.String()
	options := append(exprOptions(b.operands, 0), expr.Patch(budgetPatcher{}))
	prog, err := expr.Compile(source, options...)
	if err != nil {
		return nil, &problem.Error{Code: problem.CodeFilter, Problems: []Problem{{Message: fmt.Sprintf("the filter could not be compiled (%v); please report this", err)}}}
	}
	return &Program{prog: prog, source: source, refs: pruneRefs(b.refs), lists: sortedKeys(b.lists), assoc: sortedKeys(b.assoc)}, nil
}

// checkRaw validates one raw expression on its own, so that messages point into it.
func (b *builder) checkRaw(r rawExpr) {
	if len(r.src) > MaxExprBytes {
		b.problem(r.path, "the expression is %d bytes long, more than the limit of %d; shorten it", len(r.src), MaxExprBytes)
		return
	}
	tree, err := parser.Parse(r.src)
	if err != nil {
		b.problem(r.path, "the expression does not compile: %s", exprMessage(err))
		return
	}
	c := &rawCheck{refs: map[string]bool{}}
	ast.Walk(&tree.Node, c)
	if len(c.bad) > 0 {
		b.problem(r.path, "the expression uses %q, which is reserved; use record, event and now instead", c.bad[0])
		return
	}
	if _, err := expr.Compile(r.src, exprOptions(nil, MaxExprNodes)...); err != nil {
		b.problem(r.path, "the expression does not compile: %s", exprMessage(err))
		return
	}
	for k := range c.refs {
		b.refs[k] = true
	}
}

// exprMessage flattens expr's (multi-line, source-quoting) error into one line.
func exprMessage(err error) string {
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}

// pruneRefs sorts references and drops "event.a" when "event.a.b" is also read.
func pruneRefs(refs map[string]bool) []string {
	all := sortedKeys(refs)
	out := all[:0:0]
	for i, r := range all {
		if strings.HasPrefix(r, "event.") && i+1 < len(all) && strings.HasPrefix(all[i+1], r+".") {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Match evaluates the program. An error means the evaluation failed (e.g. budget exceeded).
func (p *Program) Match(env Env) (matched bool, err error) {
	if p == nil || p.prog == nil {
		return false, errors.New("condition: match on a nil program")
	}
	defer func() {
		if r := recover(); r != nil {
			matched, err = false, fmt.Errorf("condition: evaluation panicked: %v", r)
		}
	}()
	machine := vm.VM{MemoryBudget: MemoryBudget}
	out, err := machine.Run(p.prog, exprEnv{Record: env.Record, Event: env.Event, Now: env.Now, RT: &runState{}, Lists: env.Lists, Assoc: env.Associated})
	if err != nil {
		if !errors.Is(err, ErrBudgetExceeded) && strings.Contains(err.Error(), "memory budget exceeded") {
			err = fmt.Errorf("%w: more than %d elements of memory: %w", ErrBudgetExceeded, MemoryBudget, err)
		}
		return false, &evalError{err: err}
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("condition: filter returned %T, not a bool", out)
	}
	return b, nil
}

// References lists the property paths the filter reads ("city", "event.watch_pct"), sorted and
// deduplicated, so callers can snapshot the values that made a filter match.
func (p *Program) References() []string {
	if p == nil {
		return nil
	}
	return append([]string(nil), p.refs...)
}

// Lists names the lists the filter's list rules test, sorted; empty when it has none.
func (p *Program) Lists() []string {
	if p == nil {
		return nil
	}
	return append([]string(nil), p.lists...)
}

// Associations names the associated record types the filter reads ("company"), sorted.
func (p *Program) Associations() []string {
	if p == nil {
		return nil
	}
	return append([]string(nil), p.assoc...)
}

// UsesLists tells whether the filter tests list membership (Env.Lists must then be loaded).
func (p *Program) UsesLists() bool { return p != nil && len(p.lists) > 0 }

// evalError is an evaluation failure, flattened to one line but still unwrappable.
type evalError struct{ err error }

func (e *evalError) Error() string { return "condition: evaluating filter: " + exprMessage(e.err) }
func (e *evalError) Unwrap() error { return e.err }

// Source returns the generated expr-lang source of the program, for debugging.
func (p *Program) Source() string {
	if p == nil {
		return ""
	}
	return p.source
}
