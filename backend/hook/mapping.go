package hook

import (
	"fmt"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
	"github.com/flowdesk/flowdesk/backend/problem"
)

// mappingError is every problem found turning a payload into a record and an event; each
// problem's Field is the payload path (or the setting) at fault.
func mappingError(ps []Problem) *problem.Error {
	return &problem.Error{Code: problem.CodeMapping, Problems: ps}
}

// Plan is a validated configuration compiled for the hot path: parsed paths and the filter
// program. It is safe for concurrent use.
type Plan struct {
	cfg       Config // effective (preset applied)
	eventPath Path
	occurred  Path
	scope     []scopePath
	fields    []planField
	include   []Path
	exclude   []Path
	filter    *condition.Program
}

type scopePath struct {
	key  string
	path Paths
}

type planField struct {
	Field
	path     Paths
	declares bool // the mapping names the type, which declares a property nobody declared yet
}

// Compile validates c and compiles it; the error is a *problem.Error with every problem.
func Compile(c Config, objects []string) (*Plan, error) {
	if ps := c.Validate(objects); len(ps) > 0 {
		return nil, configError(ps)
	}
	eff := c.Effective()
	p := &Plan{cfg: eff}
	if eff.Event.Path != "" {
		p.eventPath, _ = ParsePath(eff.Event.Path)
	}
	if eff.OccurredAt != "" {
		p.occurred, _ = ParsePath(eff.OccurredAt)
	}
	for _, k := range sortedKeys(eff.Scope) {
		sp, _ := ParsePaths(eff.Scope[k])
		p.scope = append(p.scope, scopePath{k, sp})
	}
	for _, f := range eff.Mapping {
		fp, _ := ParsePaths(f.Path)
		declares := f.Type != ""
		if f.Type == "" {
			f.Type = TypeString
			if fp.multi() || f.Op == OpAdd || f.Op == OpRemove {
				f.Type = TypeMulti
			}
		}
		p.fields = append(p.fields, planField{Field: f, path: fp, declares: declares})
	}
	for _, s := range eff.Include {
		ip, _ := ParsePath(s)
		p.include = append(p.include, ip)
	}
	for _, s := range eff.Exclude {
		ep, _ := ParsePath(s)
		p.exclude = append(p.exclude, ep)
	}
	if eff.Filter != nil {
		prog, err := condition.Compile(*eff.Filter, condition.Options{})
		if err != nil {
			return nil, configError([]Problem{{Field: "filter", Message: err.Error()}})
		}
		p.filter = prog
	}
	return p, nil
}

// Config returns the effective configuration (preset applied).
func (p *Plan) Config() Config { return p.cfg }

// Mapped is a payload turned into what the engine ingests.
type Mapped struct {
	Type       string
	Scope      map[string]string
	Props      map[string]any
	Add        map[string][]any  // values to add to multi-value properties (Field.Op "add")
	Remove     map[string][]any  // values to take out of them (Field.Op "remove")
	Types      map[string]string // the types the mapping names, for properties not declared yet
	Sources    map[string]Source // property -> where in the payload its value came from
	Data       map[string]any
	OccurredAt *time.Time
	MatchValue any // the value of the match property
}

// Source is where a mapped property's value came from: the mapping's payload path and the
// value there before conversion (a form's fields are text).
type Source struct {
	Path  string
	Value any
}

