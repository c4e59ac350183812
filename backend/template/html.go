package template

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML bodies are read with golang.org/x/net/html (the Go project's HTML5 tokenizer and parser):
// CheckHTML uses its tokenizer to find tags that are never closed or closed out of order, which
// its lenient parser would silently repair; Text uses its parser to write the plain-text part.

// voidElements never have an end tag.
var voidElements = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true, atom.Hr: true, atom.Img: true,
	atom.Input: true, atom.Link: true, atom.Meta: true, atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// optionalEnd are elements whose end tag HTML lets a writer leave out.
var optionalEnd = map[atom.Atom]bool{
	atom.Html: true, atom.Head: true, atom.Body: true, atom.P: true, atom.Li: true, atom.Dt: true, atom.Dd: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Option: true, atom.Optgroup: true, atom.Colgroup: true, atom.Caption: true, atom.Rt: true, atom.Rp: true,
}

type openTag struct {
	name      string
	a         atom.Atom
	line, col int
}

// CheckHTML reports the first structural mistake of an HTML body, with its position: a tag that
// is never closed, an end tag that closes nothing, or tags closed out of order. End tags that
// HTML lets one leave out (</p>, </li>, </td>, ...) are not required.
func CheckHTML(src string) error {
	z := html.NewTokenizer(strings.NewReader(src))
	var stack []openTag
	pos := 0
	for {
		tt := z.Next()
		raw := len(z.Raw())
		at := pos
		pos += raw
		switch tt {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return errAt(src, at, fmt.Sprintf("the HTML cannot be read: %v", z.Err()))
			}
			if rest := src[min(at, len(src)):]; strings.HasPrefix(strings.TrimSpace(rest), "<") {
				return errAt(src, at, "a tag is not finished: close it with \">\"")
			}
			for i := len(stack) - 1; i >= 0; i-- {
				if !optionalEnd[stack[i].a] {
					o := stack[i]
					return &Error{Pos: at, Line: o.line, Col: o.col, Msg: fmt.Sprintf("<%s> is never closed. Add </%s> where it ends.", o.name, o.name)}
				}
			}
			return nil
		case html.StartTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if voidElements[a] {
				continue
			}
			line, col := position(src, at)
			stack = append(stack, openTag{name: string(name), a: a, line: line, col: col})
		case html.EndTagToken:
			name, _ := z.TagName()
			n := string(name)
			if voidElements[atom.Lookup(name)] {
				continue // </br> and the like: browsers ignore them
			}
			i := len(stack) - 1
			for i >= 0 && stack[i].name != n {
				i--
			}
			if i < 0 {
				return errAt(src, at, fmt.Sprintf("</%s> closes a tag that was never opened. Remove it, or add <%s> before it", n, n))
			}
			for j := len(stack) - 1; j > i; j-- {
				if !optionalEnd[stack[j].a] {
					o := stack[j]
					return errAt(src, at, fmt.Sprintf("</%s> comes before <%s> (line %d, column %d) is closed. Close <%s> first", n, o.name, o.line, o.col, o.name))
				}
			}
			stack = stack[:i]
		}
	}
}

// skipText are elements whose content is not part of the readable text.
var skipText = map[atom.Atom]bool{atom.Head: true, atom.Style: true, atom.Script: true, atom.Title: true, atom.Template: true}

// blockElements start on a new line; paragraphs and headings are set apart by a blank line.
var blockElements = map[atom.Atom]int{
	atom.P: 2, atom.H1: 2, atom.H2: 2, atom.H3: 2, atom.H4: 2, atom.H5: 2, atom.H6: 2, atom.Blockquote: 2, atom.Pre: 2,
	atom.Ul: 2, atom.Ol: 2, atom.Table: 2, atom.Hr: 2,
	atom.Div: 1, atom.Li: 1, atom.Tr: 1, atom.Section: 1, atom.Article: 1, atom.Header: 1, atom.Footer: 1,
}

// Text writes the plain-text part of an HTML body: the readable text with paragraphs, line
// breaks, list items ("- ") and link addresses ("text (https://...)") kept, and tokens left as
// they are. Comments, styles and the head are dropped.
func Text(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	w := &textWriter{}
	w.node(doc, false)
	lines := strings.Split(w.b.String(), "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" {
			blank++
			continue
		}
		if len(out) > 0 && blank > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

type textWriter struct {
	b       strings.Builder
	newline int // newlines at the end of b
	space   bool
}

func (w *textWriter) text(s string, pre bool) {
	if pre {
		w.b.WriteString(s)
		w.newline = 0
		return
	}
	isSpace := func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' }
	fields := strings.FieldsFunc(s, isSpace)
	if len(fields) == 0 {
		w.space = w.space || s != ""
		return
	}
	leading := isSpace(rune(s[0]))
	for i, f := range fields {
		if (i > 0 || leading || w.space) && w.newline == 0 && w.b.Len() > 0 {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(f)
		w.newline = 0
	}
	w.space = isSpace(rune(s[len(s)-1]))
}

func (w *textWriter) breakLine(n int) {
	if w.b.Len() == 0 {
		return
	}
	for w.newline < n {
		w.b.WriteByte('\n')
		w.newline++
	}
	w.space = false
}

func (w *textWriter) node(n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data, pre)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		if skipText[n.DataAtom] {
			return
		}
		if n.DataAtom == atom.Br { // each <br> is a line break: two make a blank line
			if w.b.Len() > 0 {
				w.b.WriteByte('\n')
				w.newline++
			}
			w.space = false
			return
		}
		if n.DataAtom == atom.Pre {
			pre = true
		}
	}
	gap := blockElements[n.DataAtom]
	if n.Type == html.ElementNode && gap > 0 {
		w.breakLine(gap)
	}
	if n.DataAtom == atom.Li {
		w.b.WriteString("- ")
		w.newline = 0
	}
	start := w.b.Len()
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c, pre)
	}
	if n.DataAtom == atom.A {
		href := ""
		for _, a := range n.Attr {
			if a.Key == "href" {
				href = strings.TrimSpace(a.Val)
			}
		}
		label := strings.TrimSpace(w.b.String()[start:])
		if href != "" && !strings.HasPrefix(href, "#") && href != label && strings.TrimPrefix(href, "mailto:") != label {
			if label == "" {
				w.text(href, false)
			} else {
				w.b.WriteString(" (" + href + ")")
				w.newline = 0
			}
		}
	}
	if n.Type == html.ElementNode && (n.DataAtom == atom.Td || n.DataAtom == atom.Th) {
		w.space = true
	}
	if n.Type == html.ElementNode && gap > 0 {
		w.breakLine(gap)
	}
}
