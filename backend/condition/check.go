package condition

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// This file holds the static checks of structured filters and the generation of expr
// source from them.

// MaxDepth is the deepest nesting of groups a filter may have.
const MaxDepth = 32

// MaxPropertyLen is the longest property path accepted.
const MaxPropertyLen = 256

// opTypes lists, per declared property type, the operators that apply.
var opTypes = map[Type][]Op{
	TypeNumber: {OpEq, OpNeq, OpGt, OpGte, OpLt, OpLte, OpIn, OpNotIn, OpIsKnown, OpIsUnknown},
	TypeString: {OpEq, OpNeq, OpIn, OpNotIn, OpContains, OpNotContains, OpStartsWith, OpEndsWith, OpIsKnown, OpIsUnknown},
	TypeEnum:   {OpEq, OpNeq, OpIn, OpNotIn, OpContains, OpNotContains, OpStartsWith, OpEndsWith, OpIsKnown, OpIsUnknown},
	TypeBool:   {OpEq, OpNeq, OpIsKnown, OpIsUnknown},
	TypeDate:   {OpEq, OpNeq, OpBefore, OpAfter, OpWithinLast, OpGt, OpGte, OpLt, OpLte, OpIsKnown, OpIsUnknown},
	TypeMulti:  {OpEq, OpNeq, OpContains, OpNotContains, OpIn, OpNotIn, OpIsKnown, OpIsUnknown},
}

func init() {
	opTypes[TypeInteger] = opTypes[TypeNumber]
	opTypes[TypeDatetime] = opTypes[TypeDate]
	for _, t := range []Type{TypeEmail, TypePhone, TypeURL} {
		opTypes[t] = opTypes[TypeString]
	}
}

// typeNames is how a property type reads in a sentence.
var typeNames = map[Type]string{
	TypeNumber: "a number", TypeString: "text", TypeEnum: "a choice (enumeration)",
	TypeBool: "a yes/no (bool) value", TypeDate: "a date", TypeMulti: "a multi-value property",
	TypeInteger: "a whole number", TypeDatetime: "a date and time", TypeEmail: "an email address",
	TypePhone: "a phone number", TypeURL: "a web address",
}

// builder walks a filter, collecting problems, operands, references and expr source.
type builder struct {
	schema     Schema
	associated func(prefix string) (Schema, bool)
	assoc      map[string]bool // associated record types read
	problems   []Problem
	operands   []*operand
	raws       []rawExpr
	refs       map[string]bool
	lists      map[string]bool // ids tested by list rules
	rules      int
	rawBytes   int
}

// rawExpr is a raw expression found at path.
type rawExpr struct {
	path string
	src  string
}

func (b *builder) problem(path, format string, args ...any) {
	b.problems = append(b.problems, Problem{Field: path, Message: fmt.Sprintf(format, args...)})
}

