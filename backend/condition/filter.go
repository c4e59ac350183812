package condition

// Op is a filter operator.
type Op string

// The filter operators a marketer can pick.
const (
	OpEq          Op = "eq"
	OpNeq         Op = "neq"
	OpGt          Op = "gt"
	OpGte         Op = "gte"
	OpLt          Op = "lt"
	OpLte         Op = "lte"
	OpIn          Op = "in"
	OpNotIn       Op = "not_in"
	OpContains    Op = "contains"
	OpNotContains Op = "not_contains"
	OpStartsWith  Op = "starts_with"
	OpEndsWith    Op = "ends_with"
	OpIsKnown     Op = "is_known"
	OpIsUnknown   Op = "is_unknown"
	OpBefore      Op = "before"
	OpAfter       Op = "after"
	OpWithinLast  Op = "within_last"
)

// Ops lists every operator in the order the UI offers them.
var Ops = []Op{OpEq, OpNeq, OpGt, OpGte, OpLt, OpLte, OpIn, OpNotIn, OpContains, OpNotContains,
	OpStartsWith, OpEndsWith, OpIsKnown, OpIsUnknown, OpBefore, OpAfter, OpWithinLast}

// List membership operators: a list rule ({"list": "vip", "op": "member"}) tests whether the
// record is in a list. They are not property operators, so they are not in Ops.
const (
	OpMember    Op = "member"
	OpNotMember Op = "not_member"
)

// ListOps lists the list membership operators.
var ListOps = []Op{OpMember, OpNotMember}

// Workflow status operators: a workflow rule ({"workflow": "onboarding", "op": "goal_reached"})
// tests whether the record has reached that workflow's goal, as HubSpot's workflow-status
// criteria do. Reaching a goal is a membership like a list's: it is read from Env.Lists under
// GoalKey(workflow), so everything that loads a record's lists for list rules loads it too.
const (
	OpGoalReached    Op = "goal_reached"
	OpNotGoalReached Op = "not_goal_reached"
)

// WorkflowOps lists the workflow status operators.
var WorkflowOps = []Op{OpGoalReached, OpNotGoalReached}

// GoalKey is the Env.Lists key that says the record reached a workflow's goal. List ids are
// slugs without a colon, so it never names a list.
func GoalKey(workflow string) string { return "goal:" + workflow }

// MaxRules is the most rules one filter may hold (HubSpot allows 250 per trigger).
const MaxRules = 250

// Filter is one node of a structured filter. Exactly one of these forms is used:
//   - a group: All (every child must match) or Any (at least one child must match);
//   - a rule: Property, Op and (unless the op is is_known/is_unknown) Value;
//   - a list rule: List (a list id) and Op member or not_member;
//   - a workflow rule: Workflow (a workflow id) and Op goal_reached or not_goal_reached;
//   - a raw expression: Expr, an expr-lang boolean expression for power users.
//
// A bare Property names a record property; "event.<path>" names a field of the
// event that triggered the enrollment (or the event being matched by a trigger).
type Filter struct {
	All      []Filter `json:"all,omitempty"`
	Any      []Filter `json:"any,omitempty"`
	Property string   `json:"property,omitempty"`
	List     string   `json:"list,omitempty"`
	Workflow string   `json:"workflow,omitempty"`
	Op       Op       `json:"op,omitempty"`
	Value    any      `json:"value,omitempty"`
	Expr     string   `json:"expr,omitempty"`
}

// Type is the data type of a record property, used to check that an operator fits.
type Type string

// Property data types.
const (
	TypeString Type = "string"
	TypeNumber Type = "number"
	TypeBool   Type = "bool"
	TypeDate   Type = "date"
	TypeEnum   Type = "enum"
	TypeMulti  Type = "multi" // multi-value (a list of strings, e.g. tags)
	// Refinements of the types above (package property converts values to them): operators
	// and values are checked as for number, date and text.
	TypeInteger  Type = "integer"
	TypeDatetime Type = "datetime"
	TypeEmail    Type = "email"
	TypePhone    Type = "phone"
	TypeURL      Type = "url"
)

// Schema tells the declared type of a record property; ok is false for an unknown property,
// in which case no operator/type check is made for it.
type Schema func(property string) (t Type, ok bool)
