package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/property"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Declaring, changing and deleting properties and object types (the Properties screen and
// /api/properties, /api/objects).

var objectNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Limits of a declaration.
const (
	MaxOptions    = 500
	MaxLabel      = 200
	convertBatch  = 500 // records converted per transaction when a type changes
	sampleRecords = 5   // record ids named when values do not convert
)

// PropertyList returns the declared properties of object ("" for every object type).
func (e *Engine) PropertyList(object string) []store.Property {
	e.schemaMu.RLock()
	defer e.schemaMu.RUnlock()
	var out []store.Property
	for o, ps := range e.schema {
		if object != "" && o != object {
			continue
		}
		for _, p := range ps {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// checkDeclaration reports everything wrong with a declaration at once.
func (e *Engine) checkDeclaration(p *store.Property) error {
	bad := &problem.Error{Code: problem.CodeInput}
	add := bad.Add
	if !e.knownObject(p.Object) {
		add("object", "unknown object type %q; use one of %s or create it first", p.Object, strings.Join(sortedStrings(e.Objects()), ", "))
	}
	if !propNameRe.MatchString(p.Name) {
		add("name", "property names start with a letter or _ and use letters, digits, _ or - (at most 128)")
	}
	if !property.Valid(p.Type) {
		add("type", "%q is not a property type; use one of %s", p.Type, strings.Join(property.Types, ", "))
	}
	p.Label = strings.TrimSpace(p.Label)
	if len(p.Label) > MaxLabel {
		add("label", "the label is %d bytes long; the limit is %d", len(p.Label), MaxLabel)
	}
	if p.Label == "" {
		p.Label = p.Name
	}
	if p.Options == nil {
		p.Options = []string{}
	}
	if len(p.Options) > 0 && p.Type != property.Enum {
		add("options", "options are the allowed values of an enum; use \"type\": \"enum\" or leave them out")
	}
	if len(p.Options) > MaxOptions {
		add("options", "%d options; the limit is %d", len(p.Options), MaxOptions)
	}
	seen := map[string]bool{}
	for i, o := range p.Options {
		o = strings.TrimSpace(o)
		p.Options[i] = o
		switch {
		case o == "":
			add(fmt.Sprintf("options[%d]", i), "an option is empty; remove it or give it a value")
		case seen[strings.ToLower(o)]:
			add(fmt.Sprintf("options[%d]", i), "%q is listed twice", o)
		}
		seen[strings.ToLower(o)] = true
	}
	if p.Unique && (p.Type == property.Multi || p.Type == property.Bool) {
		add("unique", "a %s property cannot be unique; only single values can be", p.Type)
	}
	return bad.Err()
}

// CreateProperty declares a property; a property of that name already declared is a conflict.
func (e *Engine) CreateProperty(ctx context.Context, p store.Property) (store.Property, error) {
	if err := e.checkDeclaration(&p); err != nil {
		return p, err
	}
	if _, ok := e.Property(p.Object, p.Name); ok {
		return p, fmt.Errorf("%s property %q is declared already; change it instead: %w", p.Object, p.Name, store.ErrConflict)
	}
	err := e.db.Write(ctx, func(tx store.Tx) error {
		added, err := tx.DeclareProperty(p)
		if err != nil {
			return err
		}
		if !added {
			return fmt.Errorf("%s property %q is declared already; change it instead: %w", p.Object, p.Name, store.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("declare property: %w", err)
	}
	e.replaceProperty(p, false)
	return p, nil
}

// PropertyPatch is a change to a declaration; nil fields stay as they are.
type PropertyPatch struct {
	Label   *string   `json:"label"`
	Type    *string   `json:"type"`
	Options *[]string `json:"options"`
	Unique  *bool     `json:"unique"`
}

// ConvertError refuses a type or options change that values records hold cannot take.
type ConvertError struct {
	Count   int     // values that would not convert
	Records []int64 // a few of the records holding them
	Example string  // why the first one does not convert
}

func (e *ConvertError) Error() string {
	return fmt.Sprintf("%d value(s) would not convert (records %s): %s; change or clear them first", e.Count, joinIDs(e.Records), e.Example)
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

// UpdateProperty changes a declaration. A new type or new options first check every value the
// object's records hold: if any would not convert, nothing changes (a *ConvertError). Otherwise
// the declaration changes at once (so new writes follow it) and the values are converted in
// batches of convertBatch records per transaction. It returns how many values were converted.
func (e *Engine) UpdateProperty(ctx context.Context, object, name string, patch PropertyPatch) (store.Property, int, error) {
	cur, ok := e.Property(object, name)
	if !ok {
		return cur, 0, fmt.Errorf("%s property %q: %w", object, name, store.ErrNotFound)
	}
	next := cur
	next.Options = append([]string(nil), cur.Options...)
	if patch.Label != nil {
		next.Label = *patch.Label
	}
	if patch.Type != nil {
		next.Type = *patch.Type
	}
	if patch.Options != nil {
		next.Options = append([]string{}, (*patch.Options)...)
	}
	if patch.Unique != nil {
		next.Unique = *patch.Unique
	}
	if patch.Type != nil && *patch.Type != property.Enum && patch.Options == nil {
		next.Options = []string{}
	}
	if err := e.checkDeclaration(&next); err != nil {
		return cur, 0, err
	}
	reconvert := next.Type != cur.Type || strings.Join(next.Options, "\x00") != strings.Join(cur.Options, "\x00")
	if reconvert {
		if err := e.convertible(ctx, next); err != nil {
			return cur, 0, err
		}
	}
	err := e.db.Write(ctx, func(tx store.Tx) error {
		if next.Unique && !cur.Unique {
			n, err := tx.DuplicateValues(object, name)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%d value(s) of %q are held by more than one %s; make them distinct before making the property unique: %w", n, name, object, store.ErrConflict)
			}
		}
		return tx.UpdateProperty(next)
	})
	if err != nil {
		return cur, 0, fmt.Errorf("change property %s.%s: %w", object, name, err)
	}
	e.replaceProperty(next, false)
	if !reconvert {
		return next, 0, nil
	}
	n, err := e.convertValues(ctx, next)
	return next, n, err
}

// convertible checks every value of the property against its new declaration.
func (e *Engine) convertible(ctx context.Context, p store.Property) error {
	var ce ConvertError
	for after := int64(0); ; {
		recs, err := e.db.RecordsPage(ctx, p.Object, after, convertBatch)
		if err != nil {
			return err
		}
		for _, r := range recs {
			v, ok := r.Properties[p.Name]
			if !ok || v == nil {
				continue
			}
			if _, err := property.Convert(v, p.Type, p.Options); err != nil {
				ce.Count++
				if len(ce.Records) < sampleRecords {
					ce.Records = append(ce.Records, r.ID)
				}
				if ce.Example == "" {
					ce.Example = fmt.Sprintf("record %d: %v", r.ID, err)
				}
			}
		}
		if len(recs) < convertBatch {
			break
		}
		after = recs[len(recs)-1].ID
	}
	if ce.Count > 0 {
		return &ce
	}
	return nil
}

// convertValues rewrites the property's values to its declared type, a batch per transaction.
// A value written with the old type between the check and this pass, and that does not
// convert, is left as it is (and counted in the log).
func (e *Engine) convertValues(ctx context.Context, p store.Property) (int, error) {
	converted, skipped := 0, 0
	for after := int64(0); ; {
		var n int
		err := e.db.Write(ctx, func(tx store.Tx) error {
			recs, err := tx.RecordsPage(p.Object, after, convertBatch)
			if err != nil {
				return err
			}
			n = len(recs)
			for _, r := range recs {
				after = r.ID
				v, ok := r.Properties[p.Name]
				if !ok || v == nil {
					continue
				}
				cv, err := property.Convert(v, p.Type, p.Options)
				if err != nil {
					skipped++
					continue
				}
				change, err := tx.UpdateRecord(r, func(props map[string]any) error { props[p.Name] = cv; return nil }, e.clock.Now())
				if err != nil {
					return err
				}
				if change.Changed {
					converted++
				}
			}
			return nil
		})
		if err != nil {
			return converted, fmt.Errorf("convert %s.%s values: %w", p.Object, p.Name, err)
		}
		if n < convertBatch {
			break
		}
	}
	if skipped > 0 {
		e.log.Warn("values written during a type change were left unconverted", "property", p.Object+"."+p.Name, "values", skipped)
	}
	return converted, nil
}

// DeleteProperty removes a declaration that nothing uses. usedBy lists users found outside the
// engine (webhook mappings); the engine adds the workflows. A property in use is refused with
// a *InUseError naming every user.
func (e *Engine) DeleteProperty(ctx context.Context, object, name string, usedBy []string) error {
	if _, ok := e.Property(object, name); !ok {
		return fmt.Errorf("%s property %q: %w", object, name, store.ErrNotFound)
	}
	wfs, err := e.WorkflowsUsing(ctx, object, name)
	if err != nil {
		return err
	}
	if users := append(wfs, usedBy...); len(users) > 0 {
		return &InUseError{What: fmt.Sprintf("%s property %q", object, name), Users: users}
	}
	if err := e.db.Write(ctx, func(tx store.Tx) error { return tx.DeleteProperty(object, name) }); err != nil {
		return fmt.Errorf("delete property: %w", err)
	}
	e.replaceProperty(store.Property{Object: object, Name: name}, true)
	return nil
}

// InUseError refuses to delete something others use; Users names them.
type InUseError struct {
	What  string
	Users []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is used by %s; change them first", e.What, strings.Join(e.Users, ", "))
}

// WorkflowsUsing names the workflows of an object type whose definition reads or writes the
// property: filter rules, step fields (property, from, to, date_property) and tokens.
func (e *Engine) WorkflowsUsing(ctx context.Context, object, name string) ([]string, error) {
	wfs, err := e.db.Workflows(ctx)
	if err != nil {
		return nil, err
	}
	token := regexp.MustCompile(`\{\{\s*[a-z_]+\.` + regexp.QuoteMeta(name) + `\b|\brecord\.` + regexp.QuoteMeta(name) + `\b`)
	var out []string
	for _, w := range wfs {
		if w.Object != object {
			continue
		}
		var def any
		if err := json.Unmarshal(w.Definition, &def); err != nil {
			continue
		}
		if refers(def, name, token) {
			out = append(out, fmt.Sprintf("workflow %q (%s)", w.Name, w.ID))
		}
	}
	return out, nil
}

// refers walks a decoded definition looking for the property.
func refers(v any, name string, token *regexp.Regexp) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			switch k {
			case "property", "from", "date_property":
				if s, ok := el.(string); ok && (s == name || s == "record."+name) {
					return true
				}
			case "to":
				if l, ok := el.([]any); ok {
					for _, t := range l {
						if t == name {
							return true
						}
					}
				}
			}
			if refers(el, name, token) {
				return true
			}
		}
	case []any:
		for _, el := range x {
			if refers(el, name, token) {
				return true
			}
		}
	case string:
		return token.MatchString(x)
	}
	return false
}

// CreateObject declares a custom object type; its primary property is declared as text when it
// is not a property yet.
func (e *Engine) CreateObject(ctx context.Context, o store.ObjectType) (store.ObjectType, error) {
	o.Label, o.Primary = strings.TrimSpace(o.Label), strings.TrimSpace(o.Primary)
	bad := &problem.Error{Code: problem.CodeInput}
	note := func(f, msg string) { bad.Add(f, "%s", msg) }
	if !objectNameRe.MatchString(o.Name) {
		note("name", "object type names are 1-64 lowercase letters, digits or _, starting with a letter (like \"invoice\")")
	}
	if len(o.Label) > MaxLabel {
		note("label", fmt.Sprintf("the label is %d bytes long; the limit is %d", len(o.Label), MaxLabel))
	}
	if o.Primary == "" {
		o.Primary = "name"
	}
	if !propNameRe.MatchString(o.Primary) {
		note("primary", "the primary property is a property name: a letter or _ then letters, digits, _ or -")
	}
	if err := bad.Err(); err != nil {
		return o, err
	}
	if o.Label == "" {
		o.Label = o.Name
	}
	if e.knownObject(o.Name) {
		return o, fmt.Errorf("object type %q exists already: %w", o.Name, store.ErrConflict)
	}
	primary := store.Property{Object: o.Name, Name: o.Primary, Type: property.String, Label: o.Primary, Options: []string{}}
	err := e.db.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateObjectType(o, e.clock.Now()); err != nil {
			return err
		}
		_, err := tx.DeclareProperty(primary)
		return err
	})
	if err != nil {
		return o, fmt.Errorf("create object type: %w", err)
	}
	e.schemaMu.Lock()
	e.objects[o.Name] = true
	e.schemaMu.Unlock()
	e.replaceProperty(primary, false)
	return o, nil
}
