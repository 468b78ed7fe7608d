package main

import "testing"

func TestOneLine(t *testing.T) {
	cases := map[string]string{
		"invalid signal: ":             "invalid signal: ",
		"invalid signal:  ":            "invalid signal:  ",
		"first\n  second\n\tthird\n":   "first second third",
		"first  \n\n second  ":         "first second  ",
		"a  b":                         "a  b",
		"\n\n":                         "",
		"reading x: \n  caused by y\n": "reading x: caused by y",
	}
	for in, want := range cases {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
