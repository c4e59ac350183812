package template

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var data = Data{
	Record: map[string]any{"first_name": "Ann", "last_name": "", "city": "Dublin", "score": 42.5, "tags": []any{"a", "b"},
		"renewal_date": "2026-05-01", "bio": `<b>"Tom" & Jerry</b>`, "paid": true},
	Event:      map[string]any{"webinar_title": "Go at scale", "data": map[string]any{"amount": 19.0}, "at": "2026-03-04T10:00:00Z"},
	Enrollment: map[string]any{"id": int64(7), "workflow_id": "w"},
	Workflow:   map[string]any{"id": "w", "name": "Welcome"},
}

func TestRender(t *testing.T) {
	cases := []struct{ src, want string }{
		{"Hi {{contact.first_name}}!", "Hi Ann!"},
		{"Hi {{ record.first_name }}", "Hi Ann"},
		{"Hi {{contact.last_name | default \"there\"}}", "Hi there"},
		{"Hi {{contact.nickname | default \"there\"}}", "Hi there"},
		{"{{record.city|upper}} {{record.city | lower}}", "DUBLIN dublin"},
		{`{{record.nickname | default "friend" | upper}}`, "FRIEND"},
		{"{{event.webinar_title}}", "Go at scale"},
		{"{{event.data.amount}}", "19"},
		{"{{event.data.missing.deeper}}", ""},
		{"{{record.score}} {{record.tags}} {{record.paid}}", "42.5 a, b true"},
		{"#{{enrollment.id}} in {{workflow.name}}", "#7 in Welcome"},
		{`{{record.renewal_date | date "2 Jan 2006"}}`, "1 May 2026"},
		{`{{event.at | date "2006-01-02 15:04"}}`, "2026-03-04 10:00"},
		{`{{record.city | date "2006"}}`, "Dublin"},
		{`{{"{{"}} literal {{"}}"}}`, "{{ literal }}"},
		{`{{record.x | default "say \"hi\""}}`, `say "hi"`},
		{"no tokens at all { } }", "no tokens at all { } }"},
		{"", ""},
		{"Grüße {{contact.first_name}}", "Grüße Ann"},
	}
	for _, c := range cases {
		tpl, err := Parse(c.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.src, err)
			continue
		}
		if got := tpl.Render(data); got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestRenderHTMLEscapesValuesOnly(t *testing.T) {
	tpl := MustParse(`<p>Hi {{contact.bio}}, from {{record.city | default "<nowhere>"}}</p>`)
	got := tpl.RenderHTML(data)
	want := `<p>Hi &lt;b&gt;&#34;Tom&#34; &amp; Jerry&lt;/b&gt;, from Dublin</p>`
	if got != want {
		t.Fatalf("RenderHTML = %q, want %q", got, want)
	}
	if plain := tpl.Render(data); !strings.Contains(plain, `<b>"Tom" & Jerry</b>`) {
		t.Fatalf("Render must not escape: %q", plain)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		want      string
	}{
		{"Hi {{contact.first_name", 1, 4, "not closed"},
		{"Hi {{contact.first_name}", 1, 4, "not closed"},
		{"Hi {{ }}", 1, 4, "empty"},
		{"Hi {{person.first_name}}", 1, 6, `"person" is not something a token can read`},
		{"Hi {{contakt.first_name}}", 1, 6, "Did you mean contact?"},
		{"Hi {{contact}}", 1, 6, "needs a field"},
		{"Hi {{contact..x}}", 1, 6, "empty name"},
		{"x\nHi {{contact.first_name | shout}}", 2, 27, `"shout" is not a filter`},
		{"{{contact.first_name | uper}}", 1, 24, "Did you mean upper?"},
		{"{{contact.first_name | default}}", 1, 31, "needs a text in quotes"},
		{"{{contact.first_name | default there}}", 1, 32, "needs a text in quotes"},
		{"{{contact.first_name | upper \"x\"}}", 1, 30, "takes no argument"},
		{"{{contact.first_name | date \"\"}}", 1, 24, "needs a layout"},
		{"{{contact.first_name default}}", 1, 22, `expected "|"`},
		{"{{contact.first_name |}}", 1, 23, "must be followed by a filter"},
		{"{{contact.first_name | default \"x}}", 1, 1, "quote that is never closed"},
		{"Hi {{contact.first_name\n}}", 1, 4, "not closed on its line"},
		{"Hi {{contact.a {{contact.b}}", 1, 4, "before the next"},
		{"Hi }} there", 1, 4, "never opened"},
		{"{{contact.a}} }}", 1, 15, "never opened"},
		{"{{\"\"}}", 1, 1, "quoted text is empty"},
		{"{{\"a\" b}}", 1, 7, "only text in quotes"},
		{"{{@x}}", 1, 3, "expected a name"},
		{"é {{contact.x | nope}}", 1, 17, "not a filter"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): want a *Error, got %v", c.src, err)
			continue
		}
		if pe.Line != c.line || pe.Col != c.col || !strings.Contains(pe.Error(), c.want) {
			t.Errorf("Parse(%q) = %v (line %d col %d), want line %d col %d containing %q", c.src, pe, pe.Line, pe.Col, c.line, c.col, c.want)
		}
		if !strings.HasSuffix(pe.Msg, ".") && !strings.HasSuffix(pe.Msg, "?") {
			t.Errorf("Parse(%q): message %q is not a sentence", c.src, pe.Msg)
		}
	}
}

