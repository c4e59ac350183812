package condition

import (
	"reflect"
	"testing"
)

func TestRulesReadAssociatedRecords(t *testing.T) {
	contact := func(p string) (Type, bool) {
		switch p {
		case "company", "city":
			return TypeString, true
		}
		return "", false
	}
	company := func(p string) (Type, bool) {
		switch p {
		case "industry":
			return TypeEnum, true
		case "employees":
			return TypeNumber, true
		}
		return "", false
	}
	opts := Options{Schema: contact, Associated: func(prefix string) (Schema, bool) {
		if prefix == "company" {
			return company, true
		}
		return nil, false
	}}
	compile := func(f Filter) *Program {
		t.Helper()
		p, err := Compile(f, opts)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	isSoftware := compile(Filter{Property: "company.industry", Op: OpEq, Value: "software"})
	notSoftware := compile(Filter{Property: "company.industry", Op: OpNeq, Value: "software"})
	big := compile(Filter{Property: "company.employees", Op: OpGte, Value: 100})
	if got := isSoftware.Associations(); !reflect.DeepEqual(got, []string{"company"}) {
		t.Fatalf("associations %v", got)
	}
	// The contact's own text property "company" does not get in the way.
	rec := map[string]any{"company": "Acme Inc", "city": "Cork"}
	for _, tc := range []struct {
		name      string
		companies []map[string]any
		sw, nsw   bool
		big       bool
	}{
		{"none", nil, false, true, false},
		{"one retail", []map[string]any{{"industry": "retail", "employees": 500}}, false, true, true},
		{"one of two is software", []map[string]any{{"industry": "retail", "employees": 5}, {"industry": "software", "employees": 200}}, true, false, true},
	} {
		env := Env{Record: rec, Associated: map[string][]map[string]any{"company": tc.companies}}
		for _, c := range []struct {
			p    *Program
			want bool
		}{{isSoftware, tc.sw}, {notSoftware, tc.nsw}, {big, tc.big}} {
			got, err := c.p.Match(env)
			if err != nil || got != c.want {
				t.Errorf("%s: %s = %v (err %v), want %v", tc.name, c.p.source, got, err, c.want)
			}
		}
	}
	// Types are checked against the associated type's schema.
	if _, err := Compile(Filter{Property: "company.employees", Op: OpContains, Value: "x"}, opts); err == nil {
		t.Fatal("contains on a number of the associated company compiled")
	}
	// Without the option the dotted name is an ordinary path in the record.
	plain, err := Compile(Filter{Property: "company.industry", Op: OpEq, Value: "software"}, Options{Schema: contact})
	if err != nil || len(plain.Associations()) != 0 {
		t.Fatalf("without associations: %v %v", err, plain.Associations())
	}
	if v := (Env{Record: rec, Associated: map[string][]map[string]any{"company": {{"industry": "software"}}}}).Value("company.industry"); v != "software" {
		t.Fatalf("Env.Value %v", v)
	}
}
