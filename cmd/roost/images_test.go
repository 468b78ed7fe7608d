package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/image"
)

const testID = "4163f9797338155881737f689f6dec3cb9e535a649c0b4e9f16d915b17da410b"

func TestImageRows(t *testing.T) {
	now := time.Date(2024, 1, 1, 2, 0, 0, 0, time.UTC)
	list := []image.Summary{
		{ID: testID, Names: []string{"127.0.0.1:5000/busybox:latest", "localhost/mine:v1"}, Size: 4_272_330, CreatedTime: now.Add(-2 * time.Hour)},
		{ID: strings.Repeat("a", 64), CreatedTime: now.Add(-90 * time.Second), Size: 812},
		{ID: strings.Repeat("b", 64), Names: []string{"quay.io/x/y@sha256:" + strings.Repeat("c", 64)}, CreatedTime: now},
	}
	rows := image.Rows(list, false, now)
	var buf bytes.Buffer
	if err := format.List(&buf, "", imagesTable(false), imageHeaders, rows, false); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"},
		{"127.0.0.1:5000/busybox", "latest", testID[:12], "2", "hours", "ago", "4.27", "MB"},
		{"localhost/mine", "v1", testID[:12], "2", "hours", "ago", "4.27", "MB"},
		{"<none>", "<none>", "aaaaaaaaaaaa", "About", "a", "minute", "ago", "812", "B"},
		{"quay.io/x/y", "<none>", "bbbbbbbbbbbb", "Less", "than", "a", "second", "ago"},
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, l := range lines {
		got := strings.Fields(l)
		if fmt.Sprint(got[:min(len(got), len(want[i]))]) != fmt.Sprint(want[i]) {
			t.Errorf("line %d: %q, want fields %q", i, l, want[i])
		}
	}
}

// -q prints each image once, however many names it has.
func TestPrintIDsOncePerImage(t *testing.T) {
	now := time.Now()
	list := []image.Summary{
		{ID: testID, Names: []string{"b/x:1", "a/x:2"}, CreatedTime: now},
		{ID: strings.Repeat("a", 64), Names: []string{"c/x:0"}, CreatedTime: now},
	}
	var buf bytes.Buffer
	if err := printIDs(&app{out: &buf}, image.Rows(list, true, now)); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Errorf("-q printed %d IDs, want 2 (one per image):\n%s", n, buf.String())
	}
}

func TestRmiExit(t *testing.T) {
	unknown := fmt.Errorf("nope: %w", cstorage.ErrImageUnknown)
	cases := []struct {
		err  error
		code int
	}{
		{unknown, exitImageUnknown},
		{errors.Join(unknown, unknown), exitImageUnknown},
		{errors.Join(unknown, image.ErrInUse), exitImageInUse},
		{errors.Join(unknown, errors.New("disk full")), exitEngine},
	}
	for _, c := range cases {
		err := rmiExit(c.err)
		code := exitEngine
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if code != c.code || strings.Contains(err.Error(), "\n") {
			t.Errorf("rmiExit(%q) = %d %q; want %d on one line", c.err, code, err, c.code)
		}
	}
}

func TestConfirmPrune(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "yes\n": true, "Y": true, "n\n": false, "\n": false} {
		var out bytes.Buffer
		ok, err := confirmPrune(&app{out: &out}, strings.NewReader(in), false)
		if err != nil || ok != want {
			t.Errorf("answer %q: %v %v; want %v", in, ok, err, want)
		}
		if !strings.HasPrefix(out.String(), "WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ") {
			t.Errorf("prompt: %q", out.String())
		}
	}
	if _, err := confirmPrune(&app{out: &bytes.Buffer{}}, strings.NewReader(""), true); err == nil {
		t.Error("no answer: want an error")
	}
}