func TestTokens(t *testing.T) {
	tpl := MustParse(`{{contact.first_name | default "x" | upper}} {{event.data.amount}} {{"lit"}}`)
	toks := tpl.Tokens()
	if len(toks) != 3 {
		t.Fatalf("tokens %v", toks)
	}
	if toks[0].Ref() != "contact.first_name" || len(toks[0].Filters) != 2 || toks[0].Filters[0].Arg != "x" || toks[0].Col != 1 {
		t.Fatalf("token 0 %+v", toks[0])
	}
	if toks[1].Ref() != "event.data.amount" || toks[1].Col != 46 || toks[2].Ref() != "" || toks[2].Literal != "lit" {
		t.Fatalf("tokens %+v", toks)
	}
	if toks[0].Source != `{{contact.first_name | default "x" | upper}}` {
		t.Fatalf("source %q", toks[0].Source)
	}
}

func TestTooManyTokens(t *testing.T) {
	if _, err := Parse(strings.Repeat("{{contact.a}}", MaxTokens+1)); err == nil {
		t.Fatal("want an error past MaxTokens")
	}
}

func TestSuggest(t *testing.T) {
	props := []string{"first_name", "last_name", "email", "city", "id"}
	for name, want := range map[string]string{"frist_name": "first_name", "emial": "email", "citty": "city",
		"first_nme": "first_name", "zzz": "", "phone": "", "ib": "id", "xy": "", "lastname": "last_name"} {
		if got := Suggest(name, props); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDateFromMillis(t *testing.T) {
	ms := float64(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC).UnixMilli())
	got := MustParse(`{{record.at | date "2006-01-02"}}`).Render(Data{Record: map[string]any{"at": ms}})
	if got != "2026-01-02" {
		t.Fatalf("got %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Hi {{contact.first_name | default \"there\"}}", "{{", "}}", "{{\"{{\"}}", "{{a.b|date \"2006\"}}",
		"{{contact.x | upper | lower}}", "{{event.a.b.c}}\n{{workflow.name}}", "{{contact.first_name | default \"\\\"\"}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Line < 1 || pe.Col < 1 || pe.Pos < 0 || pe.Pos > len(src) {
				t.Fatalf("Parse(%q): bad error %#v", src, err)
			}
			return
		}
		out := tpl.Render(data)
		h := tpl.RenderHTML(data)
		if !strings.Contains(src, "{{") && out != src {
			t.Fatalf("a template without tokens must render as itself: %q -> %q", src, out)
		}
		if utf8.ValidString(src) && !utf8.ValidString(out) {
			t.Fatalf("valid UTF-8 in, invalid out: %q -> %q", src, out)
		}
		_ = h
		for _, tok := range tpl.Tokens() {
			if tok.Literal == "" && !contains(Namespaces, tok.Namespace) {
				t.Fatalf("token with unknown namespace %+v", tok)
			}
			if !strings.HasPrefix(src[tok.Pos:], "{{") {
				t.Fatalf("token position %d does not point at {{", tok.Pos)
			}
		}
	})
}
