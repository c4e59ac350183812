package condition

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// This file bounds what a (possibly hostile) raw expression can cost: source size, syntax
// nodes, builtins, and per-Match work, string bytes and memory.

// Limits on raw expressions and on one evaluation.
const (
	// MaxExprBytes is the longest raw expression accepted.
	MaxExprBytes = 4096
	// MaxFilterExprBytes is the most raw-expression source one filter may hold in total.
	MaxFilterExprBytes = 16384
	// MaxExprNodes is the most syntax nodes one raw expression may have.
	MaxExprNodes = 2000
	// MaxSteps is the work budget of one Match: each loop iteration of a builtin such as
	// all/map/filter costs the size of its body, and `in`, upper, lower, indexOf etc. cost the
	// size of their input.
	MaxSteps = 100_000
	// MaxStringBytes is the most string bytes one Match may build (with +, upper, lower).
	MaxStringBytes = 1 << 20
	// MemoryBudget is expr's vm.VM memory budget (elements of arrays, maps and ranges built).
	MemoryBudget = 100_000
)

// ErrBudgetExceeded is wrapped by Match's error when an evaluation ran out of its work,
// string or memory budget.
var ErrBudgetExceeded = errors.New("condition: evaluation budget exceeded")

// AllowedBuiltins are the expr builtins available to raw expressions: pure functions whose
// cost the budget can account for. Clock, time-zone (file system), JSON, sorting and
// string-building builtins are not available.
var AllowedBuiltins = []string{
	"all", "none", "any", "one", "filter", "map", "find", "findIndex", "findLast",
	"findLastIndex", "count", "sum", "reduce", "len", "abs", "ceil", "floor", "round", "int",
	"float", "trim", "trimPrefix", "trimSuffix", "upper", "lower", "indexOf", "lastIndexOf",
	"hasPrefix", "hasSuffix", "first", "last", "get", "duration", "type",
}

// loopBuiltins iterate over their first argument.
var loopBuiltins = map[string]bool{
	"all": true, "none": true, "any": true, "one": true, "filter": true, "map": true,
	"find": true, "findIndex": true, "findLast": true, "findLastIndex": true, "count": true,
	"sum": true, "reduce": true,
}

// scanBuiltins take time proportional to their first argument.
var scanBuiltins = map[string]bool{
	"upper": true, "lower": true, "indexOf": true, "lastIndexOf": true,
	"trim": true, "trimPrefix": true, "trimSuffix": true,
}

// runState is the budget of one evaluation, reached by the __rt variable that the budget
// patcher passes to the accounting functions.
type runState struct {
	steps int
	bytes int
}

// rtName is the hidden environment variable holding the *runState.
const rtName = "__rt"

func (r *runState) charge(steps, bytes int) error {
	if r == nil {
		return fmt.Errorf("%w: no budget state", ErrBudgetExceeded)
	}
	r.steps += steps
	r.bytes += bytes
	if r.steps > MaxSteps {
		return fmt.Errorf("%w: more than %d steps of work", ErrBudgetExceeded, MaxSteps)
	}
	if r.bytes > MaxStringBytes {
		return fmt.Errorf("%w: more than %d bytes of strings built", ErrBudgetExceeded, MaxStringBytes)
	}
	return nil
}

// size is the length of a string, list or map, 1 for anything else.
func size(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []any:
		return len(x)
	case nil:
		return 1
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		return rv.Len()
	}
	return 1
}

// chargeFunc is _charge(__rt, v, unit): charges size(v)*unit steps and returns v. For
// strings it charges one step per 64 bytes, and, if unit is negative, also their bytes.
func chargeFunc(args ...any) (any, error) {
	rt, _ := args[0].(*runState)
	unit, _ := args[2].(int)
	v := args[1]
	n := size(v)
	bytes := 0
	if _, ok := v.(string); ok {
		if unit < 0 {
			bytes = n
		}
		n = n/64 + 1
	}
	if unit < 0 {
		unit = -unit
	}
	if err := rt.charge(max(n, 1)*max(unit, 1), bytes); err != nil {
		return nil, err
	}
	return v, nil
}

