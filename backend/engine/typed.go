package engine

import (
	"fmt"
	"sort"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Every write of record properties (an event, PATCH, a webhook, a step) passes through typed or
// typedOp: values are converted to the property's declared type by package property, or the
// write is refused naming the property. A property nobody declared yet gets the type the write
// declares for it (a webhook mapping's "type") or the one its first value suggests.

// typed returns props converted to their types; field prefixes the property names in errors
// ("record.properties"). Every bad property is reported at once; Field names the first.
func (e *Engine) typed(field, object string, props map[string]any, types map[string]string) (map[string]any, error) {
	if len(props) == 0 {
		return props, nil
	}
	out := make(map[string]any, len(props))
	bad := &problem.Error{Code: problem.CodeInput}
	for _, k := range sortedKeys(props) {
		cv, err := e.convertValue(object, k, props[k], types[k])
		if err != nil {
			bad.Add(field+"."+k, "%v", err)
			continue
		}
		out[k] = cv
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// convertValue converts one value to the type of object's property name (declared, else hint,
// else inferred). nil stays nil: it clears the property.
func (e *Engine) convertValue(object, name string, v any, hint string) (any, error) {
	if v == nil {
		return nil, nil
	}
	t, opts := hint, []string(nil)
	if p, ok := e.Property(object, name); ok {
		t, opts = p.Type, p.Options
	} else if !property.Valid(t) {
		t = property.Infer(v)
	}
	cv, err := property.Convert(v, t, opts)
	if err != nil {
		return nil, fmt.Errorf("%v; %q holds %s", err, name, property.Noun(t))
	}
	return cv, nil
}

// typedLists checks the values an event adds to or removes from multi-value properties: the
// property must hold a list, and the values are text.
func (e *Engine) typedLists(field, object string, ops map[string][]any) error {
	for _, k := range sortedKeys(ops) {
		if p, ok := e.Property(object, k); ok && p.Type != property.Multi {
			return badInput(field+"."+k, "%q holds %s, not a list of values; set it in \"properties\" instead", k, property.Noun(p.Type))
		}
		for i, v := range ops[k] {
			s, err := property.ToText(v)
			if err != nil {
				return badInput(field+"."+k, "value %d: %v", i, err)
			}
			ops[k][i] = s
		}
	}
	return nil
}

// typedOp runs op and converts the property it changed, so a step writes by the same rules as
// the API; a value that does not convert fails the step with the reason and leaves the
// property as it was.
func (e *Engine) typedOp(object, name string, op propOp) propOp {
	return func(p map[string]any) error {
		old, had := p[name]
		if err := op(p); err != nil {
			return err
		}
		cv, err := e.convertValue(object, name, p[name], "")
		if err != nil {
			if had {
				p[name] = old
			} else {
				delete(p, name)
			}
			return fmt.Errorf("cannot write %s: %w", name, err)
		}
		if cv == nil {
			delete(p, name)
		} else {
			p[name] = cv
		}
		return nil
	}
}

// checkUnique refuses a write that gives a unique property a value another record of the type
// holds. names are the properties the write touched; field prefixes them in the error.
func (e *Engine) checkUnique(tx store.Tx, rec *store.Record, names map[string]any, field string) error {
	for _, k := range sortedKeys(names) {
		p, ok := e.Property(rec.Type, k)
		if !ok || !p.Unique {
			continue
		}
		v := rec.Properties[k]
		other, err := tx.RecordWithValue(rec.Type, k, v, rec.ID)
		if err != nil {
			return err
		}
		if other != 0 {
			return &ConflictError{Field: field + "." + k, RecordID: other,
				Message: fmt.Sprintf("%s %d already has %s %s, and %q is unique; change the value or update record %d instead", rec.Type, other, k, property.Quote(v), k, other)}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// changedProps lists the properties a record change touched (with their new values).
func changedProps(c *store.RecordChange) map[string]any {
	out := map[string]any{}
	for k, v := range c.Record.Properties {
		if old, ok := c.Old[k]; !ok || fmt.Sprint(old) != fmt.Sprint(v) {
			out[k] = v
		}
	}
	return out
}
