package template_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flowdesk/flowdesk/backend/template"
)

func TestCheckHTMLRefusesUnclosedAndMisnestedTags(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		line, col int
	}{
		{"<div><p>Hi</p>", "<div> is never closed", 1, 1},
		{"<p>Hi</span></p>", "</span> closes a tag that was never opened", 1, 6},
		{"<p>a\n<strong>b</p>", "</p> comes before <strong> (line 2, column 1) is closed", 2, 10},
		{"<table><tr><td>x</table", "a tag is not finished", 1, 17},
	} {
		err := template.CheckHTML(tc.src)
		var te *template.Error
		if !errors.As(err, &te) || !strings.Contains(err.Error(), tc.want) || te.Line != tc.line || te.Col != tc.col {
			t.Errorf("CheckHTML(%q) = %v (%+v), want %q at %d:%d", tc.src, err, te, tc.want, tc.line, tc.col)
		}
	}
}

func TestCheckHTMLAcceptsWhatHTMLAllows(t *testing.T) {
	for _, src := range []string{
		"",
		"Plain words",
		"<p>One<p>Two", // </p> may be left out
		"<ul><li>a<li>b</ul>",
		"<table><tr><td>a<td>b</table>",
		`<p>Hi {{contact.first_name | default "there"}},<br>see <a href="https://x.example/{{contact.id}}">this</a><img src="a.png"></p>`,
		"<!DOCTYPE html><html><head><meta charset=utf-8><title>x</title></head><body><div>y</div></body></html>",
		"<p>a<br/>b</br></p>",
	} {
		if err := template.CheckHTML(src); err != nil {
			t.Errorf("CheckHTML(%q) = %v, want nil", src, err)
		}
	}
}

func TestTextKeepsParagraphsListsLinksAndTokens(t *testing.T) {
	src := `<!DOCTYPE html><html><head><title>Hi</title><style>p{color:red}</style></head><body>
<h1>Thanks, {{contact.first_name | default "there"}}!</h1>
<p>It was   great to have you at <strong>{{event.webinar.title}}</strong>.<br>See you soon.</p>
<!--content-->
<ul><li>Slides</li><li>Checklist</li></ul>
<p><a href="https://academy.example.com/slides">Get the slides</a> or <a href="mailto:anna@example.com">anna@example.com</a></p>
<p>Ampersands &amp; quotes &quot;stay&quot; readable.</p>
</body></html>`
	want := `Thanks, {{contact.first_name | default "there"}}!

It was great to have you at {{event.webinar.title}}.
See you soon.

- Slides
- Checklist

Get the slides (https://academy.example.com/slides) or anna@example.com

Ampersands & quotes "stay" readable.`
	if got := template.Text(src); got != want {
		t.Fatalf("Text:\n%s\n--- want:\n%s", got, want)
	}
	// The text part must parse as a template with the same tokens.
	tp, err := template.Parse(template.Text(src))
	if err != nil || len(tp.Tokens()) != 2 {
		t.Fatalf("text part tokens: %v %v", tp, err)
	}
}

func TestPreviewMarksTokensWithoutAValue(t *testing.T) {
	tp := template.MustParse(`Hi {{contact.first_name}} & {{contact.city | default "friend"}}, {{event.title}} <b>{{contact.first_name}}</b>`)
	d := template.Data{Record: map[string]any{"first_name": "   "}, Event: map[string]any{"title": "<Demo>"}}
	out, missing := tp.Preview(d, false)
	want := `Hi <mark class=token-missing>{{contact.first_name}}</mark> &amp; friend, &lt;Demo&gt; &lt;b&gt;<mark class=token-missing>{{contact.first_name}}</mark>&lt;/b&gt;`
	if out != want {
		t.Fatalf("Preview text:\n%s\nwant\n%s", out, want)
	}
	if len(missing) != 1 || missing[0].Ref() != "contact.first_name" {
		t.Fatalf("missing %v", missing)
	}
	html, _ := tp.Preview(d, true)
	if !strings.Contains(html, "<b><mark class=token-missing>{{contact.first_name}}</mark></b>") || !strings.Contains(html, "&lt;Demo&gt;") {
		t.Fatalf("Preview HTML: %s", html)
	}
	// A record with the value gets it, nothing marked.
	full, none := tp.Preview(template.Data{Record: map[string]any{"first_name": "Ann"}, Event: map[string]any{"title": "T"}}, true)
	if len(none) != 0 || strings.Contains(full, "<mark") || !strings.HasPrefix(full, "Hi Ann & friend, T") {
		t.Fatalf("full preview %q %v", full, none)
	}
}