func joinPath(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

// node writes the expr source of f (at path, nesting depth) into sb.
func (b *builder) node(sb *strings.Builder, f *Filter, path string, depth int) {
	var forms []string
	if f.All != nil {
		forms = append(forms, `an "all" group`)
	}
	if f.Any != nil {
		forms = append(forms, `an "any" group`)
	}
	switch {
	case f.List != "" && f.Workflow != "":
		forms = append(forms, "a list rule", "a workflow rule")
	case f.Workflow != "":
		forms = append(forms, "a workflow rule")
		if f.Property != "" {
			forms = append(forms, "a property rule")
		}
	case f.List != "":
		forms = append(forms, "a list rule")
		if f.Property != "" {
			forms = append(forms, "a property rule")
		}
	case f.Property != "" || f.Op != "" || f.Value != nil:
		forms = append(forms, "a property rule")
	}
	if f.Expr != "" {
		forms = append(forms, "an expression")
	}
	switch {
	case len(forms) > 1:
		b.problem(path, "this condition mixes %s; use exactly one of them and split the rest into separate conditions", joinAnd(forms))
		sb.WriteString("false")
		return
	case len(forms) == 0:
		if depth == 0 {
			sb.WriteString("true")
			return
		}
		b.problem(path, "this condition is empty; choose a property and an operator, write an expression, or remove it")
		sb.WriteString("false")
		return
	}
	if depth >= MaxDepth && (f.All != nil || f.Any != nil) {
		b.problem(path, "groups are nested more than %d levels deep; flatten the filter", MaxDepth)
		sb.WriteString("false")
		return
	}
	switch {
	case f.All != nil:
		b.group(sb, f.All, "all", " && ", "true", path, depth)
	case f.Any != nil:
		b.group(sb, f.Any, "any", " || ", "false", path, depth)
	case f.Expr != "":
		b.rules++
		b.rawBytes += len(f.Expr)
		b.raws = append(b.raws, rawExpr{path: path, src: f.Expr})
		// Newlines keep a trailing // comment from swallowing the closing parenthesis.
		sb.WriteString("(\n")
		sb.WriteString(f.Expr)
		sb.WriteString("\n)")
	case f.List != "":
		b.rules++
		b.membershipRule(sb, f, listMembership, f.List, path)
	case f.Workflow != "":
		b.rules++
		b.membershipRule(sb, f, workflowMembership, f.Workflow, path)
	default:
		b.rules++
		b.rule(sb, f, path)
	}
}

// MaxListIDLen is the longest list id a list rule may name (and workflow id a workflow rule).
const MaxListIDLen = 64

// membership is a kind of rule that tests what the record's memberships (__lists) hold: a list
// rule tests a list; a workflow rule tests whether the record reached a workflow's goal, kept
// with the memberships under GoalKey.
type membership struct {
	noun string              // "list" or "workflow", in problems
	ops  []Op                // the operators; the second negates the first
	key  func(string) string // the id's name among the memberships
}

var (
	listMembership     = membership{noun: "list", ops: ListOps, key: func(id string) string { return id }}
	workflowMembership = membership{noun: "workflow", ops: WorkflowOps, key: GoalKey}
)

// membershipRule checks a list or workflow rule naming id and writes its call, e.g.
// in_list(__lists, "vip") or !in_list(__lists, "goal:onboarding").
func (b *builder) membershipRule(sb *strings.Builder, f *Filter, m membership, id, path string) {
	ok := true
	if len(id) > MaxListIDLen {
		b.problem(path, "%s id %q is longer than %d characters; pick an existing %s", m.noun, id[:32]+"...", MaxListIDLen, m.noun)
		ok = false
	}
	use := string(m.ops[0]) + " or " + string(m.ops[1])
	switch {
	case f.Op == "":
		b.problem(path, "%s %q has no operator; use %s", m.noun, truncate(id, 64), use)
		ok = false
	case !hasOp(m.ops, f.Op):
		b.problem(path, "%s %q: operator %q does not test a %s; use %s", m.noun, truncate(id, 64), truncate(string(f.Op), 40), m.noun, use)
		ok = false
	}
	if f.Value != nil {
		b.problem(path, "%s %q with operator %q takes no value; remove the value %s", m.noun, truncate(id, 64), f.Op, describe(f.Value))
		ok = false
	}
	if !ok {
		sb.WriteString("false")
		return
	}
	key := m.key(id)
	b.lists[key] = true
	if f.Op == m.ops[1] {
		sb.WriteByte('!')
	}
	fmt.Fprintf(sb, "in_list(__lists, %q)", key)
}

func (b *builder) group(sb *strings.Builder, kids []Filter, name, sep, empty, path string, depth int) {
	if len(kids) == 0 {
		sb.WriteString(empty)
		return
	}
	sb.WriteByte('(')
	for i := range kids {
		if i > 0 {
			sb.WriteString(sep)
		}
		b.node(sb, &kids[i], joinPath(path, fmt.Sprintf("%s[%d]", name, i)), depth+1)
	}
	sb.WriteByte(')')
}

// rule checks one property rule and writes its call, e.g. op_gt(rec(record, "age"), lit(0)).
func (b *builder) rule(sb *strings.Builder, f *Filter, path string) {
	name, event, ok := b.property(f.Property, path)
	op, opOK := b.op(f, path, name)
	if !ok || !opOK {
		sb.WriteString("false")
		return
	}
	b.refs[displayName(name, event)] = true
	shown := displayName(name, event)

	schema, assocType, assocName := b.schema, "", ""
	if !event && b.associated != nil {
		if prefix, rest, dotted := strings.Cut(name, "."); dotted {
			_, own := lookupSchema(b.schema, name)
			if as, ok := b.associated(prefix); ok && !own {
				schema, assocType, assocName = as, prefix, rest
				b.assoc[prefix] = true
			}
		}
	}
	var typ Type
	if !event {
		if t, known := lookupSchema(schema, strings.TrimPrefix(name, assocType+".")); known {
			if _, listed := opTypes[t]; listed {
				typ = t
			}
		}
	}
	if typ != "" && !hasOp(opTypes[typ], op) {
		b.problem(path, "property %q is %s, so operator %q does not apply; use %s", shown, typeNames[typ], op, joinOr(opTypes[typ]))
		sb.WriteString("false")
		return
	}
	o, ok := b.value(f.Value, op, typ, shown, path)
	if !ok {
		sb.WriteString("false")
		return
	}
	getter := fmt.Sprintf("rec(record, %q)", name)
	switch {
	case event:
		getter = fmt.Sprintf("evt(event, %q)", name)
	case assocType != "":
		getter = fmt.Sprintf("asc(__assoc, %q, %q)", assocType, assocName)
	}
	switch op {
	case OpIsKnown, OpIsUnknown:
		fmt.Fprintf(sb, "op_%s(%s)", op, getter)
	case OpWithinLast:
		fmt.Fprintf(sb, "op_%s(%s, lit(%d), now)", op, getter, len(b.operands))
		b.operands = append(b.operands, o)
	default:
		fmt.Fprintf(sb, "op_%s(%s, lit(%d))", op, getter, len(b.operands))
		b.operands = append(b.operands, o)
	}
}

func displayName(name string, event bool) string {
	if event {
		return "event." + name
	}
	return name
}

// property validates a property path and returns the name to look up (record key, or the
// dotted path inside the event) and whether it is an event path.
func (b *builder) property(p, path string) (name string, event bool, ok bool) {
	if p == "" {
		b.problem(path, "this condition has no property; choose the property to test")
		return "", false, false
	}
	if len(p) > MaxPropertyLen {
		b.problem(path, "property name %q is longer than %d characters; use a shorter name", p[:32]+"...", MaxPropertyLen)
		return "", false, false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			b.problem(path, "property %q is not a valid name; use only letters, digits, _, - and .", p)
			return "", false, false
		}
	}
	name = p
	switch {
	case p == "event" || p == "record":
		b.problem(path, "property %q names the whole %s; name a field inside it, like %q", p, p, p+".name")
		return "", false, false
	case strings.HasPrefix(p, "event."):
		name, event = p[len("event."):], true
	case strings.HasPrefix(p, "record."):
		name = p[len("record."):]
	}
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") || (event && name == "") {
		b.problem(path, "property %q has an empty part between dots; write it like \"event.webinar.id\"", p)
		return "", false, false
	}
	return name, event, true
}