// Map turns a payload into properties, event type, scope and data. Every problem is reported
// at once in a *problem.Error.
func (p *Plan) Map(payload map[string]any) (*Mapped, error) {
	var ps []Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	m := &Mapped{Props: make(map[string]any, len(p.fields)), Sources: make(map[string]Source, len(p.fields))}
	switch {
	case p.cfg.Event.Type != "":
		m.Type = p.cfg.Event.Type
	case !p.eventPath.IsZero():
		v, ok := p.eventPath.Extract(payload)
		s, isStr := v.(string)
		switch {
		case !ok:
			add(p.eventPath.String(), "is missing; it names the event type")
		case !isStr || s == "":
			add(p.eventPath.String(), "%s is not an event type", quote(v))
		default:
			m.Type = p.cfg.Event.Prefix + s
			if !eventTypeRe.MatchString(m.Type) {
				add(p.eventPath.String(), "%q is not a valid event type: use letters, digits and . _ : - (at most 128)", m.Type)
			}
		}
	default:
		add("event", "this endpoint has no event type yet; set \"event\" to a type or {\"path\": ...} in its settings")
	}
	if len(p.fields) == 0 {
		add("mapping", "this endpoint maps no fields yet; map the payload path that holds the %s in its settings", p.cfg.Match)
	}
	for _, f := range p.fields {
		if m.Type != "" && !f.appliesTo(m.Type) {
			continue
		}
		v, ok := f.path.Extract(payload)
		if !ok {
			if f.Required {
				add(f.Path, "is missing; it is required for property %q", f.Property)
			}
			continue
		}
		cv, err := convert(v, f.Type, f.Values)
		if err != nil {
			add(f.Path, "%v", err)
			continue
		}
		if s, isStr := cv.(string); isStr && s == "" && f.Property == p.cfg.Match {
			if f.Required {
				add(f.Path, "is empty; it is required for property %q", f.Property)
			}
			continue
		}
		switch f.Op {
		case OpAdd, OpRemove:
			list, _ := cv.([]any)
			if len(list) == 0 {
				continue
			}
			if f.Op == OpAdd {
				m.Add = addValues(m.Add, f.Property, list)
			} else {
				m.Remove = addValues(m.Remove, f.Property, list)
			}
		default:
			m.Props[f.Property] = cv
			m.Sources[f.Property] = Source{Path: f.Path, Value: v}
			if f.declares {
				if m.Types == nil {
					m.Types = map[string]string{}
				}
				m.Types[f.Property] = f.Type
			}
		}
	}
	if len(p.fields) > 0 {
		if v, ok := m.Props[p.cfg.Match]; ok {
			m.MatchValue = v
		} else if !hasProblemFor(ps, p.matchPath()) {
			add(p.matchPath(), "is missing; it holds the %s that identifies the record", p.cfg.Match)
		}
	}
	if !p.occurred.IsZero() {
		if v, ok := p.occurred.Extract(payload); ok {
			s, err := toDate(v)
			if err != nil {
				add(p.occurred.String(), "%v", err)
			} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				m.OccurredAt = &t
			} else if t, err := time.Parse(time.DateOnly, s); err == nil {
				m.OccurredAt = &t
			}
		}
	}
	for _, sp := range p.scope {
		v, ok := sp.path.Extract(payload)
		if !ok {
			continue
		}
		s, err := toString(v)
		if err != nil || s == "" {
			continue
		}
		if m.Scope == nil {
			m.Scope = map[string]string{}
		}
		m.Scope[sp.key] = s
	}
	if len(ps) > 0 {
		return nil, mappingError(ps)
	}
	m.Data = p.data(payload)
	return m, nil
}

func addValues(m map[string][]any, property string, values []any) map[string][]any {
	if m == nil {
		m = map[string][]any{}
	}
	m[property] = append(m[property], values...)
	return m
}

func hasProblemFor(ps []Problem, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}

func (p *Plan) matchPath() string {
	for _, f := range p.fields {
		if f.Property == p.cfg.Match {
			return f.Path
		}
	}
	return "match"
}

// Filter reports whether the mapped delivery passes the endpoint's filter (bare properties are
// the mapped properties, event.<path> reads the payload).
func (p *Plan) Filter(m *Mapped, payload map[string]any, now time.Time) (bool, error) {
	if p.filter == nil {
		return true, nil
	}
	ok, err := p.filter.Match(condition.Env{Record: m.Props, Event: payload, Now: now})
	if err != nil {
		return false, mappingError([]Problem{{Field: "filter", Message: err.Error()}})
	}
	return ok, nil
}

// data applies include and exclude to the payload: the event's data.
func (p *Plan) data(payload map[string]any) map[string]any {
	data := payload
	if len(p.include) > 0 {
		data = map[string]any{}
		for _, ip := range p.include {
			if v, ok := ip.Extract(payload); ok {
				setPath(data, ip, v)
			}
		}
	}
	for _, ep := range p.exclude {
		data = deletePath(data, ep.segs)
	}
	return data
}

// setPath stores v at a key-only path, creating objects on the way.
func setPath(m map[string]any, p Path, v any) {
	for i, s := range p.segs {
		if i == len(p.segs)-1 {
			m[s.key] = v
			return
		}
		next, ok := m[s.key].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[s.key] = next
		}
		m = next
	}
}

// deletePath returns m without the key-only path, copying only the objects it changes.
func deletePath(m map[string]any, segs []segment) map[string]any {
	if len(segs) == 0 {
		return m
	}
	v, ok := m[segs[0].key]
	if !ok {
		return m
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if len(segs) == 1 {
		delete(out, segs[0].key)
		return out
	}
	child, isObj := v.(map[string]any)
	if !isObj {
		return m
	}
	out[segs[0].key] = deletePath(child, segs[1:])
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
