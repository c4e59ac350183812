package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Change kinds of a step or trigger between two versions.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// StepChange is one step that differs between two versions: added, removed, or changed with
// the fields (JSON names) that differ.
type StepChange struct {
	ID     string   `json:"id"`
	Type   string   `json:"type"`
	Name   string   `json:"name,omitempty"`
	Change string   `json:"change"`
	Fields []string `json:"fields,omitempty"`
}

// TriggerChange is one trigger that differs. Triggers with an id are matched by it, the others
// by their place in the list.
type TriggerChange struct {
	Index  int      `json:"index"` // in the newer version (in the older one when removed)
	Type   string   `json:"type"`
	Change string   `json:"change"`
	Fields []string `json:"fields,omitempty"`
	// From is the trigger's id in the older version when it was renamed.
	From string `json:"from,omitempty"`
}

// Diff is what changed from one version of a workflow to another: the one comparison the
// version list, the canvas's diff marks and the review before publishing all show.
type Diff struct {
	Steps    []StepChange    `json:"steps"`
	Triggers []TriggerChange `json:"triggers"`
	// Settings are the workflow-level fields that differ (name, object, reenroll, start, ...).
	Settings []string `json:"settings"`
	Summary  string   `json:"summary"`
}

// Empty reports whether the two versions are the same.
func (d *Diff) Empty() bool {
	return len(d.Steps) == 0 && len(d.Triggers) == 0 && len(d.Settings) == 0
}

// Compare returns what changed from old to cur. A nil old is the first version: everything in
// cur is new, and the summary says so.
func Compare(old, cur *Definition) *Diff {
	d := &Diff{Steps: []StepChange{}, Triggers: []TriggerChange{}, Settings: []string{}}
	if old == nil {
		for _, s := range cur.Steps {
			d.Steps = append(d.Steps, StepChange{ID: s.ID, Type: s.Type, Name: s.Name, Change: ChangeAdded})
		}
		for i, t := range cur.Triggers {
			d.Triggers = append(d.Triggers, TriggerChange{Index: i, Type: t.Type, Change: ChangeAdded})
		}
		d.Summary = fmt.Sprintf("First version: %s, %s", countOf(len(cur.Triggers), "trigger"), countOf(len(cur.Steps), "step"))
		return d
	}
	oldSteps := map[string]*Step{}
	for i := range old.Steps {
		oldSteps[old.Steps[i].ID] = &old.Steps[i]
	}
	seen := map[string]bool{}
	for i := range cur.Steps {
		s := &cur.Steps[i]
		seen[s.ID] = true
		o, ok := oldSteps[s.ID]
		if !ok {
			d.Steps = append(d.Steps, StepChange{ID: s.ID, Type: s.Type, Name: s.Name, Change: ChangeAdded})
			continue
		}
		if fields := changedFields(o, s); len(fields) > 0 {
			d.Steps = append(d.Steps, StepChange{ID: s.ID, Type: s.Type, Name: s.Name, Change: ChangeChanged, Fields: fields})
		}
	}
	for _, o := range old.Steps {
		if !seen[o.ID] {
			d.Steps = append(d.Steps, StepChange{ID: o.ID, Type: o.Type, Name: o.Name, Change: ChangeRemoved})
		}
	}
	d.Triggers = compareTriggers(old.Triggers, cur.Triggers)
	if s := changedFields(settingsOf(old), settingsOf(cur)); s != nil {
		d.Settings = s
	}
	d.Summary = d.summarise()
	return d
}

// settingsOf is a definition without its steps and triggers, for comparing the rest.
func settingsOf(d *Definition) *Definition {
	c := *d
	c.Steps, c.Triggers = nil, nil
	return &c
}

func triggerKey(t Trigger, i int) string {
	if t.ID != "" {
		return "id:" + t.ID
	}
	return fmt.Sprintf("#%d", i)
}

// compareTriggers matches triggers by id (by place when they have none). A trigger whose id
// changed is still the same trigger to the person who renamed it: an unmatched new trigger
// and an unmatched old one of the same type at the same place are one change whose fields
// include "id", never a removal and an addition that would hide what else changed in it.
func compareTriggers(old, cur []Trigger) []TriggerChange {
	olds := map[string]int{}
	for i, t := range old {
		olds[triggerKey(t, i)] = i
	}
	pair := make([]int, len(cur)) // cur index -> old index, -1: added
	usedOld := make([]bool, len(old))
	for i, t := range cur {
		pair[i] = -1
		if j, ok := olds[triggerKey(t, i)]; ok {
			pair[i], usedOld[j] = j, true
		}
	}
	for i := range cur {
		if pair[i] < 0 && i < len(old) && !usedOld[i] && old[i].Type == cur[i].Type {
			pair[i], usedOld[i] = i, true
		}
	}
	out := []TriggerChange{}
	for i, t := range cur {
		j := pair[i]
		if j < 0 {
			out = append(out, TriggerChange{Index: i, Type: t.Type, Change: ChangeAdded})
			continue
		}
		if fields := changedFields(&old[j], &t); len(fields) > 0 {
			c := TriggerChange{Index: i, Type: t.Type, Change: ChangeChanged, Fields: fields}
			if old[j].ID != t.ID {
				c.From = old[j].ID
			}
			out = append(out, c)
		}
	}
	for j, t := range old {
		if !usedOld[j] {
			out = append(out, TriggerChange{Index: j, Type: t.Type, Change: ChangeRemoved})
		}
	}
	return out
}

// changedFields lists the JSON fields whose values differ between a and b, sorted.
func changedFields(a, b any) []string {
	ma, mb := fieldsOf(a), fieldsOf(b)
	var out []string
	for k, va := range ma {
		if vb, ok := mb[k]; !ok || !bytes.Equal(va, vb) {
			out = append(out, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func fieldsOf(v any) map[string]json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]json.RawMessage{"": json.RawMessage(err.Error())}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]json.RawMessage{"": json.RawMessage(err.Error())}
	}
	return m
}

// summarise says the diff in one line: "Added send welcome, wait; changed branch; triggers changed".
func (d *Diff) summarise() string {
	if d.Empty() {
		return "No changes"
	}
	byKind := map[string][]string{}
	for _, s := range d.Steps {
		// a step without a name is called by what it is, never by its id (people never see ids)
		label := s.Name
		if label == "" {
			label = strings.ReplaceAll(s.Type, "_", " ")
		}
		byKind[s.Change] = append(byKind[s.Change], label)
	}
	var parts []string
	for _, k := range []string{ChangeAdded, ChangeChanged, ChangeRemoved} {
		if names := byKind[k]; len(names) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s: %s", k, countOf(len(names), "step"), listNames(names, 3)))
		}
	}
	if len(d.Triggers) > 0 {
		parts = append(parts, "triggers changed")
	}
	if len(d.Settings) > 0 {
		parts = append(parts, "settings changed ("+strings.Join(d.Settings, ", ")+")")
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func countOf(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// listNames joins up to max names, a name that repeats once with its count ("delay ×2"), and
// says how many more there are.
func listNames(all []string, max int) string {
	count := map[string]int{}
	var names []string
	for _, n := range all {
		if count[n]++; count[n] == 1 {
			names = append(names, n)
		}
	}
	for i, n := range names {
		if count[n] > 1 {
			names[i] = fmt.Sprintf("%s ×%d", n, count[n])
		}
	}
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}