// op validates the operator.
func (b *builder) op(f *Filter, path, name string) (Op, bool) {
	label := name
	if label == "" {
		label = f.Property
	}
	if f.Op == "" {
		b.problem(path, "property %q has no operator; use one of %s", label, joinOr(Ops))
		return "", false
	}
	if !hasOp(Ops, f.Op) {
		b.problem(path, "property %q: operator %q is not known; use one of %s", label, truncate(string(f.Op), 40), joinOr(Ops))
		return "", false
	}
	return f.Op, true
}

// jsonKind classifies a rule value: "null", "string", "number", "bool", "list", "object".
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "number"
	case map[string]any:
		return "object"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "unsupported"
}

// describe quotes a value for a message.
func describe(v any) string {
	switch jsonKind(v) {
	case "string":
		return strconv.Quote(truncate(v.(string), 40))
	case "number", "bool":
		return fmt.Sprint(v)
	case "list":
		return "a list"
	case "object":
		return "an object"
	case "null":
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// opWords are the operators as the filter editor shows them, so a message names the choice the
// user made ("score is at least"), not its JSON code.
var opWords = map[Op]string{
	OpEq: "is", OpNeq: "is not", OpGt: "is greater than", OpGte: "is at least", OpLt: "is less than",
	OpLte: "is at most", OpIn: "is any of", OpNotIn: "is none of", OpContains: "contains",
	OpNotContains: "does not contain", OpStartsWith: "starts with", OpEndsWith: "ends with",
	OpIsKnown: "is known", OpIsUnknown: "is unknown", OpBefore: "is before", OpAfter: "is after",
	OpWithinLast: "is within the last",
}

// said is a rule as the user reads it: the property and the operator's words.
func said(prop string, op Op) string {
	if w, ok := opWords[op]; ok {
		return prop + " " + w
	}
	return prop + " " + string(op)
}

// scalarOperand builds the operand of a scalar value, or nil for a list/object/null.
func scalarOperand(v any) *operand {
	o := &operand{}
	switch x := v.(type) {
	case string:
		o.isStr, o.str, o.lower = true, x, strings.ToLower(x)
		o.num, o.hasNum = parseNumber(x)
		o.b, o.hasBool = parseBool(x)
		o.t, o.dateOnly, o.hasTime = parseDate(x)
		if !o.hasTime {
			o.dateOnly = false
		}
	case bool:
		o.b, o.hasBool = x, true
		o.str = strconv.FormatBool(x)
		o.lower = o.str
	default:
		if jsonKind(v) != "number" {
			return nil
		}
		n, ok := toNumber(v)
		if !ok {
			return nil
		}
		o.num, o.hasNum = n, true
		o.str = strconv.FormatFloat(n, 'f', -1, 64)
		o.lower = o.str
	}
	return o
}

// value checks a rule value against the operator and declared type, returning the operand.
func (b *builder) value(v any, op Op, typ Type, prop, path string) (*operand, bool) {
	kind := jsonKind(v)
	if op == OpIsKnown || op == OpIsUnknown {
		if kind != "null" {
			b.problem(path, "condition %q takes no value; remove the value %s", said(prop, op), describe(v))
			return nil, false
		}
		return nil, true
	}
	need := valueNeed(op)
	if kind == "null" {
		b.problem(path, "condition %q needs a value: %s", said(prop, op), need)
		return nil, false
	}
	bad := func() (*operand, bool) {
		b.problem(path, "condition %q needs %s, not %s", said(prop, op), need, describe(v))
		return nil, false
	}
	switch op {
	case OpIn, OpNotIn:
		if kind != "list" {
			return bad()
		}
		els, _ := elements(v)
		if len(els) == 0 {
			b.problem(path, "condition %q needs at least one value in its list, like [\"lead\", \"mql\"]", said(prop, op))
			return nil, false
		}
		o := &operand{}
		good := true
		for i, e := range els {
			item := scalarOperand(e)
			if item == nil {
				b.problem(path, "condition %q: item %d of the list is %s; use only text, numbers or true/false", said(prop, op), i+1, describe(e))
				good = false
				continue
			}
			if !b.fitsType(item, e, typ, prop, path) {
				good = false
				continue
			}
			o.list = append(o.list, item)
		}
		return o, good
	case OpWithinLast:
		s, isStr := v.(string)
		if !isStr {
			return bad()
		}
		d, ok := parseWithin(s)
		if !ok {
			return bad()
		}
		return &operand{dur: d, isStr: true, str: s}, true
	}
	o := scalarOperand(v)
	if o == nil {
		return bad()
	}
	switch op {
	case OpGt, OpGte, OpLt, OpLte:
		if !o.hasNum && !o.hasTime {
			return bad()
		}
		if o.hasTime {
			o.hasNum = false
		}
	case OpBefore, OpAfter:
		if !o.hasTime {
			if o.hasNum && !o.isStr {
				o.t, o.hasTime = fromUnixMilli(o.num)
				o.hasNum = false
			}
			if !o.hasTime {
				return bad()
			}
		}
	case OpContains, OpNotContains, OpStartsWith, OpEndsWith:
		if o.hasBool && !o.isStr || o.str == "" {
			return bad()
		}
	}
	if !b.fitsType(o, v, typ, prop, path) {
		return nil, false
	}
	return o, true
}

// fitsType checks that a scalar value suits the property's declared type.
func (b *builder) fitsType(o *operand, v any, typ Type, prop, path string) bool {
	var ok bool
	var want string
	switch typ {
	case "":
		return true
	case TypeNumber, TypeInteger:
		ok, want = o.hasNum, "give a number like 30"
	case TypeString, TypeEnum, TypeMulti, TypeEmail, TypePhone, TypeURL:
		ok, want = o.isStr, "give text in quotes"
	case TypeBool:
		ok, want = o.hasBool, "give true or false"
	case TypeDate, TypeDatetime:
		if !o.hasTime && o.hasNum {
			o.t, o.hasTime = fromUnixMilli(o.num) // a number for a date property is unix ms
		}
		if o.hasTime {
			o.hasNum = false
		}
		ok, want = o.hasTime, `give a date like "2026-01-31" or "2026-01-31T09:00:00Z"`
	default:
		return true
	}
	if !ok {
		b.problem(path, "property %q is %s, so %s does not fit; %s", prop, typeNames[typ], describe(v), want)
	}
	return ok
}

// valueNeed says what kind of value an operator takes.
func valueNeed(op Op) string {
	switch op {
	case OpEq, OpNeq:
		return "a text, number or true/false value"
	case OpGt, OpGte, OpLt, OpLte:
		return `a number or a date (like 30 or "2026-01-31")`
	case OpIn, OpNotIn:
		return `a non-empty list of values (like ["lead", "mql"])`
	case OpContains, OpNotContains, OpStartsWith, OpEndsWith:
		return "a non-empty text or number"
	case OpBefore, OpAfter:
		return `a date (like "2026-01-31" or "2026-01-31T09:00:00Z")`
	case OpWithinLast:
		return `a duration (like "90s", "15m", "2h", "3d" or "2w")`
	}
	return "a value"
}

func hasOp(list []Op, op Op) bool {
	for _, o := range list {
		if o == op {
			return true
		}
	}
	return false
}

// joinOr renders "a, b or c".
func joinOr(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return joinWords(s, "or")
}

func joinAnd(s []string) string { return joinWords(s, "and") }

func joinWords(s []string, last string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " " + last + " " + s[len(s)-1]
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// lookupSchema asks a schema for a property's type (a nil schema knows none).
func lookupSchema(s Schema, name string) (Type, bool) {
	if s == nil {
		return "", false
	}
	return s(name)
}
