package ident

import "testing"

func TestEmailKey(t *testing.T) {
	same := [][2]string{
		{"jörg@bücher.de", "JÖRG@BÜCHER.DE"},
		{"jörg@bücher.de", "jo\u0308rg@bu\u0308cher.de"}, // decomposed umlauts (NFD)
		{"Ann@Example.com", "ann@example.com"},
		{" ann@example.com ", "ann@example.com"},
		{"straße@example.de", "STRASSE@example.de"}, // full case folding, not just lower case
	}
	for _, c := range same {
		if EmailKey(c[0]) != EmailKey(c[1]) {
			t.Errorf("EmailKey(%q) = %q, EmailKey(%q) = %q; want them equal", c[0], EmailKey(c[0]), c[1], EmailKey(c[1]))
		}
	}
	if EmailKey("ann@example.com") == EmailKey("anna@example.com") {
		t.Error("different addresses got one key")
	}
}

func TestCheckEmail(t *testing.T) {
	for _, s := range []string{"ann@example.com", "jörg@bücher.de", "a+tag@sub.example.co.uk", "temochkaykvlv+luiklas@gmail.com"} {
		if err := CheckEmail(s); err != nil {
			t.Errorf("CheckEmail(%q) = %v, want ok", s, err)
		}
	}
	for _, s := range []string{"", "not-an-email", "sales@acme", "a\x00@example.com", "a b@example.com", "@example.com",
		"ann@", "ann@@example.com", "ann@example..com", "ann@.example.com", "a\x7f@example.com", "\xffa@example.com",
		"ann@example.com\n", string(make([]byte, 255)) + "@x.io"} {
		if err := CheckEmail(s); err == nil {
			t.Errorf("CheckEmail(%q) = nil, want an error", s)
		}
	}
}