// addFunc is _add(__rt, a, b): expr's + with the string bytes it builds accounted.
func addFunc(args ...any) (any, error) {
	rt, _ := args[0].(*runState)
	a, b := args[1], args[2]
	sa, okA := a.(string)
	sb, okB := b.(string)
	if okA && okB {
		if err := rt.charge(1+(len(sa)+len(sb))/64, len(sa)+len(sb)); err != nil {
			return nil, err
		}
		return sa + sb, nil
	}
	if err := rt.charge(1, 0); err != nil {
		return nil, err
	}
	return runtime.Add(a, b), nil
}

// tickFunc is _tick(__rt, n): charges n steps.
func tickFunc(args ...any) (any, error) {
	rt, _ := args[0].(*runState)
	n, _ := args[1].(int)
	if err := rt.charge(max(n, 1), 0); err != nil {
		return nil, err
	}
	return true, nil
}

// budgetOptions are the expr options registering the accounting functions.
func budgetOptions() []expr.Option {
	return []expr.Option{
		expr.Function("_charge", chargeFunc, new(func(*runState, any, int) any)),
		expr.Function("_add", addFunc, new(func(*runState, any, any) any)),
		expr.Function("_tick", tickFunc, new(func(*runState, int) bool)),
	}
}

// budgetPatcher rewrites a checked AST so that loops, scans and string building pay into
// the run's budget. It is applied once, to the whole program.
type budgetPatcher struct{}

func rtIdent() ast.Node { return &ast.IdentifierNode{Value: rtName} }

func call(name string, loc ast.Node, args ...ast.Node) ast.Node {
	n := &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: args}
	n.SetLocation(loc.Location())
	return n
}

func charged(n ast.Node, unit int) ast.Node {
	return call("_charge", n, rtIdent(), n, &ast.IntegerNode{Value: unit})
}

// countNodes counts the nodes of a subtree.
type countNodes struct{ n int }

func (c *countNodes) Visit(*ast.Node) { c.n++ }

func isNumberType(n ast.Node) bool {
	t := n.Type()
	if t == nil {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// Visit implements ast.Visitor (children are visited before their parent).
func (budgetPatcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BuiltinNode:
		if len(n.Arguments) == 0 {
			return
		}
		switch {
		case loopBuiltins[n.Name]:
			cost := 1
			for _, a := range n.Arguments[1:] {
				c := &countNodes{}
				ast.Walk(&a, c)
				cost += c.n
			}
			n.Arguments[0] = charged(n.Arguments[0], cost)
		case n.Name == "upper" || n.Name == "lower":
			n.Arguments[0] = charged(n.Arguments[0], -1)
		case scanBuiltins[n.Name]:
			n.Arguments[0] = charged(n.Arguments[0], 1)
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "in":
			n.Right = charged(n.Right, 1)
		case "contains", "startsWith", "endsWith", "matches":
			n.Left = charged(n.Left, 1)
		case "+":
			if isNumberType(n.Left) && isNumberType(n.Right) {
				return
			}
			ast.Patch(node, call("_add", n, rtIdent(), n.Left, n.Right))
		}
	}
}

// rawCheck walks a parsed raw expression: it rejects the hidden names and collects the
// record/event properties it reads.
type rawCheck struct {
	bad  []string
	refs map[string]bool
}

// Visit implements ast.Visitor.
func (c *rawCheck) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if strings.HasPrefix(n.Value, "__") || n.Value == "$env" {
			c.bad = append(c.bad, n.Value)
		}
	case *ast.VariableDeclaratorNode:
		if strings.HasPrefix(n.Name, "__") {
			c.bad = append(c.bad, n.Name)
		}
	case *ast.MemberNode:
		if p, ok := memberPath(n); ok {
			c.refs[p] = true
		}
	}
}

// memberPath renders record.a / record["a"] as "a" and event.a.b as "event.a.b".
func memberPath(n *ast.MemberNode) (string, bool) {
	var parts []string
	var cur ast.Node = n
	for {
		switch x := cur.(type) {
		case *ast.MemberNode:
			s, ok := x.Property.(*ast.StringNode)
			if !ok {
				return "", false
			}
			parts = append(parts, s.Value)
			cur = x.Node
			continue
		case *ast.ChainNode:
			cur = x.Node
			continue
		case *ast.IdentifierNode:
			if len(parts) == 0 {
				return "", false
			}
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
			switch x.Value {
			case "record":
				return parts[0], true
			case "event":
				return "event." + strings.Join(parts, "."), true
			}
		}
		return "", false
	}
}
