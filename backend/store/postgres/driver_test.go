package postgres

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	cases := map[string]string{
		"SELECT 1":                               "SELECT 1",
		"a = ? AND b = ?":                        "a = $1 AND b = $2",
		"x < ?1 AND y < ?1 AND id > ?2 LIMIT ?3": "x < $1 AND y < $1 AND id > $2 LIMIT $3",
		"s = '?' AND t = ? AND \"q?\" = ?":       "s = '?' AND t = $1 AND \"q?\" = $2",
		"s = 'it''s ?' AND t = ?":                "s = 'it''s ?' AND t = $1",
		"a = ? -- why?\nAND b = ?":               "a = $1 -- why?\nAND b = $2",
		"'$.\"' || ? || '\"'":                    "'$.\"' || $1 || '\"'",
	}
	for in, want := range cases {
		got, err := number(in)
		if err != nil || got != want {
			t.Errorf("number(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := number("a = 'open ?"); err == nil {
		t.Error("an unterminated quote was accepted")
	}
}
