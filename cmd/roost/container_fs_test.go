package main

import "testing"

func TestParseCopyArg(t *testing.T) {
	for in, want := range map[string]copyArg{
		"ctr:/etc/passwd": {ctr: "ctr", path: "/etc/passwd"},
		"ctr:":            {ctr: "ctr"},
		"-":               {path: "-"},
		"/host/a:b":       {path: "/host/a:b"},
		"./a:b":           {path: "./a:b"},
		"file":            {path: "file"},
		":x":              {path: ":x"},
	} {
		if got := parseCopyArg(in); got != want {
			t.Errorf("parseCopyArg(%q) = %+v, want %+v", in, got, want)
		}
	}
}
